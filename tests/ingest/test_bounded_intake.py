"""Hostile files are measured before they are parsed and refused with a message that names the
position and never a value; the case is left exactly as it was."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import openpyxl
import pytest

from qinglian.ingest.limits import LIMITS
from qinglian.ingest.readers import xlsxguard
from tests.helpers import cli, query
from tests.ingest.test_bad_input import GOOD, HEADER, expect_refused

_CT = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
_WB = (
    '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
    '<sheet name="S1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WB_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/></Relationships>'
)
HEAD_ROW = (
    '<row r="1"><c r="A1" t="inlineStr"><is><t>主叫</t></is></c><c r="B1" t="inlineStr"><is><t>被叫号码</t></is></c>'
    '<c r="C1" t="inlineStr"><is><t>开始时间</t></is></c></row>'
    '<row r="2"><c r="A2" t="inlineStr"><is><t>02112345678</t></is></c><c r="B2" t="inlineStr"><is><t>13812345678</t></is></c>'
    '<c r="C2" t="inlineStr"><is><t>2025-07-20 09:00</t></is></c></row>'
)


def hand_xlsx(
    path: Path,
    rows_xml: str,
    dimension: str | None = None,
    extra: dict[str, bytes] | None = None,
    part: str = "xl/worksheets/sheet1.xml",
) -> Path:
    """A minimal workbook written part by part, so that any cell can sit anywhere."""
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    sheet = (
        '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"{dim}<sheetData>{rows_xml}</sheetData></worksheet>"
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", _CT)
        zf.writestr("_rels/.rels", _RELS)
        zf.writestr("xl/workbook.xml", _WB)
        zf.writestr("xl/_rels/workbook.xml.rels", _WB_RELS.replace("worksheets/sheet1.xml", part.removeprefix("xl/")))
        zf.writestr(part, sheet)
        for name, data in (extra or {}).items():
            zf.writestr(name, data)
    return path


# -- XLSX ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "dimension"),
    [("XFD1048576", None), ("XFD1048576", "A1:C2"), ("xfd1048576", "A1:C2"), ("ZZZ2", "A1")],
)
def test_xlsx_cell_far_away_is_refused_before_parsing(
    case_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], cell: str, dimension: str | None
) -> None:
    """One value at XFD1048576 would make the reader allocate 17 billion cells (512 GiB)."""
    row = "".join(ch for ch in cell if ch.isdigit())
    f = hand_xlsx(tmp_path / "far.xlsx", HEAD_ROW + f'<row r="{row}"><c r="{cell}"><v>1</v></c></row>', dimension)
    assert f.stat().st_size < 2048
    expect_refused(case_dir, capsys, [f, "--holder", "甲"], "far.xlsx", "安全限制", "列")


def test_xlsx_sheet_under_any_part_name_is_measured(
    case_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The reader finds sheets through the workbook's relationships, not by folder."""
    rows = HEAD_ROW + '<row r="9"><c r="XFD9"><v>1</v></c></row>'
    f = hand_xlsx(tmp_path / "hidden.xlsx", rows, "A1:C2", part="xl/media/image1.png")
    expect_refused(case_dir, capsys, [f, "--holder", "甲"], "hidden.xlsx", "安全限制", "16,384")


def test_xlsx_mostly_empty_area_is_refused(case_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """CV100000: 10 million cells from a 1.5 KB file."""
    f = hand_xlsx(tmp_path / "sparse.xlsx", HEAD_ROW + '<row r="100000"><c r="CV100000"><v>1</v></c></row>', "A1:C2")
    expect_refused(case_dir, capsys, [f, "--holder", "甲"], "sparse.xlsx", "100,000 行", "几乎全空")


def test_xlsx_cells_without_references_are_measured(
    case_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cells = "<c><v>1</v></c>" * (LIMITS.max_columns + 5)
    f = hand_xlsx(tmp_path / "wide.xlsx", HEAD_ROW + f"<row>{cells}</row>", "A1:C2")
    expect_refused(case_dir, capsys, [f, "--holder", "甲"], "wide.xlsx", "安全限制", f"{LIMITS.max_columns:,} 列")


def test_xlsx_shared_strings_count_is_bounded(
    case_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(xlsxguard, "LIMITS", LIMITS.__class__(max_shared_strings=100))
    sst = (
        '<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        + "<si><t>x</t></si>" * 150
        + "</sst>"
    ).encode()
    f = hand_xlsx(tmp_path / "sst.xlsx", HEAD_ROW, "A1:C2", {"xl/sharedStrings.xml": sst})
    expect_refused(case_dir, capsys, [f, "--holder", "甲"], "sst.xlsx", "共享字符串 150")


def test_xlsx_part_that_unpacks_too_far_is_refused(
    case_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A sheet part padded with 50 MB of spaces: a ratio no spreadsheet reaches."""
    f = tmp_path / "bomb.xlsx"
    hand_xlsx(f, HEAD_ROW + " " * (50 << 20), "A1:C2")
    expect_refused(case_dir, capsys, [f, "--holder", "甲"], "bomb.xlsx", "压缩比")


def test_xlsx_honest_workbook_with_formula_and_lying_dimension(case_dir: Path, tmp_path: Path) -> None:
    """A wrong declared dimension (some writers always write A1) is measured, not refused."""
    f = hand_xlsx(
        tmp_path / "ok.xlsx",
        HEAD_ROW + '<row r="3"><c r="A3"><v>2112345678</v></c><c r="B3"><f>1+1</f><v>13812345679</v></c></row>',
        "A1",
    )
    assert cli("ingest", case_dir, f, "--holder", "甲") == 0
    assert query(case_dir, "SELECT count(*) FROM calls") == [(2,)]


def test_xlsx_guard_agrees_with_openpyxl_files(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["主叫", "被叫号码"])
    for i in range(50):
        ws.append(["02112345678", f"138{i:08d}"])
    ws["E60"] = "=1+1"
    f = tmp_path / "o.xlsx"
    wb.save(f)
    scan = xlsxguard.check_xlsx(f, "o.xlsx")
    sheet = scan.sheets["xl/worksheets/sheet1.xml"]
    assert (sheet.rows, sheet.columns) == (60, 5)
    assert scan.formula_rows(0) == [60]


# -- CSV -------------------------------------------------------------------------------------


def test_csv_too_many_columns(case_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """20,000 columns x 100 rows: refused from the first rows, not parsed."""
    f = tmp_path / "wide.csv"
    row = ",".join(str(i % 10) for i in range(20_000)) + "\n"
    f.write_text(",".join(f"列{i}" for i in range(20_000)) + "\n" + row * 100)
    err = expect_refused(case_dir, capsys, [f, "--holder", "甲"], "wide.csv", "20,000 列", "分隔符")
    assert "第 1 行" in err


def test_csv_without_any_line_break(case_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "oneline.csv"
    f.write_text("主叫,被叫号码,开始时间," + "1," * 200_000)
    err = expect_refused(case_dir, capsys, [f, "--holder", "甲"], "oneline.csv", "没有换行符", "第 1 行")
    assert "只有空行" not in err


def test_csv_short_file_without_line_break_is_one_row(case_dir: Path, tmp_path: Path) -> None:
    f = tmp_path / "header_only.csv"
    f.write_text(HEADER.strip())
    assert cli("ingest", case_dir, f, "--holder", "甲") == 0
    assert query(case_dir, "SELECT count(*) FROM calls") == [(0,)]


def test_csv_line_longer_than_a_block(case_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "long.csv"
    f.write_text(HEADER + GOOD * 3 + "02112345678,13812345678,2025-07-20," + "9" * (3 * LIMITS.max_record_bytes) + "\n")
    err = expect_refused(case_dir, capsys, [f, "--holder", "甲"], "long.csv", "超过 4 MB", "第 5 行")
    assert "9999" not in err


def test_csv_long_quoted_field_is_read(case_dir: Path, tmp_path: Path) -> None:
    """The csv module's 128 KB field limit does not apply to a long transcript in the first rows."""
    f = tmp_path / "transcript.csv"
    f.write_text("主叫,被叫号码,开始时间,通话内容\n" + f'02112345678,13812345678,2025-07-20,"{"ok" * 70_000}"\n')
    assert cli("ingest", case_dir, f, "--holder", "甲") == 0
    assert query(case_dir, "SELECT length(transcript) FROM calls") == [(140_000,)]


# -- no values in messages ------------------------------------------------------------------


def test_csv_without_header_row_names_positions_not_values(
    case_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    f = tmp_path / "nohdr.csv"
    f.write_text("13812345678,张三,110101199001011234\n13912345678,李四,110101199001011235\n")
    err = expect_refused(case_dir, capsys, [f, "--holder", "甲"], "nohdr.csv", "表头", "第 1、3 列")
    for value in ("13812345678", "张三", "110101199001011234"):
        assert value not in err


def test_xlsx_without_header_row_names_positions_not_values(
    case_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["13812345678", "张三", "110101199001011234"])
    ws.append(["13912345678", "李四", "110101199001011235"])
    f = tmp_path / "nohdr.xlsx"
    wb.save(f)
    err = expect_refused(case_dir, capsys, [f, "--holder", "甲"], "nohdr.xlsx", "表头")
    for value in ("13812345678", "张三", "110101199001011234"):
        assert value not in err


def test_json_keys_that_are_data_are_named_by_position(
    case_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    f = tmp_path / "keyed.jsonl"
    f.write_text(json.dumps({"13812345678": "a", "甲列": "b"}, ensure_ascii=False) + "\n")
    err = expect_refused(case_dir, capsys, [f, "--holder", "甲"], "keyed.jsonl", "#1", "甲列")
    assert "13812345678" not in err


# -- JSON ------------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".json", ".jsonl"])
def test_json_deep_nesting_is_a_clear_error(
    case_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], suffix: str
) -> None:
    f = tmp_path / f"deep{suffix}"
    nest = "[" * 200_000 + "]" * 200_000
    f.write_text(nest if suffix == ".json" else '{"内容": ' + nest + "}\n")
    expect_refused(case_dir, capsys, [f, "--holder", "甲"], f.name, "嵌套超过")


def test_json_moderate_nesting_is_kept_as_text(case_dir: Path, tmp_path: Path) -> None:
    f = tmp_path / "nested.json"
    f.write_text(json.dumps([{"会话": "群", "发送人": "甲", "内容": "你好", "附件": [[{"名": "x"}]]}], ensure_ascii=False))
    assert cli("ingest", case_dir, f, "--holder", "甲") == 0
    assert query(case_dir, "SELECT extra->>'附件' FROM chats") == [('[[{"名": "x"}]]',)]


def test_jsonl_new_key_per_line_is_folded_not_widened(
    case_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """3,001 distinct keys: the first ones get columns, the rest are kept as JSON in one column."""
    f = tmp_path / "keys.jsonl"
    f.write_text(
        "".join(
            json.dumps({"手机号": f"138{i:08d}", "姓名": "某", f"k{i}": i}, ensure_ascii=False) + "\n" for i in range(3001)
        )
    )
    assert cli("ingest", case_dir, f, "--holder", "甲") == 0
    out = capsys.readouterr().out
    assert "超过 500 列上限" in out
    assert query(case_dir, "SELECT count(*) FROM customers") == [(3001,)]
    last = query(case_dir, "SELECT extra FROM customers WHERE row_no = 3001")[0][0]
    assert isinstance(last, str) and '\\"k3000\\": 3000' in last


def test_json_array_is_streamed_and_object_with_one_list_read(case_dir: Path, tmp_path: Path) -> None:
    f = tmp_path / "wrapped.json"
    records = [{"手机号": f"138{i:08d}", "姓名": "某"} for i in range(5000)]
    f.write_text(json.dumps({"total": 5000, "tags": [1, 2], "data": records, "note": {"x": [1]}}, ensure_ascii=False))
    assert cli("ingest", case_dir, f, "--holder", "甲") == 0
    assert query(case_dir, "SELECT count(*), max(row_no) FROM customers") == [(5000, 5000)]


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ('[{"手机号": "1"}, {"手机号": "2', "截断"),
        ('[{"手机号": "1"} {"手机号": "2"}]', "JSON 格式错误"),
        ('{"a": [{"x": 1}], "b": [{"y": 2}]}', "不是记录列表"),
        ("[1, 2]", "不是记录列表"),
        ('[{"手机号": "1"}] extra', "JSON 格式错误"),
    ],
)
def test_json_damage_is_a_clear_error(
    case_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, needle: str
) -> None:
    f = tmp_path / "bad.json"
    f.write_text(text)
    expect_refused(case_dir, capsys, [f, "--holder", "甲"], "bad.json", needle)
