"""Writing record rows: each ingested sheet gets a ``record_sheets`` row, its rows that id."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import duckdb

from qinglian.store.db import one
from qinglian.store.schema import SHEET_COLUMNS, columns, row_columns, rows_table
from qinglian.store.sqlident import quote_ident


def sheet_id(
    con: duckdb.DuckDBPyConnection,
    kind: str,
    holder: str,
    site: str | None,
    evidence_sha256: str,
    sheet: str | None,
) -> int:
    """The ``sheet_id`` that the rows of one sheet of an evidence file carry in ``<kind>_rows``,
    registering the sheet in ``record_sheets`` when the case does not have it yet."""
    args = [kind, holder, site, evidence_sha256, sheet]
    match = (
        "FROM record_sheets WHERE kind = ? AND holder = ? AND site IS NOT DISTINCT FROM ? "
        "AND evidence_sha256 = ? AND sheet IS NOT DISTINCT FROM ?"
    )
    # A new sheet (what ingest always has) is added by one statement; only a known one is looked up.
    row = one(
        con,
        "INSERT INTO record_sheets SELECT coalesce(max(sheet_id), 0) + 1, ?, ?, ?, ?, ? FROM record_sheets "
        f"HAVING NOT EXISTS (SELECT 1 {match}) RETURNING sheet_id",
        args + args,
    )
    if row is None:
        row = one(con, f"SELECT min(sheet_id) {match}", args)
    assert row is not None
    return int(row[0])


def insert_records(con: duckdb.DuckDBPyConnection, kind: str, rows: Sequence[Mapping[str, Any]]) -> int:
    """Add rows given by the columns of the ``kind`` view (``holder``, ``evidence_sha256``,
    ``sheet``, ``row_no``, fields...), one at a time: for records built without an evidence
    file (test fixtures, tools). Ingest writes whole sheets with one INSERT instead."""
    view = {name for name, _ in columns(kind)}
    stored = {name for name, _ in row_columns(kind)}
    ids: dict[tuple[Any, ...], int] = {}
    for row in rows:
        unknown = set(row) - view
        if unknown:
            raise ValueError(f"{kind} has no column {sorted(unknown)}")
        holder, site, sha, sheet = (row.get(c) for c in SHEET_COLUMNS)
        if holder is None or sha is None:
            raise ValueError(f"a {kind} row needs holder and evidence_sha256")
        key = (holder, site, sha, sheet)
        if key not in ids:
            ids[key] = sheet_id(con, kind, str(holder), site, str(sha), sheet)
        values = {"sheet_id": ids[key], **{k: v for k, v in row.items() if k in stored}}
        names = ", ".join(quote_ident(k) for k in values)
        marks = ", ".join("?" for _ in values)
        con.execute(f"INSERT INTO {quote_ident(rows_table(kind))} ({names}) VALUES ({marks})", list(values.values()))
    return len(rows)
