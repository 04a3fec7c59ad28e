"""Hand-made cases for the charges stage: records through insert_records, findings as analyze writes them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

from qinglian.store.case import Case, open_case
from qinglian.store.records import insert_records

T0 = datetime(2025, 7, 10, 10, 0, 0)
LENDER = "演示市东湖区鑫达融资咨询有限公司"
LAWFUL = "演示市东湖区润泽企业管理咨询有限公司"


def phone(i: int) -> str:
    return f"+86139{i:08d}"


def finding(con: duckdb.DuckDBPyConnection, holder: str, kind: str, sha: str, row_no: int, label: str,
            rule: str | None, quote: str, sheet: str | None = None) -> None:
    con.execute(
        """INSERT INTO findings (analysis, label, score, rule, law, holder, kind, field, evidence_sha256, sheet, row_no,
                                 span_start, span_end, quote, detail)
           VALUES ('text', ?, 0.9, ?, NULL, ?, ?, 'text', ?, ?, ?, 0, 1, ?, ?)""",
        [label, rule, holder, kind, sha, sheet, row_no, quote, json.dumps({"labels": {label: 0.9}})],
    )


def customers(con: duckdb.DuckDBPyConnection, holder: str, sha: str, ids: range, source: str,
              extra: dict[str, Any] | None = None) -> None:
    insert_records(con, "customers", [
        {"holder": holder, "evidence_sha256": sha, "row_no": 2 + k, "name": f"客户{i}", "phone": phone(i),
         "id_number": f"11010119800101{i:04d}", "credit_info": "逾期" if i % 2 else None, "source": source,
         "extra": json.dumps(extra, ensure_ascii=False) if extra else None}
        for k, i in enumerate(ids)
    ])


def sms(con: duckdb.DuckDBPyConnection, holder: str, sha: str, recipients: list[int], content: str,
        label_rules: list[tuple[str, str | None, str]], start_row: int = 2, status: str = "发送成功") -> None:
    rows = [
        {"holder": holder, "evidence_sha256": sha, "row_no": start_row + k, "account": "yx1", "signature": "【润泽咨询】",
         "recipient": phone(i), "sent_at": T0 + timedelta(minutes=k), "content": content, "status": status}
        for k, i in enumerate(recipients)
    ]
    insert_records(con, "sms", rows)
    for r in rows:
        for label, rule, quote in label_rules:
            finding(con, holder, "sms", sha, int(str(r["row_no"])), label, rule, quote)


@pytest.fixture()
def case(case_dir: Path) -> Iterator[Case]:
    yield open_case(case_dir)


def charged(con: duckdb.DuckDBPyConnection) -> set[tuple[str, str]]:
    return {(str(h), str(c)) for h, c in con.execute("SELECT holder, conduct FROM charges").fetchall()}


def leads(con: duckdb.DuckDBPyConnection) -> set[tuple[str, str]]:
    return {(str(h), str(c)) for h, c in con.execute("SELECT holder, conduct FROM leads").fetchall()}
