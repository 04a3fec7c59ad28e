"""All holders at once: each charge equals its own stored queries, edge cases of consent included,
and the stage reports its progress."""

from __future__ import annotations

from datetime import timedelta

from qinglian.charges import build_charges
from qinglian.charges.detect import BUILDERS
from qinglian.store.case import Case
from tests.helpers import insert

from .conftest import LAWFUL, LENDER, T0, assert_as_stored, charged, customers, finding, phone, sms

OTHER = "演示市西岭区恒通融资咨询有限公司"
OFFER = "【鑫达金服】低息贷款，秒批，不看征信"
HITS: list[tuple[str, str | None, str]] = [
    ("loan", "loan.offer", "贷款"), ("false_promise", "false_promise.fast", "秒批"),
    ("false_promise", "false_promise.no_credit_check", "不看征信"),
]


def _three_holders(case: Case) -> None:
    with case.connect() as con:
        # LENDER: a consent register and a purchased list; OTHER holds the same purchased file
        customers(con, LENDER, "a" * 64, range(0, 40), "官网授权申请", {"授权时间": "2025-06-01"})
        customers(con, LENDER, "b" * 64, range(100, 160), "渠道购买")
        customers(con, OTHER, "b" * 64, range(100, 160), "渠道购买")
        sms(con, LENDER, "c" * 64, [*range(0, 20), *range(100, 130)], OFFER, HITS)
        sms(con, OTHER, "d" * 64, list(range(100, 150)), OFFER, HITS)
        sms(con, LAWFUL, "e" * 64, list(range(300, 330)), OFFER, HITS[:1])
        # a number that did not normalise: out of a consent register's reach, never a consumer counted
        insert(con, "sms", [
            {"holder": h, "evidence_sha256": sha, "row_no": 900, "account": "yx1", "signature": "【鑫达金服】",
             "recipient": None, "sent_at": T0, "content": OFFER, "status": "发送成功"}
            for h, sha in ((LENDER, "c" * 64), (OTHER, "d" * 64), (LAWFUL, "e" * 64))
        ])
        for h, sha in ((LENDER, "c" * 64), (OTHER, "d" * 64), (LAWFUL, "e" * 64)):
            finding(con, h, "sms", sha, 900, "loan", "loan.offer", "贷款")
        insert(con, "calls", [
            {"holder": h, "evidence_sha256": sha, "row_no": 2 + k, "account": "ai1", "caller": "+8613800000009",
             "callee": None if k == 0 else phone(100 + k), "started_at": T0 + timedelta(minutes=k),
             "answered": True, "intent_grade": "ABCD"[k % 4], "transcript": "机器人：您好，低息贷款秒批"}
            for h, sha in ((LENDER, "f" * 64), (OTHER, "g" * 64)) for k in range(30)
        ])
        build_charges(case, con)


def test_each_holder_gets_exactly_its_own_supporting_set(case: Case) -> None:
    _three_holders(case)
    with case.connect(read_only=True) as con:
        assert assert_as_stored(con) >= 6
        got = charged(con)
        assert {(LENDER, "unsolicited"), (OTHER, "unsolicited"), (LENDER, "false_promise"), (OTHER, "pi_unlawful"),
                (LENDER, "profiling")} <= got
        assert not [c for c in got if c[0] == LAWFUL]
        sent = dict(con.execute("SELECT holder, evidence_rows FROM charges WHERE conduct = 'unsolicited'").fetchall())
        # LENDER: 30 to the purchased list, none to its consented numbers, none to the unknown number
        assert sent[LENDER] == 30
        # OTHER keeps no consent register: the unknown number is not shown to have consented either
        assert sent[OTHER] == 51


def test_progress_is_reported_per_conduct_and_ends_at_the_total(case: Case) -> None:
    _three_holders(case)
    seen: list[tuple[str, int, int]] = []
    with case.connect() as con:
        build_charges(case, con, progress=lambda step, done, total: seen.append((step, done, total)))
    total = seen[0][2]
    assert [s[1] for s in seen] == list(range(total + 1))
    assert [s[0] for s in seen[: len(BUILDERS)]] == [b.__name__ for b in BUILDERS]
    assert seen[-1] == ("done", total, total)
