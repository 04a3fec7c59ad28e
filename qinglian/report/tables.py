"""What the case store holds (its tables and their columns), and a memo for costly string functions.

Other analyses add their own tables; the report finds them through
``information_schema.columns``, so a renamed or extra column never breaks a report.
"""

from __future__ import annotations

from collections.abc import Callable

import duckdb


def schema_tables(con: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    """Every table of the case store with its columns, in table order."""
    rows = con.execute(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position"
    ).fetchall()
    out: dict[str, list[str]] = {}
    for table, column in rows:
        out.setdefault(str(table), []).append(str(column))
    return out


class Memo:
    """A string function remembered per value: seized data repeats (scripts, names, files), and
    masking is the costly part of writing a cell. The memory is dropped when it grows large."""

    def __init__(self, fn: Callable[[str], str] | None, size: int = 200_000) -> None:
        self.fn = fn
        self.size = size
        self.seen: dict[str, str] = {}

    def __call__(self, value: str) -> str:
        if self.fn is None:
            return value
        out = self.seen.get(value)
        if out is None:
            if len(self.seen) >= self.size:
                self.seen.clear()
            out = self.seen[value] = self.fn(value)
        return out
