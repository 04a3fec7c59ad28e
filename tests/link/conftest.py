"""A small hand-made case: a vendor's account table and call log, complaints, three seized
intermediaries with customer lists, chats and findings. Rows go straight into the record
tables with SQL parameters, the way ingest would leave them."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb
import pytest

from qinglian.store.case import open_case
from qinglian.store.records import insert_records
from qinglian.store.schema import KINDS
from qinglian.store.sqlident import quote_ident

VENDOR = "云呼科技有限公司"
HUAXIN = "华信科技有限责任公司"
HONGDA = "宏达信息咨询有限公司"
XINYUAN = "鑫源金融服务有限公司"
HOTLINE = "12315投诉平台"


def phone(n: int) -> str:
    return f"+86138{n:08d}"


def sha(tag: str) -> str:
    return (tag.encode().hex() * 64)[:64]


def insert(con: duckdb.DuckDBPyConnection, table: str, rows: Sequence[dict[str, Any]]) -> None:
    if table in KINDS:
        insert_records(con, table, rows)
        return
    for row in rows:
        cols = ", ".join(quote_ident(c) for c in row)
        marks = ", ".join("?" for _ in row)
        con.execute(f"INSERT INTO {quote_ident(table)} ({cols}) VALUES ({marks})", list(row.values()))


def evidence(con: duckdb.DuckDBPyConnection, tag: str, holder: str, kind: str, sheets: str = "[]") -> str:
    digest = sha(tag)
    con.execute(
        "INSERT INTO evidence (sha256, file_name, stored_path, size_bytes, holder, kind, sheets, ingested_at) "
        "VALUES (?, ?, ?, 1, ?, ?, ?::JSON, now())",
        [digest, tag + ".csv", "evidence/" + digest, holder, kind, sheets],
    )
    return digest


def rows(digest: str, holder: str, items: Sequence[dict[str, Any]], sheet: str | None = None) -> list[dict[str, Any]]:
    return [{"holder": holder, "evidence_sha256": digest, "sheet": sheet, "row_no": i + 2, **item}
            for i, item in enumerate(items)]


def build_case(con: duckdb.DuckDBPyConnection) -> None:
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
        {"analysis": "content", "label": "bank_impersonation", "holder": HUAXIN, "kind": "calls",
         "evidence_sha256": hx_calls, "sheet": None, "row_no": 3, "law": "消费者权益保护法"},
        {"analysis": "behaviour", "label": "list_order_dialling", "holder": HUAXIN, "kind": "calls",
         "evidence_sha256": hx_calls, "sheet": None, "row_no": 4},
        {"analysis": "content", "label": "pi_trading", "holder": XINYUAN, "kind": "customers",
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
    monkeypatch.setenv("QINGLIAN_KEY", "test-agency-key")
    monkeypatch.setenv("QINGLIAN_KEY_FILE", str(tmp_path / "never.key"))
    return b"test-agency-key"
