"""Ingest of the shapes real exports come in: GBK, BOMs, UTF-16, title rows, XLSX, JSON, ZIP."""

from __future__ import annotations

import json
import zipfile
from datetime import datetime
from pathlib import Path

import pytest
import xlsxwriter

from tests.helpers import cli, query

CALLS = "主叫,被叫号码,开始时间,通话时长,接通状态,意向等级,客户说话次数\n"
ROWS = [
    "02112345678,13812345678,2025/7/20 9:01,1分20秒,已接通,A,5",
    "02112345678,13912345678,2025年7月20日 9时03分,00:00:05,未接通,D,0",
    "02112345678,+86 137-1234-5678,45858.5,80,已接通,B,3",
]


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def test_utf8_csv_normalises_and_keeps_provenance(case_dir: Path, tmp_path: Path) -> None:
    f = write(tmp_path / "calls.csv", CALLS + "\n".join(ROWS) + "\n")
    assert cli("ingest", case_dir, f, "--holder", "甲公司", "--site", "一区") == 0
    rows = query(
        case_dir,
        "SELECT callee, started_at, duration_s, answered, intent_grade, consumer_turns, row_no, sheet, holder, site "
        "FROM calls ORDER BY row_no",
    )
    assert rows[0] == ("+8613812345678", datetime(2025, 7, 20, 9, 1), 80.0, True, "A", 5, 2, None, "甲公司", "一区")
    assert rows[1][1:4] == (datetime(2025, 7, 20, 9, 3), 5.0, False)
    assert rows[2][0] == "+8613712345678"
    assert rows[2][1] == datetime(2025, 7, 20, 12, 0)  # Excel serial 45858.5
    sha = query(case_dir, "SELECT sha256, stored_path, rows FROM evidence")[0]
    assert query(case_dir, "SELECT DISTINCT evidence_sha256 FROM calls") == [(sha[0],)]
    stored = case_dir / str(sha[1])
    assert stored.read_bytes() == f.read_bytes()
    assert not (stored.stat().st_mode & 0o222), "evidence must be read-only"
    prefixes = dict((p, c) for p, c in query(case_dir, "SELECT prefix, carrier FROM phone_prefixes"))
    assert prefixes["1381234"] == "中国移动"


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8-sig", "utf-16"])
def test_encodings_detected(case_dir: Path, tmp_path: Path, encoding: str) -> None:
    f = write(tmp_path / f"calls-{encoding}.csv", CALLS + "\n".join(ROWS) + "\n", encoding)
    assert cli("ingest", case_dir, f, "--holder", "甲公司") == 0
    assert query(case_dir, "SELECT count(*), min(intent_grade) FROM calls") == [(3, "A")]
    assert query(case_dir, "SELECT encoding FROM evidence")[0][0] in ("gb18030", "utf-8", "utf-16")


def test_title_rows_above_header_in_csv(case_dir: Path, tmp_path: Path) -> None:
    text = "某某科技外呼记录导出\n导出时间：2025-07-21,,,,,,\n" + CALLS + "\n".join(ROWS) + "\n"
    f = write(tmp_path / "titled.csv", text, "gbk")
    assert cli("ingest", case_dir, f, "--holder", "甲公司") == 0
    assert query(case_dir, "SELECT min(row_no), max(row_no) FROM calls") == [(4, 6)]


def test_tsv_and_semicolon(case_dir: Path, tmp_path: Path) -> None:
    tsv = write(tmp_path / "sms.tsv", "发送账号\t签名\t手机号码\t发送时间\t短信内容\na1\t【某金融】\t13812345678\t2025-07-20 10:00\t您好，低息贷款\n")
    semi = write(tmp_path / "sms2.txt", "发送账号;签名;手机号码;发送时间;短信内容\na2;【某金融】;13812345679;2025-07-20 10:00;退订回T\n")
    assert cli("ingest", case_dir, tsv, semi, "--holder", "乙公司") == 0
    assert query(case_dir, "SELECT account, recipient FROM sms ORDER BY account") == [
        ("a1", "+8613812345678"),
        ("a2", "+8613812345679"),
    ]


def test_unknown_columns_kept_as_json(case_dir: Path, tmp_path: Path) -> None:
    f = write(tmp_path / "cust.csv", "姓名,手机号,注册资本,成立日期\n张三,13812345678,100万,2010-01-01\n")
    assert cli("ingest", case_dir, f, "--holder", "甲公司") == 0
    extra = query(case_dir, "SELECT extra FROM customers")[0][0]
    assert json.loads(str(extra)) == {"注册资本": "100万", "成立日期": "2010-01-01"}


def test_unparsable_values_kept_raw_and_counted(case_dir: Path, tmp_path: Path) -> None:
    f = write(tmp_path / "bad.csv", CALLS + "02112345678,138****5678,不详,很久,已接通,A,x\n" + ROWS[0] + "\n")
    assert cli("ingest", case_dir, f, "--holder", "甲公司") == 0
    row = query(case_dir, "SELECT callee, raw->>'callee', started_at, raw->>'started_at' FROM calls WHERE row_no = 2")[0]
    assert row == (None, "138****5678", None, "不详")
    notes = dict(query(case_dir, "SELECT field, count FROM ingest_notes"))
    assert notes == {"callee": 1, "started_at": 1, "duration_s": 1, "consumer_turns": 1}


def test_map_option_and_explicit_kind(case_dir: Path, tmp_path: Path) -> None:
    f = write(tmp_path / "odd.csv", "客户号码X,拨打于\n13812345678,2025-07-20 09:00\n")
    assert cli("ingest", case_dir, f, "--holder", "甲", "--kind", "calls", "--map", "客户号码X=callee", "--map", "拨打于=started_at") == 0
    assert query(case_dir, "SELECT callee, started_at FROM calls") == [("+8613812345678", datetime(2025, 7, 20, 9))]


def _xlsx(path: Path) -> Path:
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("通话记录")
    ws.merge_range(0, 0, 0, 4, "某某公司AI外呼记录（演示）")
    ws.write_row(1, 0, ["导出人：系统", "", "", "", ""])
    ws.write_row(2, 0, ["外显号码", "被叫号码", "开始时间", "通话时长", "意向等级"])
    ws.write_row(3, 0, ["02112345678", 13812345678, 45858.375, 80, "A"])
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    ws.write_string(4, 0, "02112345678")
    ws.write_number(4, 1, 13912345678)
    ws.write_datetime(4, 2, datetime(2025, 7, 20, 10, 30), date_fmt)
    ws.write_string(4, 3, "1分")
    ws.write_string(4, 4, "B")
    ws2 = wb.add_worksheet("客户")
    ws2.write_row(0, 0, ["姓名", "手机号", "负债"])
    ws2.write_row(1, 0, ["李四", "13712345678", "网贷3笔"])
    wb.add_worksheet("空表")
    wb.close()
    return path


def test_xlsx_every_sheet_header_on_row_3(case_dir: Path, tmp_path: Path) -> None:
    f = _xlsx(tmp_path / "seized.xlsx")
    assert cli("ingest", case_dir, f, "--holder", "甲公司") == 0
    calls = query(case_dir, "SELECT sheet, row_no, caller, callee, started_at, duration_s FROM calls ORDER BY row_no")
    assert calls == [
        ("通话记录", 4, "+862112345678", "+8613812345678", datetime(2025, 7, 20, 9, 0), 80.0),
        ("通话记录", 5, "+862112345678", "+8613912345678", datetime(2025, 7, 20, 10, 30), 60.0),
    ]
    assert query(case_dir, "SELECT sheet, row_no, name FROM customers") == [("客户", 2, "李四")]
    sheets = json.loads(str(query(case_dir, "SELECT sheets FROM evidence")[0][0]))
    assert [(s["sheet"], s["header_row"]) for s in sheets] == [("通话记录", 3), ("客户", 1)]


def test_xlsx_sheet_option(case_dir: Path, tmp_path: Path) -> None:
    f = _xlsx(tmp_path / "seized.xlsx")
    assert cli("ingest", case_dir, f, "--holder", "甲公司", "--sheet", "客户") == 0
    assert query(case_dir, "SELECT count(*) FROM calls") == [(0,)]
    assert query(case_dir, "SELECT count(*) FROM customers") == [(1,)]


def test_json_and_jsonl(case_dir: Path, tmp_path: Path) -> None:
    j = tmp_path / "chats.json"
    j.write_text(json.dumps({"data": [{"会话": "王经理", "发送人": "甲", "时间": "2025-07-20 10:00", "内容": "好处费已转"}]}, ensure_ascii=False), encoding="utf-8")
    jl = tmp_path / "pay.jsonl"
    jl.write_text(
        json.dumps({"付款方": "甲公司", "收款方": "某银行员工", "金额": "¥5,000", "时间": "2025-07-01", "备注": "返点"}, ensure_ascii=False)
        + "\n\n"
        + json.dumps({"付款方": "甲公司", "收款方": "科技公司", "金额": "1.2万", "时间": "2025-07-02", "备注": "系统费"}, ensure_ascii=False)
        + "\n",
        encoding="utf-8",
    )
    assert cli("ingest", case_dir, j, jl, "--holder", "甲公司") == 0
    assert query(case_dir, "SELECT chat, text, row_no FROM chats") == [("王经理", "好处费已转", 1)]
    assert query(case_dir, "SELECT amount, row_no FROM payments ORDER BY row_no") == [(5000.0, 1), (12000.0, 3)]


def test_zip_members_are_evidence_of_their_own(case_dir: Path, tmp_path: Path) -> None:
    z = tmp_path / "seized.zip"
    with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("导出/calls.csv", (CALLS + "\n".join(ROWS) + "\n").encode("gbk"))
        zf.writestr("导出/录音.mp3", b"ID3fake")
        inner = tmp_path / "inner.zip"
        with zipfile.ZipFile(inner, "w") as izf:
            izf.writestr("cust.csv", "姓名,手机号\n张三,13812345678\n")
        zf.write(inner, "inner.zip")
    assert cli("ingest", case_dir, z, "--holder", "甲公司") == 0
    ev = query(case_dir, "SELECT file_name, kind, parent_sha256 IS NOT NULL, member_path FROM evidence ORDER BY file_name")
    names = {r[0]: r for r in ev}
    assert set(names) == {"seized.zip", "calls.csv", "录音.mp3", "inner.zip", "cust.csv"}
    assert names["calls.csv"][1:] == ("calls", True, "导出/calls.csv")
    assert names["录音.mp3"][1] is None
    assert query(case_dir, "SELECT count(*) FROM calls") == [(3,)]
    assert query(case_dir, "SELECT count(*) FROM customers") == [(1,)]
    assert not any((case_dir / ".tmp").glob("*/*")), "unpacked members must be cleaned up"


def test_same_file_again_changes_nothing(case_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from tests.helpers import snapshot

    f = write(tmp_path / "calls.csv", CALLS + "\n".join(ROWS) + "\n")
    assert cli("ingest", case_dir, f, "--holder", "甲公司") == 0
    before = snapshot(case_dir)
    capsys.readouterr()
    assert cli("ingest", case_dir, f, "--holder", "甲公司") == 0
    assert "已导入过" in capsys.readouterr().out
    assert snapshot(case_dir) == before


def test_english_messages(case_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = write(tmp_path / "calls.csv", CALLS + ROWS[0] + "\n")
    assert cli("--lang", "en", "ingest", case_dir, f, "--holder", "A") == 0
    assert "1 rows as calls, header on row 1" in capsys.readouterr().out


def test_raw_kept_only_where_normalisation_failed(case_dir: Path, tmp_path: Path) -> None:
    f = write(tmp_path / "bad.csv", CALLS + "02112345678,138****5678,不详,很久,已接通,A,x\n" + ROWS[0] + "\n")
    assert cli("ingest", case_dir, f, "--holder", "甲公司") == 0
    raw = query(case_dir, "SELECT raw FROM calls ORDER BY row_no")
    assert [None if r[0] is None else json.loads(str(r[0])) for r in raw] == [
        {"callee": "138****5678", "started_at": "不详", "duration_s": "很久", "consumer_turns": "x"},
        None,  # every value normalised: nothing kept beside the evidence file
    ]


def test_rows_of_spaces_are_skipped_and_row_numbers_kept(case_dir: Path, tmp_path: Path) -> None:
    text = (
        "主叫,被叫号码,开始时间,通话时长\n"
        "02112345678,13812345678,2025-07-20 09:00,30\n"
        "  ,   , ,\n"
        ",13912345678,,\n"
        " ,13712345678,,\n"
        "\u3000,13612345678,,\n"
    )
    f = write(tmp_path / "spaces.csv", text)
    assert cli("ingest", case_dir, f, "--holder", "甲公司") == 0
    assert query(case_dir, "SELECT row_no, callee FROM calls ORDER BY row_no") == [
        (2, "+8613812345678"),
        (4, "+8613912345678"),
        (5, "+8613712345678"),
        (6, "+8613612345678"),
    ]


def test_quoted_values_with_line_breaks_and_files_without_quotes(case_dir: Path, tmp_path: Path) -> None:
    from qinglian.ingest.readers.delimited import has_quote_byte

    head = "主叫,被叫号码,开始时间,通话时长,通话内容\n"
    quoted = write(
        tmp_path / "quoted.csv",
        head + '02112345678,13812345678,2025-07-20 09:00,30,"您好，\n我是银行的"\n'
        "02112345678,13912345678,2025-07-20 09:05,10,不需要\n",
    )
    plain = write(tmp_path / "plain.csv", head + "02112345678,13712345678,2025-07-20 10:00,20,好的\n")
    quoted_head = '"主叫","被叫号码","开始时间","通话时长","通话内容"\n'  # what many exports write
    head_only = write(tmp_path / "head.csv", quoted_head + "02112345678,13612345678,2025-07-20 11:00,20,嗯\n")
    # a title over two lines (a quoted line break) above the header: the header is not data
    title = write(tmp_path / "title.csv", '"通话记录\n导出"\n' + head + "02112345678,13512345678,2025-07-20 12:00,9,喂\n")
    assert has_quote_byte(quoted) and not has_quote_byte(plain)
    assert has_quote_byte(head_only) and not has_quote_byte(head_only, 1) and not has_quote_byte(title, 3)
    for f in (quoted, plain, head_only, title):
        assert cli("ingest", case_dir, f, "--holder", "甲公司") == 0
    rows = query(case_dir, "SELECT callee, transcript, row_no FROM calls ORDER BY callee")
    assert rows == [
        ("+8613512345678", "喂", 3),
        ("+8613612345678", "嗯", 2),
        ("+8613712345678", "好的", 2),
        ("+8613812345678", "您好，\n我是银行的", 2),
        ("+8613912345678", "不需要", 3),  # the record after the one that spans two lines
    ]


def test_empty_cells_are_null_and_stay_empty_in_extra(case_dir: Path, tmp_path: Path) -> None:
    """Empty and quoted-empty cells are missing values (NULL, nothing kept in raw); in the
    unknown columns kept in extra they stay "" as the file has them."""
    text = '主叫,被叫号码,开始时间,通话时长,备注\n02112345678,13812345678,,"",\n,13912345678,2025-07-20 09:00,5,有\n'
    f = write(tmp_path / "empty.csv", text)
    assert cli("ingest", case_dir, f, "--holder", "甲公司") == 0
    rows = query(case_dir, "SELECT caller, started_at, duration_s, raw, extra FROM calls ORDER BY row_no")
    assert [r[:4] for r in rows] == [
        ("+862112345678", None, None, None),
        (None, datetime(2025, 7, 20, 9), 5.0, None),
    ]
    assert [json.loads(str(r[4])) for r in rows] == [{"备注": ""}, {"备注": "有"}]
    assert query(case_dir, "SELECT count(*) FROM ingest_notes") == [(0,)]
