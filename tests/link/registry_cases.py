"""Small cases of one agency for the registry tests: each holder calls from one number, pays one
vendor into one bank account and lists one consumer that every case shares."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from qinglian.store.case import init_case, open_case
from tests.helpers import create_declared, insert
from tests.link.conftest import evidence, rows

CALLER = "+8617012345678"
CONSUMER = "+8613900001111"
BANK = "6222021234567890123"
PAYEE = "某某智能科技有限公司"
SIGNATURE = "【某某金融】"
HOLDER_1 = "上海某某信息咨询有限公司"
HOLDER_2 = "杭州某某金融服务有限公司"
HOLDER_3 = "南京某某商务咨询有限公司"


def make_case(root: Path, name: str, holder: str, own: str, *, caller: str = CALLER, bank: str = BANK) -> Path:
    """A case whose holder calls from ``caller``, pays PAYEE into ``bank`` and lists CONSUMER and ``own``."""
    init_case(root, name, "测试局", user="tester")
    tag = root.name
    with open_case(root).connect() as con:
        create_declared(con)
        calls = evidence(con, tag + "-calls", holder, "calls")
        insert(con, "calls", rows(calls, holder, [
            {"account": "acc-9" + tag, "caller": caller, "callee": CONSUMER, "started_at": datetime(2025, 7, 1, 9)},
            {"account": "acc-9" + tag, "caller": caller, "callee": own, "started_at": datetime(2025, 7, 3, 9)},
        ]))
        cust = evidence(con, tag + "-list", holder, "customers")
        insert(con, "customers", rows(cust, holder, [{"name": "客户", "phone": CONSUMER}, {"name": "客户", "phone": own}]))
        sms = evidence(con, tag + "-sms", holder, "sms")
        insert(con, "sms", rows(sms, holder, [{"account": "sms-77", "signature": SIGNATURE, "recipient": own,
                                               "sent_at": datetime(2025, 7, 2, 9), "content": "低息贷款"}]))
        pay = evidence(con, tag + "-pay", holder, "payments")
        spaced = " ".join(bank[i:i + 4] for i in range(0, len(bank), 4))
        insert(con, "payments", rows(pay, holder, [
            {"payer": holder, "payee": PAYEE, "amount": 5000.0, "memo": "外呼线路费",
             "paid_at": datetime(2025, 6, 30, 10), "extra": json.dumps({"收款账号": spaced}, ensure_ascii=False)},
            {"payer": holder, "payee": "王某", "amount": 800.0, "memo": "好处费", "paid_at": datetime(2025, 7, 5, 10)},
        ]))
    return root
