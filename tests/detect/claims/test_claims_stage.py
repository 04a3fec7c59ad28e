"""The claims stage on a small case: the table, its provenance, the measured peak beside a claim."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from qinglian.detect.claims import stage
from qinglian.detect.claims.stage import analyze_claims
from qinglian.store.case import Case, open_case
from tests.helpers import insert

DAY = datetime(2024, 3, 1, 9, 0)
SHA = "a" * 64


def _case(case_dir: Path) -> Case:
    case = open_case(case_dir)
    sms = [{"holder": "甲公司", "evidence_sha256": SHA, "sheet": "短信", "row_no": i + 1,
            "recipient": f"+86138000{i:05d}", "sent_at": DAY + timedelta(days=0 if i < 7 else 1, minutes=i),
            "content": "【某某金融】可贷20万元，回T退订"} for i in range(10)]
    calls = [{"holder": "乙公司", "evidence_sha256": SHA, "sheet": "通话", "row_no": i + 1, "caller": "+8617000000001",
              "callee": f"+86139000{i:05d}", "started_at": DAY + timedelta(days=i % 2, minutes=i)} for i in range(5)]
    chats = [
        {"holder": "甲公司", "evidence_sha256": SHA, "sheet": "聊天", "row_no": 1, "sender": "张经理",
         "sent_at": DAY, "text": "一天群发22万条，收费10%，联系13812345678"},
        {"holder": "甲公司", "evidence_sha256": SHA, "sheet": "聊天", "row_no": 2, "sender": "张经理",
         "sent_at": DAY, "text": "10%的客户能下款，利率3.6%"},
        {"holder": "乙公司", "evidence_sha256": SHA, "sheet": "聊天", "row_no": 1, "sender": "李总",
         "sent_at": DAY, "text": "每天外呼5万通"},
        {"holder": "丙公司", "evidence_sha256": SHA, "sheet": "聊天", "row_no": 1, "sender": "王",
         "sent_at": DAY, "text": "一天群发1万条"},
    ]
    payments = [{"holder": "乙公司", "evidence_sha256": SHA, "sheet": "流水", "row_no": 1, "payer": "乙公司",
                 "payee": "某数据", "amount": 800.0, "paid_at": DAY, "memo": "一万条数据800元"}]
    complaints = [{"holder": "乙公司", "evidence_sha256": SHA, "sheet": "投诉", "row_no": 1,
                   "text": "他们说每天外呼5万通"}]
    with case.connect() as con:
        insert(con, "sms", sms)
        insert(con, "calls", calls)
        insert(con, "chats", chats)
        insert(con, "payments", payments)
        insert(con, "complaints", complaints)
    return case


def _claims(case: Case) -> list[dict[str, Any]]:
    with case.connect(read_only=True) as con:
        cur = con.execute("SELECT * FROM claims ORDER BY holder, kind, row_no, span_start")
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def test_claims_are_stored_with_their_party_provenance_and_the_measured_peak(case_dir: Path) -> None:
    case = _case(case_dir)
    with case.connect() as con:
        result = analyze_claims(case, con)
    rows = _claims(case)
    got = [(r["holder"], r["kind"], r["claim"], r["value"], r["unit"], r["period"]) for r in rows]
    assert got == [
        ("丙公司", "chats", "volume", 10_000, "messages", "day"),
        ("乙公司", "chats", "volume", 50_000, "calls", "day"),
        ("乙公司", "payments", "price", 0.08, "CNY_per_record", None),
        ("甲公司", "chats", "volume", 220_000, "messages", "day"),
        ("甲公司", "chats", "fee_rate", 10, "percent", None),
    ]
    assert result.claims == 5 and result.by_claim == {"volume": 3, "price": 1, "fee_rate": 1}
    jia = rows[3]
    assert (jia["field"], jia["evidence_sha256"], jia["sheet"], jia["row_no"]) == ("text", SHA, "聊天", 1)
    assert (jia["span_start"], jia["span_end"], jia["quote"]) == (0, 8, "一天群发22万条")
    # 甲 sent 7 SMS on its peak day; 乙 made 3 calls on its peak day; 丙 has no logs: unknown
    assert (jia["measured_peak_day"], str(jia["measured_peak_date"])) == (7, "2024-03-01")
    assert rows[1]["measured_peak_day"] == 3
    assert rows[0]["measured_peak_day"] is None
    assert rows[4]["measured_peak_day"] is None  # a fee has no measured volume
    assert '"records": 10000' in rows[2]["detail"]


def test_quotes_are_masked_and_a_rerun_replaces(case_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    case = _case(case_dir)
    masked: list[str] = []

    def mask(text: str) -> str:
        masked.append(text)
        return "MASKED"

    monkeypatch.setattr(stage, "mask_text", mask)
    with case.connect() as con:
        analyze_claims(case, con)
        analyze_claims(case, con)
    rows = _claims(case)
    assert len(rows) == 5
    assert {r["quote"] for r in rows} == {"MASKED"}
    assert "一天群发22万条" in masked
