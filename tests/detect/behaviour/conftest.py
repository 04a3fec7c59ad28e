from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from qinglian.store.case import Case, open_case
from tests.helpers import insert

SHA_LIST = "a" * 64
SHA_CALLS = "b" * 64
SHA_SMS = "c" * 64
T0 = datetime(2025, 7, 20, 9, 0, 0)


def provenance(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows with the provenance defaults filled in (a row's own values win)."""
    base = {"holder": "甲公司", "site": None, "evidence_sha256": SHA_CALLS, "sheet": "Sheet1"}
    return [{**base, "row_no": i, **row} for i, row in enumerate(rows, start=2)]


def robot_calls(n_list: int = 30) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """A dialer account AI01 calling a 30-row list in list order from +8617000000001, 20 s apart."""
    customers = [
        {
            "evidence_sha256": SHA_LIST,
            "sheet": "名单",
            "row_no": i + 2,
            "phone": f"+86139000{i:05d}",
            "name": "某",
        }
        for i in range(n_list)
    ]
    calls: list[dict[str, Any]] = []
    for i in range(n_list):
        calls.append(
            {
                "account": "AI01",
                "caller": "+8617000000001",
                "callee": f"+86139000{i:05d}",
                "started_at": T0 + timedelta(seconds=20 * i),
                "duration_s": 5.0 if i % 3 else 0.0,
                "answered": i % 3 != 0,
                "intent_grade": "A" if i % 5 == 0 else "C",
                "consumer_turns": 3 if i % 5 == 0 else 0,
                "handset": f"port{i % 4}",
            }
        )
    return customers, calls


@pytest.fixture()
def behaviour_case(case_dir: Path) -> Case:
    """A case with one list-order robot, one person, bad rows, a complaint and SMS logs."""
    case = open_case(case_dir)
    customers, calls = robot_calls()
    person: list[dict[str, Any]] = [
        {
            "account": None,
            "caller": "+8613800000002",
            "callee": "+8613800000009",
            "started_at": T0 + timedelta(hours=h),
            "duration_s": 180.0,
            "answered": True,
        }
        for h in (0, 1, 5)
    ]
    bad: list[dict[str, Any]] = [
        # exact duplicate of the robot's first call (exported twice)
        dict(calls[0]),
        # negative duration, missing callee, end before start
        {
            "account": "AI01",
            "caller": "+8617000000001",
            "callee": None,
            "started_at": T0 + timedelta(hours=2),
            "duration_s": -5.0,
        },
        {
            "account": "AI01",
            "caller": "+8617000000001",
            "callee": "+8613999999999",
            "started_at": T0 + timedelta(hours=3),
            "ended_at": T0 + timedelta(hours=2),
            "duration_s": None,
        },
        {
            "account": "AI01",
            "caller": "+8617000000001",
            "callee": "+8613999999998",
            "started_at": None,
            "duration_s": 3.0,
        },
        # a call to a consumer who complained the day before (after the complaint)
        {
            "account": "AI01",
            "caller": "+8617000000001",
            "callee": "+8613900000003",
            "started_at": T0 + timedelta(days=1),
            "duration_s": 0.0,
            "answered": False,
        },
    ]
    sms: list[dict[str, Any]] = [
        {
            "evidence_sha256": SHA_SMS,
            "account": "SMS9",
            "signature": "【某某金融】",
            "recipient": f"+86139000{i:05d}",
            "sent_at": T0 + timedelta(minutes=i),
            "content": "低息贷款，秒批到账",
            "status": "成功",
        }
        for i in range(10)
    ]
    sms.append(
        {
            "evidence_sha256": SHA_SMS,
            "account": "SMS9",
            "signature": "【某某金融】",
            "recipient": "+8613900000001",
            "sent_at": T0 + timedelta(hours=1),
            "content": "TD",
        }
    )
    sms.append(
        {
            "evidence_sha256": SHA_SMS,
            "account": "SMS9",
            "signature": "【某某金融】",
            "recipient": "+8613900000001",
            "sent_at": T0 + timedelta(days=1),
            "content": "额度已批，回T退订",
            "status": "成功",
        }
    )
    with case.connect() as con:
        insert(con, "customers", provenance(customers))
        insert(con, "calls", provenance(calls + person + bad))
        insert(con, "sms", provenance(sms))
        insert(
            con,
            "complaints",
            provenance([
                {
                    "complainant": "+8613900000003",
                    "received_at": T0 + timedelta(hours=12),
                    "caller": "+8617000000001",
                    "text": "骚扰",
                }
            ]),
        )
    return case
