"""Small pure pieces of the report: law ids, file names, sheets, masking of cells and hashes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from qinglian.errors import QinglianError
from qinglian.report.evidence import split_law
from qinglian.report.html import inline_svg
from qinglian.report.privacy import Redactor
from qinglian.report.run import file_stem, parse_formats
from qinglian.report.xlsx import Book, neutralise

MOBILE = re.compile(r"1[3-9]\d{9}")


def test_split_law() -> None:
    assert split_law('["pipl.10", "ad.28"]') == ["pipl.10", "ad.28"]
    assert split_law("pipl.10, ad.28") == ["pipl.10", "ad.28"]
    assert split_law(None) == []


def test_file_stem_is_safe_for_hostile_holder_names() -> None:
    stem = file_stem("../../etc/passwd 公司", reveal=True)
    assert "/" not in stem and ".." not in stem
    assert stem.endswith("-revealed")
    assert file_stem("A公司", False) != file_stem("A公司 ", False)


def test_parse_formats() -> None:
    assert parse_formats("pdf, html,pdf") == ("pdf", "html")
    assert parse_formats(None) == ("html", "pdf", "xlsx", "ftm")
    with pytest.raises(QinglianError):
        parse_formats("html,docx")


@pytest.mark.parametrize("value", ["=1+1", "+86138", "-2", "@SUM(A1)", "\t=x"])
def test_neutralise(value: str) -> None:
    assert neutralise(value) == "'" + value


def test_neutralise_leaves_plain_text() -> None:
    assert neutralise("贷款 = 低息") == "贷款 = 低息"


def test_sheet_names_are_valid_and_unique(tmp_path: Path) -> None:
    book = Book(tmp_path / "x.xlsx")
    a = book.sheet("发现/[冒充]:银行?*" + "长" * 40)
    b = book.sheet("发现/[冒充]:银行?*" + "长" * 40)
    book.close()
    for name in (a, b):
        assert len(name) <= 31 and not re.search(r"[\[\]:*?/\\]", name)
    assert a != b


def test_a_table_past_the_row_limit_goes_on_in_numbered_sheets(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    book = Book(tmp_path / "x.xlsx", max_rows=4)
    n = book.table("名单", ["编号", "内容"], ([i, f"=cmd{i}"] for i in range(7)), note="说明")
    book.close()
    wb = load_workbook(tmp_path / "x.xlsx", read_only=True)
    sheets = {ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in wb.worksheets}
    assert n == 7 and list(sheets) == ["名单", "名单 (2)", "名单 (3)", "名单 (4)"]
    assert sheets["名单"][0][0] == "说明" and sheets["名单"][1] == ["编号", "内容"]
    rows = [r for s in sheets.values() for r in s[2:]]
    assert [int(r[0]) for r in rows] == list(range(7))
    assert [r[1] for r in rows] == [f"'=cmd{i}" for i in range(7)]


def test_inline_svg_prefixes_ids_and_drops_comments() -> None:
    svg = '<svg><!-- 张三 13912345678 --><defs><path id="g1"/></defs><use xlink:href="#g1"/>' \
          '<g clip-path="url(#c1)"/></svg>'
    out = inline_svg(svg, "s0")
    assert "<!--" not in out and "13912345678" not in out
    assert 'id="s0-g1"' in out and 'href="#s0-g1"' in out and "url(#s0-c1)" in out


def test_redactor_cells() -> None:
    r = Redactor(False)
    assert r.cell("number", "+8613912345678") == "139****5678"
    assert r.cell("reasons", "外呼 13912345678") == "外呼 139****5678"
    # person names in name-like columns are masked; organisations and account ids are not
    assert r.cell("payee", "孟杨") == "孟*" and r.cell("name", "欧阳娜娜") == "欧***"
    assert r.cell("payee", "示例云信通讯有限公司") == "示例云信通讯有限公司"
    assert r.cell("name", "zh310370") == "zh310370" and r.cell("memo", "孟杨") == "孟杨"
    assert Redactor(reveal=True).cell("payee", "孟杨") == "孟杨"
    assert r.cell("score", 0.5) == 0.5
    assert r.cell("note", "a" * 40 + " 13912345678") == "a" * 40 + " 139****5678"
    assert Redactor(True).cell("number", "+8613912345678") == "+8613912345678"


def test_hashes_never_print_as_mobile_numbers() -> None:
    import hashlib

    from qinglian.report.privacy import hash_text

    hashes = [hashlib.sha256(str(i).encode()).hexdigest() for i in range(20_000)]
    risky = [h for h in hashes if MOBILE.search(h)]
    assert risky  # plain SHA-256 hex does hold such runs now and then
    for h in hashes:
        shown = hash_text(h)
        assert not MOBILE.search(shown)
        assert not MOBILE.search(hash_text(h[:12]))
        assert shown.replace("-", "") == h
        assert Redactor(False).cell("list_id", f"{h}:Sheet1") == f"{shown}:Sheet1"
    assert hash_text("ab13912345678901cd") == "ab13912345-678901cd"



def test_ftm_ids_made_in_sql_are_the_ids_made_in_python() -> None:
    import duckdb

    from qinglian.report.ftm import entity_id
    from qinglian.report.ftm_bulk import id_sql

    con = duckdb.connect()
    con.execute("CREATE TABLE k (sha VARCHAR, sheet VARCHAR, row_no BIGINT)")
    con.execute("INSERT INTO k VALUES (?, '通话记录', 7), (?, NULL, 12), ('s''alt', '13812345678', NULL)",
                ["ab" * 32, "cd" * 32])
    rows = con.execute(f"SELECT sha, sheet, row_no, {id_sql('Call', 'sha', 'sheet', 'row_no')}, "
                       f"{id_sql('Person', 'sha', 'sheet')} FROM k").fetchall()
    assert len(rows) == 3
    for sha, sheet, row_no, call, person in rows:
        assert call == entity_id("Call", sha, sheet, row_no), (sha, sheet, row_no)  # None hashes as 'None'
        assert person == entity_id("Person", sha, sheet)


def test_ftm_entities_made_in_sql_leave_out_empty_values_and_escape_text() -> None:
    import json

    import duckdb

    from qinglian.report.ftm_bulk import entity_sql

    con = duckdb.connect()
    line = con.execute("SELECT " + entity_sql("Message", "'ql-x'", [
        ("bodyText", "'他说：\"还款\"\n<script>'"), ("subject", "''"), ("date", "NULL")])).fetchall()[0][0]
    assert line.endswith("\n") and line.count("\n") == 1
    assert json.loads(line) == {"id": "ql-x", "schema": "Message", "properties": {"bodyText": ['他说："还款"\n<script>']}}
    with pytest.raises(KeyError):
        entity_sql("Message", "'x'", [("noSuchProperty", "'v'")])


def test_a_whole_column_is_neutralised_as_each_cell_would_be() -> None:
    import pyarrow as pa

    from qinglian.report.xlsx import neutralise_column

    values = ["=HYPERLINK(\"x\")", "+86 138", "-1", "@x", "\tx", "\rx", "ok", "中文", "", None, " =x"]
    for typ in (pa.string(), pa.large_string()):
        got = neutralise_column(pa.chunked_array([pa.array(values, typ)])).to_pylist()
        assert got == [None if v is None else neutralise(v) for v in values]
    assert got[0] == "'=HYPERLINK(\"x\")" and got[6] == "ok"
