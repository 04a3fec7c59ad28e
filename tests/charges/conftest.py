"""Hand-made cases for the charges stage: records and findings through tests.helpers.insert, as ingest and
analyze write them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

from qinglian.store.case import Case, open_case
from tests.helpers import insert

T0 = datetime(2025, 7, 10, 10, 0, 0)
LENDER = "演示市东湖区鑫达融资咨询有限公司"
LAWFUL = "演示市东湖区润泽企业管理咨询有限公司"


def phone(i: int) -> str:
    return f"+86139{i:08d}"


def finding(con: duckdb.DuckDBPyConnection, holder: str, kind: str, sha: str, row_no: int, label: str,
            rule: str | None, quote: str, sheet: str | None = None) -> None:
    insert(con, "findings", [{
        "analysis": "text", "label": label, "score": 0.9, "rule": rule, "law": None, "holder": holder, "kind": kind,
        "field": "text", "evidence_sha256": sha, "sheet": sheet, "row_no": row_no, "span_start": 0, "span_end": 1,
        "quote": quote, "detail": json.dumps({"labels": {label: 0.9}}),
    }])


def customers(con: duckdb.DuckDBPyConnection, holder: str, sha: str, ids: range, source: str,
              extra: dict[str, Any] | None = None) -> None:
    insert(con, "customers", [
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
    insert(con, "sms", rows)
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


def assert_as_stored(con: duckdb.DuckDBPyConnection) -> int:
    """Every charge and lead, built for all holders at once, says what its own stored queries select
    when run one at a time: rows, period, digest, and the same representative rows in the same order.
    Returns how many charges and leads were checked."""
    from qinglian.charges.evidence import Query, representative, summarise

    def queries(raw: str | None) -> list[Query]:
        return [Query.from_json(d) for d in json.loads(raw or "[]")]

    checked = 0
    for cid, raw, n, first, last, digest in con.execute(
        "SELECT charge_id, evidence_query, evidence_rows, first_at, last_at, evidence_digest FROM charges"
    ).fetchall():
        qs = queries(raw)
        s = summarise(con, qs)
        assert (s.rows, s.first_at, s.last_at, s.digest) == (n, first, last, digest), cid
        want = [(r["kind"], r["evidence_sha256"], r["file_name"], r["sheet"], r["row_no"],
                 None if r["group_key"] is None else str(r["group_key"]),
                 None if r["quote"] is None else str(r["quote"])[:300]) for r in representative(con, qs)]
        got = con.execute(
            """SELECT kind, evidence_sha256, file_name, sheet, row_no, group_key, quote FROM charge_evidence
               WHERE charge_id = ? ORDER BY rank""", [cid]).fetchall()
        assert [tuple(r) for r in got] == want, cid
        checked += 1
    for lid, raw, n, first, last, sha, sheet, row in con.execute(
        "SELECT lead_id, evidence_query, rows, first_at, last_at, sample_sha256, sample_sheet, sample_row FROM leads"
    ).fetchall():
        qs = queries(raw)
        s = summarise(con, qs)
        assert (s.rows, s.first_at, s.last_at) == (n, first, last), lid
        top = representative(con, qs, 1)
        assert (sha, sheet, row) == ((top[0]["evidence_sha256"], top[0]["sheet"], top[0]["row_no"]) if top else (None, None, None)), lid
        checked += 1
    return checked
