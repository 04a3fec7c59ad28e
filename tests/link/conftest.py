"""A small hand-made case: a vendor's account table and call log, complaints, three seized
intermediaries with customer lists, chats and text findings. Rows go in through
``tests.helpers.insert``, in the shapes ingest and the detect stages write; the detect stages'
other tables exist, empty."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest

from qinglian.store.case import open_case
from tests.helpers import create_declared, insert

VENDOR = "云呼科技有限公司"
HUAXIN = "华信科技有限责任公司"
HONGDA = "宏达信息咨询有限公司"
XINYUAN = "鑫源金融服务有限公司"
HOTLINE = "12315投诉平台"


def phone(n: int) -> str:
    return f"+86138{n:08d}"


def sha(tag: str) -> str:
    return (tag.encode().hex() * 64)[:64]


def evidence(con: duckdb.DuckDBPyConnection, tag: str, holder: str, kind: str, sheets: str = "[]") -> str:
    digest = sha(tag)
    insert(con, "evidence", [{"sha256": digest, "file_name": tag + ".csv", "stored_path": "evidence/" + digest,
                              "size_bytes": 1, "holder": holder, "kind": kind, "sheets": sheets,
                              "ingested_at": datetime.now()}])
    return digest


def rows(digest: str, holder: str, items: Sequence[dict[str, Any]], sheet: str | None = None) -> list[dict[str, Any]]:
    return [{"holder": holder, "evidence_sha256": digest, "sheet": sheet, "row_no": i + 2, **item}
            for i, item in enumerate(items)]


def build_case(con: duckdb.DuckDBPyConnection) -> None:
    create_declared(con)
    acc = evidence(con, "accounts", VENDOR, "accounts")
    insert(con, "accounts", rows(acc, VENDOR, [
        {"account": "A1", "customer": "深圳市华信科技有限公司", "province": "广东", "seats": 20},
        {"account": "A2", "customer": "华信科技（深圳）有限公司", "province": "广东", "seats": 10},
        {"account": "A3", "customer": HONGDA, "province": "广东", "seats": 5},
        {"account": "A4", "customer": "鑫源金融服务有限责任公司", "province": "广东", "seats": 5},
        {"account": "A5", "customer": "远方贸易有限公司", "province": "浙江", "seats": 2},
        {"account": "A6", "customer": "诚信咨询有限公司", "province": "广东", "seats": 1},
    ]))
    vcalls = evidence(con, "vendor_calls", VENDOR, "calls")
    insert(con, "calls", rows(vcalls, VENDOR, [
        *({"account": "A1", "caller": "+8675500000001", "callee": phone(i)} for i in range(30)),
        *({"account": "A3", "caller": "+8675500000003", "callee": phone(60 + i)} for i in range(10)),
        {"account": "A5", "caller": "+8657100000005", "callee": phone(900)},
    ]))
    comp = evidence(con, "complaints", HOTLINE, "complaints")
    insert(con, "complaints", rows(comp, HOTLINE, [
        {"complaint_id": "T1", "complainant": phone(1), "caller": "+8675500000001", "text": "贷款骚扰"},
        {"complaint_id": "T2", "complainant": phone(2), "caller": "+8675500000001", "text": "天天打电话"},
        {"complaint_id": "T3", "complainant": phone(61), "caller": "+8675500000003", "text": "骚扰"},
        {"complaint_id": "T4", "complainant": phone(700), "respondent": "华信科技有限公司", "text": "骚扰"},
    ]))
    hx_calls = evidence(con, "huaxin_calls", HUAXIN, "calls")
    insert(con, "calls", rows(hx_calls, HUAXIN, [
        {"account": "A1", "caller": "+8675500000001", "callee": phone(i)} for i in range(20)
    ]))
    l1 = evidence(con, "huaxin_list", HUAXIN, "customers")
    insert(con, "customers", rows(l1, HUAXIN, [{"name": "客户", "phone": phone(i)} for i in range(100)],
                                  sheet="名单"))
    chat = evidence(con, "huaxin_chat", HUAXIN, "chats")
    insert(con, "chats", rows(chat, HUAXIN, [
        {"sender": "王五", "text": "明天约了工商银行的李经理吃饭，红包准备好"},
        {"sender": "赵六", "text": "收到"},
    ]))
    l2 = evidence(con, "hongda_list", HONGDA, "customers")
    insert(con, "customers", rows(l2, HONGDA, [{"name": "客户", "phone": phone(i)} for i in range(50, 250)]))
    l3 = evidence(con, "xinyuan_list", XINYUAN, "customers",
                  sheets='[{"name": "企业", "headers": ["企业名称", "法定代表人", "注册资本", "联系电话"]}]')
    insert(con, "customers", rows(l3, XINYUAN, [
        {"name": "法人", "phone": phone(1000 + i), "employer": f"某某{i}有限公司",
         "extra": '{"注册资本": "100万", "成立日期": "2015-01-01"}'} for i in range(40)
    ]))
    insert(con, "findings", [
        {"analysis": "text", "label": "impersonation", "holder": HUAXIN, "kind": "calls",
         "evidence_sha256": hx_calls, "sheet": None, "row_no": 3, "law": "消费者权益保护法"},
        {"analysis": "text", "label": "pi_exposure", "holder": XINYUAN, "kind": "customers",
         "evidence_sha256": l3, "sheet": None, "row_no": 2},
    ])


@pytest.fixture()
def hand_case(case_dir: Path) -> Path:
    case = open_case(case_dir)
    with case.connect() as con:
        build_case(con)
    return case_dir


@pytest.fixture()
def agency_key_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> bytes:
    key = "7e57" * 16  # 256 bits in hex, as qinglian key init writes them
    monkeypatch.setenv("QINGLIAN_KEY", key)
    monkeypatch.setenv("QINGLIAN_KEY_FILE", str(tmp_path / "never.key"))
    return key.encode()
