"""Bad input: a clear message naming file, sheet and row, no traceback, and the case unchanged."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import openpyxl
import pytest

from qinglian.ingest.readers import archive
from tests.helpers import cli, query, snapshot

HEADER = "主叫,被叫号码,开始时间,通话时长\n"
GOOD = "02112345678,13812345678,2025-07-20 09:00,30\n"


def expect_refused(
    case_dir: Path, capsys: pytest.CaptureFixture[str], args: list[str | Path], *needles: str
) -> str:
    """Run an ingest that must fail; check the message and that nothing in the case changed."""
    before = snapshot(case_dir)
    capsys.readouterr()
    code = cli("ingest", case_dir, *args)
    captured = capsys.readouterr()
    assert code == 2, captured
    assert "Traceback" not in captured.err + captured.out
    for n in needles:
        assert n in captured.err, (n, captured.err)
    assert snapshot(case_dir) == before
    assert not list((case_dir / "evidence").rglob("*.staging"))
    return captured.err


def test_empty_file(case_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "empty.csv"
    f.write_bytes(b"")
    expect_refused(case_dir, capsys, [f, "--holder", "甲"], "empty.csv", "文件为空")


def test_blank_lines_only(case_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "blank.csv"
    f.write_text("\n\n  \n")
    expect_refused(case_dir, capsys, [f, "--holder", "甲"], "没有任何内容")


def test_error_in_second_file_rolls_back_the_first(
    case_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = tmp_path / "good.csv"
    good.write_text(HEADER + GOOD)
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + GOOD + "02112345678,13812345678,2025-07-20 09:00,30,多余,字段\n")
    err = expect_refused(case_dir, capsys, [good, bad, "--holder", "甲"], "bad.csv", "第 3 行", "6 个字段", "4 列")
    assert "13812345678" not in err, "no PI in error messages"


def test_truncated_csv_with_open_quote(case_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "cut.csv"
    f.write_text(HEADER + GOOD + '02112345678,"13812345678,2025-07-20 09:00,3')
    expect_refused(case_dir, capsys, [f, "--holder", "甲"], "cut.csv", "处理办法")


def test_truncated_xlsx(case_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["主叫", "被叫号码", "开始时间"])
    ws.append(["02112345678", "13812345678", "2025-07-20"])
    buf = io.BytesIO()
    wb.save(buf)
    f = tmp_path / "cut.xlsx"
    f.write_bytes(buf.getvalue()[: len(buf.getvalue()) // 2])
    expect_refused(case_dir, capsys, [f, "--holder", "甲"], "cut.xlsx", "损坏")


def test_wrong_encoding_given(case_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "gbk.csv"
    f.write_bytes((HEADER + GOOD + "02112345678,13812345679,2025年7月20日,30\n").encode("gbk"))
    expect_refused(case_dir, capsys, [f, "--holder", "甲", "--encoding", "utf-8"], "gbk.csv", "utf-8", "--encoding")


def test_invalid_bytes_in_gbk_file(case_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "broken.csv"
    f.write_bytes((HEADER + GOOD).encode("gbk") + b"\xff\xff\xff,1,2,3\n")
    expect_refused(case_dir, capsys, [f, "--holder", "甲", "--encoding", "gbk"], "broken.csv", "第 3 行", "--encoding")


def test_unknown_encoding_name(case_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "a.csv"
    f.write_text(HEADER + GOOD)
    expect_refused(case_dir, capsys, [f, "--holder", "甲", "--encoding", "klingon"], "未知的编码")


def test_duplicate_headers(case_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "dup.csv"
    f.write_text("主叫,被叫号码,被叫号码,开始时间\n1,2,3,4\n")
    expect_refused(case_dir, capsys, [f, "--holder", "甲"], "表头重复", "被叫号码", "第 2 列", "第 3 列", "第 1 行")


def test_blank_header_with_data(case_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "blank.csv"
    f.write_text("主叫,被叫号码,,开始时间\n02112345678,13812345678,,2025-07-20\n02112345678,13812345678,秘密,2025-07-20\n")
    expect_refused(case_dir, capsys, [f, "--holder", "甲"], "第 3 列没有表头", "第 3 行")


def test_blank_trailing_header_without_data_is_fine(case_dir: Path, tmp_path: Path) -> None:
    f = tmp_path / "trailing.csv"
    f.write_text("主叫,被叫号码,开始时间,\n02112345678,13812345678,2025-07-20,\n")
    assert cli("ingest", case_dir, f, "--holder", "甲") == 0
    assert query(case_dir, "SELECT count(*) FROM calls") == [(1,)]


def test_formula_cells_reported_not_run(
    case_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "付款"
    ws.append(["付款方", "收款方", "金额", "时间"])
    ws.append(["甲公司", "乙", 100, "2025-07-01"])
    ws.append(["甲公司", "丙", "=C2*2", "2025-07-02"])
    f = tmp_path / "formula.xlsx"
    wb.save(f)
    assert cli("ingest", case_dir, f, "--holder", "甲") == 0
    out = capsys.readouterr().out
    assert "1 个公式单元格" in out and "第 3 行" in out
    # openpyxl saves no computed value: the cell is kept as empty, never evaluated to 200
    assert query(case_dir, "SELECT amount FROM payments ORDER BY row_no") == [(100.0,), (None,)]


def test_csv_formula_text_is_kept_as_text(case_dir: Path, tmp_path: Path) -> None:
    f = tmp_path / "inj.csv"
    f.write_text("会话,发送人,时间,内容\n群,甲,2025-07-20,=HYPERLINK(\"http://x\")\n")
    assert cli("ingest", case_dir, f, "--holder", "甲") == 0
    assert query(case_dir, "SELECT text FROM chats") == [('=HYPERLINK("http://x")',)]


def test_kind_cannot_be_decided(case_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "what.csv"
    f.write_text("甲列,乙列,丙列\n1,2,3\n")
    expect_refused(case_dir, capsys, [f, "--holder", "甲"], "无法从表头判断记录类型", "甲列", "--kind")


def test_ambiguous_kind_lists_candidates(case_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "amb.csv"
    f.write_text("手机号码,内容,发送人\n13812345678,你好,甲\n")
    expect_refused(case_dir, capsys, [f, "--holder", "甲"], "候选类型", "sms", "chats")


def test_unsupported_type(case_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "x.docx"
    f.write_bytes(b"PK")
    expect_refused(case_dir, capsys, [f, "--holder", "甲"], "不支持的文件类型", ".docx")


def test_missing_file(case_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    expect_refused(case_dir, capsys, [tmp_path / "nope.csv", "--holder", "甲"], "不存在")


def _zip_with(path: Path, name: str, data: bytes) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("ok.csv", HEADER + GOOD)
        zf.writestr(name, data)
    return path


@pytest.mark.parametrize("name", ["../../evil.csv", "/etc/evil.csv", "a/../../evil.csv"])
def test_zip_path_traversal(case_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str) -> None:
    z = _zip_with(tmp_path / "evil.zip", name, (HEADER + GOOD).encode())
    expect_refused(case_dir, capsys, [z, "--holder", "甲"], "evil.zip", "压缩包之外")
    assert not (tmp_path / "evil.csv").exists() and not (case_dir / "evil.csv").exists()


def test_zip_bomb_ratio(case_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    z = _zip_with(tmp_path / "bomb.zip", "big.csv", b"0" * (20 << 20))
    expect_refused(case_dir, capsys, [z, "--holder", "甲"], "bomb.zip", "压缩炸弹")


def test_zip_too_deep(case_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = (HEADER + GOOD).encode()
    inner_name = "calls.csv"
    for level in range(5):
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as zf:
            zf.writestr(inner_name, data)
        data, inner_name = buf.getvalue(), f"level{level}.zip"
    z = tmp_path / "deep.zip"
    z.write_bytes(data)
    expect_refused(case_dir, capsys, [z, "--holder", "甲"], "嵌套层数")


def test_zip_too_many_members(
    case_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(archive, "LIMITS", archive.Limits(max_members=3))
    z = tmp_path / "many.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for i in range(5):
            zf.writestr(f"f{i}.csv", HEADER + GOOD.replace("30", str(i)))
    expect_refused(case_dir, capsys, [z, "--holder", "甲"], "共有 5 个文件")


def test_large_file_is_streamed_in_batches(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file larger than one block is read block by block (bounded memory), rows numbered across blocks."""
    from qinglian.ingest.readers import delimited

    monkeypatch.setattr(delimited, "BLOCK_SIZE", 4096)
    f = tmp_path / "big.csv"
    f.write_text(HEADER + "".join(f"02112345678,138{i:08d},2025-07-20 09:00,{i % 300}\n" for i in range(20000)))
    sheet = next(delimited.read_delimited(f, "big.csv", None))
    sizes, last = [], 0
    for batch in sheet.batches:
        sizes.append(batch.num_rows)
        last = batch.column("__row_no")[-1].as_py()
    assert len(sizes) > 10 and max(sizes) < 1000
    assert sum(sizes) == 20000 and last == 20001


def test_blank_header_column_with_only_spaces_is_fine(case_dir: Path, tmp_path: Path) -> None:
    f = tmp_path / "spaces.csv"
    f.write_text("主叫,被叫号码,,开始时间\n02112345678,13812345678, \u3000 ,2025-07-20\n")
    assert cli("ingest", case_dir, f, "--holder", "甲") == 0
    assert query(case_dir, "SELECT count(*) FROM calls") == [(1,)]
