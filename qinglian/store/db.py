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
