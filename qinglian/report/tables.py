"""What the case store holds: table introspection and generic, capped reads of any table.

Other analyses add their own tables; the report finds them through
``information_schema.columns`` and shows whatever is there, so a renamed or extra column
never breaks a report.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import duckdb

from qinglian.report.privacy import Redactor, hash_text
from qinglian.store.sqlident import quote_ident


@dataclass
class Table:
    """A displayable table: at most ``len(rows)`` of ``total`` rows."""

    title: str
    columns: list[str]
    rows: list[list[Any]]
    total: int
    note: str = ""
    name: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    headers: list[str] = field(default_factory=list)  # shown above the columns; the names if empty

    @property
    def shown_headers(self) -> list[str]:
        return self.headers or self.columns

    @property
    def truncated(self) -> bool:
        return self.total > len(self.rows)


_SHA256 = re.compile(r"[0-9a-f]{64}")


def short_hash(value: Any) -> Any:
    """A bare SHA-256 shown as its 12-character prefix (as citations do)."""
    if isinstance(value, str) and _SHA256.fullmatch(value):
        return hash_text(value[:12])
    return value


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


def count_rows(con: duckdb.DuckDBPyConnection, table: str, holder: str | None = None,
               has_holder: bool = False) -> int:
    sql = f"SELECT count(*) FROM {quote_ident(table)}"
    params: list[Any] = []
    if holder is not None and has_holder:
        sql += " WHERE holder = ?"
        params.append(holder)
    row = con.execute(sql, params).fetchone()
    return int(row[0]) if row else 0


def read_table(
    con: duckdb.DuckDBPyConnection,
    table: str,
    columns: list[str],
    redactor: Redactor,
    *,
    title: str,
    holder: str | None = None,
    limit: int | None = 50,
    headers: list[str] | None = None,
    convert: dict[str, Callable[[Any], Any]] | None = None,
    order_by: list[str] | None = None,
) -> Table:
    """Rows of any table, filtered to a holder when it has a ``holder`` column, best first.

    Ordering: flagged rows, then highest ``score``, then ``rank`` ascending, where present
    (``order_by`` columns, when given, come first). Cells go through the redactor, except
    ``convert``'s columns, whose functions see the raw value and do their own masking.
    """
    where = ""
    params: list[Any] = []
    if holder is not None and "holder" in columns:
        where = " WHERE holder = ?"
        params.append(holder)
    order: list[str] = [quote_ident(c) for c in order_by or []]
    if "flag" in columns:
        order.append(f"{quote_ident('flag')} DESC NULLS LAST")
    if "score" in columns:
        order.append(f"{quote_ident('score')} DESC NULLS LAST")
    if "rank" in columns:
        order.append(f"{quote_ident('rank')} ASC NULLS LAST")
    total_row = con.execute(f"SELECT count(*) FROM {quote_ident(table)}{where}", params).fetchone()
    total = int(total_row[0]) if total_row else 0
    cols = ", ".join(quote_ident(c) for c in columns)
    sql = f"SELECT {cols} FROM {quote_ident(table)}{where}"
    if order:
        sql += " ORDER BY " + ", ".join(order)
    if limit is not None:
        sql += " LIMIT ?"
        params = [*params, limit]
    conv = convert or {}
    rows = [
        [conv[c](v) if c in conv else short_hash(redactor.cell(c, v)) for c, v in zip(columns, r, strict=True)]
        for r in con.execute(sql, params).fetchall()
    ]
    return Table(title=title, columns=list(columns), rows=rows, total=total, name=table,
                 headers=list(headers or []))


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
