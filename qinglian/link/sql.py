"""Small helpers shared by the link modules: table presence, output tables, inserts."""

from __future__ import annotations

from typing import Any

import duckdb

from qinglian.store import tables
from qinglian.store.sqlident import quote_ident

# The link outputs, declared in qinglian.store.tables.
OUTPUTS: tuple[str, ...] = (
    "entities", "links", "resolution", "upstream", "list_overlaps", "leak_clusters", "targets", "cross_case_overlaps",
)


def reset_table(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """Drop and recreate one of the link outputs from its declaration."""
    if name not in OUTPUTS:
        raise KeyError(name)
    tables.create(con, tables.table(name), replace=True)


def has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    row = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = ? AND table_schema = 'main'",
        [name],
    ).fetchone()
    return bool(row and row[0])


def row_count(con: duckdb.DuckDBPyConnection, name: str) -> int:
    if not has_table(con, name):
        return 0
    row = con.execute(f"SELECT count(*) FROM {quote_ident(name)}").fetchone()
    return int(row[0]) if row else 0


def fetch_dicts(
    con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None
) -> list[dict[str, Any]]:
    cur = con.execute(sql, params or [])
    names = [d[0] for d in cur.description or []]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
