"""Small query helpers shared by every stage."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import duckdb


def one(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] | None = None) -> tuple[Any, ...] | None:
    """First row of a query, with the result fully consumed (DuckDB 2 refuses new work on a
    connection whose previous result is unfinished)."""
    rows = con.execute(sql, list(params or [])).fetchall()
    return tuple(rows[0]) if rows else None


def columns_of(con: duckdb.DuckDBPyConnection, name: str) -> list[str]:
    """A table's column names in table order (none where the table does not exist)."""
    rows = con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = ? AND table_schema = 'main' "
        "ORDER BY ordinal_position",
        [name],
    ).fetchall()
    return [str(r[0]) for r in rows]


def in_transaction(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether ``con`` has a transaction open: outside one, each statement is its own, with its
    own id (a failed BEGIN would poison the caller's transaction, so it cannot be the test)."""
    first = one(con, "SELECT txid_current()")
    second = one(con, "SELECT txid_current()")
    return first == second


def begin(con: duckdb.DuckDBPyConnection) -> bool:
    """Start a stage's transaction unless its caller has one open (DuckDB does not nest them: the
    stage's writes then belong to the caller's transaction). True when this call started one."""
    if in_transaction(con):
        return False
    con.execute("BEGIN TRANSACTION")
    return True


def commit(con: duckdb.DuckDBPyConnection, own: bool) -> None:
    """Commit what ``begin`` started; a caller's transaction is the caller's to commit."""
    if own:
        con.execute("COMMIT")


def rollback(con: duckdb.DuckDBPyConnection, own: bool) -> None:
    """Roll back what ``begin`` started; in a caller's transaction the error reaches the caller,
    which rolls back the whole."""
    if own:
        con.execute("ROLLBACK")
