from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import duckdb

from qinglian.detect.campaigns import analyze_campaigns, run_campaigns
from qinglian.store.case import open_case
from tests.helpers import insert

SHA_A = "a" * 64
SHA_B = "b" * 64
LIMIT = "【{sig}】尊敬的{name}，您在我行的{amount}元备用金已审批通过，点击 http://t.cn/{code} 领取，退订回T"
SHOP = "新店开业，全场8折起，凭短信到店再送精美礼品一份，电话0211234567{d}"

# (account, signature, day, hour, text); limit campaign: 3 sends on 07-20, 2 on 07-21
SENDS = [
    ("acct1", "安心金融", 20, 9, LIMIT.format(sig="安心金融", name="张伟", amount=5000, code="a1")),
    ("acct1", "安心金融", 20, 10, LIMIT.format(sig="安心金融", name="李娜", amount=20000, code="b2")),
    ("acct2", "融易借", 20, 11, LIMIT.format(sig="融易借", name="王芳", amount=3000, code="c3")),
    ("acct2", "融易借", 21, 9, LIMIT.format(sig="融易借", name="赵磊", amount=8000, code="d4")),
    ("acct3", None, 21, 15, LIMIT.format(sig="融易借", name="孙丽", amount=9000, code="e5")),
    ("acct9", "好店", 22, 9, SHOP.format(d=1)),
    ("acct9", "好店", 23, 9, SHOP.format(d=2)),
    ("acct9", "好店", 23, 10, "今天的会议改到下午三点"),
]
# consumers' replies in the platform log: never a campaign, however many
REPLIES = [("acct1", None, 21, 9, "退订"), ("acct2", None, 21, 10, "退订")]


def _load(con: duckdb.DuckDBPyConnection) -> None:
    sends = []
    for i, (account, sig, day, hour, text) in enumerate(SENDS):
        sha, holder = (SHA_A, "甲公司") if i < 4 else (SHA_B, "乙公司")
        sends.append({
            "holder": holder, "evidence_sha256": sha, "sheet": "Sheet1", "row_no": i + 2, "account": account,
            "signature": sig, "recipient": f"+861380000{i:04d}", "sent_at": datetime(2025, 7, day, hour),
            "content": text,
        })
    for i, (account, sig, day, hour, text) in enumerate(REPLIES):
        sends.append({
            "holder": "甲公司", "evidence_sha256": SHA_A, "sheet": "Sheet1", "row_no": 100 + i, "account": account,
            "signature": sig, "sent_at": datetime(2025, 7, day, hour), "content": text, "status": "上行回复",
        })
    insert(con, "sms", sends)
    insert(con, "calls", [
        {"holder": "甲公司", "evidence_sha256": SHA_A, "sheet": "calls", "row_no": row_no, "account": seat,
         "started_at": at, "script": "银行提额话术V3"}
        for row_no, seat, at in [(2, "seat1", datetime(2025, 7, 20, 9)), (3, "seat2", datetime(2025, 7, 20, 9, 5))]
    ])


def _snapshot(con: duckdb.DuckDBPyConnection) -> tuple[list[tuple[object, ...]], ...]:
    return (
        con.execute(
            "SELECT * EXCLUDE (accounts, signatures, holders), accounts::VARCHAR, "
            "signatures::VARCHAR, holders::VARCHAR FROM campaigns ORDER BY 1"
        ).fetchall(),
        con.execute("SELECT * FROM campaign_members ORDER BY ALL").fetchall(),
        con.execute("SELECT * FROM campaign_daily ORDER BY ALL").fetchall(),
    )


def test_campaigns_daily_counts_and_peak_day(case_dir: Path) -> None:
    case = open_case(case_dir)
    with case.connect() as con:
        _load(con)
        summary = analyze_campaigns(case, con)
        rows = con.execute(
            "SELECT campaign_id, kind, template, messages, accounts, signatures, holders, peak_day, "
            "peak_count, first_seen, last_seen FROM campaigns ORDER BY campaign_id"
        ).fetchall()
        daily = con.execute(
            "SELECT day::VARCHAR, sends FROM campaign_daily WHERE campaign_id = 'SMS-0001' ORDER BY day"
        ).fetchall()
        members = con.execute(
            "SELECT evidence_sha256, row_no FROM campaign_members WHERE campaign_id = 'SMS-0001' ORDER BY ALL"
        ).fetchall()
    assert summary.campaigns == {"sms": 2, "call": 1}
    assert summary.messages == {"sms": 8, "call": 2}
    by_id = {r[0]: r for r in rows}
    assert sorted(by_id) == ["CALL-0001", "SMS-0001", "SMS-0002"]  # the lone chat line is no campaign
    limit = by_id["SMS-0001"]
    assert limit[1] == "sms"
    assert limit[2] == "{签名}尊敬的{姓名}，您在我行的{金额}备用金已审批通过，点击 {链接} 领取，退订回T"
    assert limit[3] == 5
    assert json.loads(limit[4]) == ["acct1", "acct2", "acct3"]
    assert json.loads(limit[5]) == ["安心金融", "融易借"]
    assert json.loads(limit[6]) == ["乙公司", "甲公司"]
    assert str(limit[7]) == "2025-07-20" and limit[8] == 3
    assert limit[9] == datetime(2025, 7, 20, 9) and limit[10] == datetime(2025, 7, 21, 15)
    assert daily == [("2025-07-20", 3), ("2025-07-21", 2)]
    assert members == [(SHA_A, 2), (SHA_A, 3), (SHA_A, 4), (SHA_A, 5), (SHA_B, 6)]
    shop = by_id["SMS-0002"]
    # one send on the 22nd and one on the 23rd: a tie goes to the earlier day
    assert shop[3] == 2 and str(shop[7]) == "2025-07-22" and shop[8] == 1
    call = by_id["CALL-0001"]
    assert call[1] == "call" and call[2] == "银行提额话术V3" and call[3] == 2
    assert json.loads(call[4]) == ["seat1", "seat2"] and json.loads(call[5]) == []


def test_running_twice_leaves_the_same_rows(case_dir: Path) -> None:
    case = open_case(case_dir)
    with case.connect() as con:
        _load(con)
        analyze_campaigns(case, con)
        first = _snapshot(con)
        analyze_campaigns(case, con)
        second = _snapshot(con)
        runs = con.execute(
            "SELECT analysis, params FROM analysis_runs WHERE analysis = 'campaigns'"
        ).fetchall()
    assert first == second
    assert len(first[1]) == 9  # 5 + 2 SMS + 2 calls
    assert len(runs) == 1 and json.loads(runs[0][1])["min_messages"] == 2


def test_run_on_its_own_writes_the_custody_log(case_dir: Path) -> None:
    case = open_case(case_dir)
    with case.connect() as con:
        _load(con)
    result = run_campaigns(case, user="analyst")
    log = [json.loads(line) for line in case.custody_path.read_text(encoding="utf-8").splitlines()]
    entry = log[-1]
    assert entry["action"] == "analyze.campaigns" and entry["user"] == "analyst"
    assert entry["details"]["campaigns"] == {"sms": 2, "call": 1}
    assert "短信 2 个" in result.lines()[0] or "2 SMS campaigns" in result.lines()[0]


def test_empty_case_stores_nothing(case_dir: Path) -> None:
    case = open_case(case_dir)
    with case.connect() as con:
        summary = analyze_campaigns(case, con)
        n = con.execute("SELECT count(*) FROM campaigns").fetchone()
    assert summary.campaigns == {"sms": 0, "call": 0}
    assert n == (0,)


def test_analyze_runs_campaigns(case_dir: Path) -> None:
    from qinglian.pipeline import analyze as analyze_case

    case = open_case(case_dir)
    with case.connect() as con:
        _load(con)
    result = analyze_case(case, user="analyst")
    assert "campaigns" in result.ran
    assert result.ran["campaigns"].summary()["campaigns"] == {"sms": 2, "call": 1}
    with case.connect(read_only=True) as con:
        assert con.execute("SELECT count(*) FROM campaigns").fetchone() == (3,)
