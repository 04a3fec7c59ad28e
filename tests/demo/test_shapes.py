"""The messy shapes are really there: GBK bytes, title rows above the header, Excel serials."""

from __future__ import annotations

import zipfile

import pytest
from openpyxl import load_workbook

from qinglian.demo import Manifest


def test_gbk_csv_decodes_as_gb18030_and_not_as_utf8(demo: Manifest) -> None:
    gbk = [e for e in demo.entries if e.fmt == "csv" and e.encoding == "gbk"]
    assert gbk
    for e in gbk:
        data = demo.path(e).read_bytes()
        with pytest.raises(UnicodeDecodeError):
            data.decode("utf-8")
        text = data.decode("gb18030")
        assert text.count("\n") >= e.rows


def test_xlsx_has_merged_title_rows_and_header_on_row_3(demo: Manifest) -> None:
    xlsx = [e for e in demo.entries if e.fmt == "xlsx"]
    assert xlsx
    for e in xlsx:
        assert e.first_row_no == 4
        ws = load_workbook(demo.path(e), read_only=False).worksheets[0]
        merged = {str(r) for r in ws.merged_cells.ranges}
        assert any(r.startswith("A1:") for r in merged) and any(r.startswith("A2:") for r in merged)
        assert "演示" in str(ws["A1"].value)
        header = [c.value for c in ws[3]]
        assert all(isinstance(h, str) and h for h in header)
        assert ws.max_row == 3 + e.rows


def test_accounts_table_mixes_date_cells_and_excel_serials(demo: Manifest) -> None:
    e = next(e for e in demo.entries if e.kind == "accounts")
    ws = load_workbook(demo.path(e)).worksheets[0]
    col = [c.value for c in ws["C"][3:]]
    serials = [v for v in col if isinstance(v, float)]
    assert serials and all(40000 < v < 47000 for v in serials)
    assert any(not isinstance(v, float) for v in col)


def test_zip_members_are_csv_files_of_one_kind(demo: Manifest) -> None:
    for e in (e for e in demo.entries if e.fmt == "zip"):
        with zipfile.ZipFile(demo.path(e)) as zf:
            assert tuple(zf.namelist()) == e.members
            assert all(not n.startswith(("/", "..")) for n in zf.namelist())
