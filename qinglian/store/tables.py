"""Every table that passes between stages, declared once: columns, types, key, writer, readers.

Writers create their tables from these declarations (``create``); readers select the named
columns; test fixtures are built through ``insert`` so that they have exactly the shape the real
stage writes. A contract test runs the pipeline on a small generated case and checks that every
declared table exists with exactly its declared columns and types and that nothing undeclared
crosses a seam.

The record kinds (``calls``, ``sms``, ...) and their ``<kind>_rows`` tables are declared in
``qinglian.store.schema``; they are ingest's output and are listed here as views by
``record_views()`` so the contract covers them too.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import duckdb

from qinglian.store.sqlident import quote_ident as q

Stage = Literal[
    "store", "ingest", "detect.pi", "detect.text", "detect.campaigns", "detect.behaviour", "link",
    "exchange", "charges", "report", "web",
]


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # DuckDB type as information_schema.columns.data_type reports it, e.g. VARCHAR
    doc: str = ""
    nullable: bool = True


@dataclass(frozen=True)
class Table:
    """A table one stage writes and later stages read."""

    name: str
    columns: tuple[Column, ...]
    writer: Stage
    readers: tuple[Stage, ...]
    doc: str
    key: tuple[str, ...] = ()
    # kept when the writing stage runs again (e.g. reviews, cross-case overlaps)
    persistent: bool = False
    compression: Mapping[str, str] = field(default_factory=dict)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"{self.name}.{name}")

    def ddl(self, *, if_not_exists: bool = True) -> str:
        cols = []
        for c in self.columns:
            spec = f"{q(c.name)} {c.type}"
            if not c.nullable:
                spec += " NOT NULL"
            if c.name in self.compression:
                spec += f" USING COMPRESSION {self.compression[c.name]}"
            cols.append(spec)
        if self.key:
            cols.append(f"PRIMARY KEY ({', '.join(q(k) for k in self.key)})")
        exists = "IF NOT EXISTS " if if_not_exists else ""
        return f"CREATE TABLE {exists}{q(self.name)} (\n    " + ",\n    ".join(cols) + "\n)"

    def select(self, *names: str) -> str:
        """``SELECT <names> FROM <table>``: readers name what they read (every column by default)."""
        wanted = names or self.names
        for n in wanted:
            self.column(n)
        return f"SELECT {', '.join(q(n) for n in wanted)} FROM {q(self.name)}"


TABLES: dict[str, Table] = {}


def declare(
    name: str,
    columns: Sequence[tuple[str, str] | tuple[str, str, str] | Column],
    *,
    writer: Stage,
    readers: Iterable[Stage],
    doc: str,
    key: Sequence[str] = (),
    persistent: bool = False,
    compression: Mapping[str, str] | None = None,
) -> Table:
    """Register a table; columns as ``(name, type[, doc])`` or ``Column`` (NOT NULL via Column)."""
    if name in TABLES:
        raise ValueError(f"table {name} declared twice")
    cols = tuple(c if isinstance(c, Column) else Column(*c) for c in columns)
    table = Table(name, cols, writer, tuple(readers), doc, tuple(key), persistent, dict(compression or {}))
    TABLES[name] = table
    return table


def table(name: str) -> Table:
    return TABLES[name]


def create(con: duckdb.DuckDBPyConnection, t: Table, *, replace: bool = False) -> None:
    """Create ``t`` from its declaration; ``replace`` drops an earlier copy first (a stage's re-run)."""
    if replace:
        con.execute(f"DROP TABLE IF EXISTS {q(t.name)}")
    con.execute(t.ddl())


def insert(con: duckdb.DuckDBPyConnection, t: Table, rows: Iterable[Mapping[str, Any]]) -> int:
    """Insert rows given as dicts (missing columns NULL, unknown ones refused); creates the table.

    For fixtures and small writers; stages writing millions of rows insert from Arrow or SQL.
    """
    create(con, t)
    n = 0
    placeholders = ", ".join("?" for _ in t.columns)
    sql = f"INSERT INTO {q(t.name)} ({', '.join(q(c) for c in t.names)}) VALUES ({placeholders})"
    batch: list[list[Any]] = []
    for row in rows:
        unknown = set(row) - set(t.names)
        if unknown:
            raise KeyError(f"{t.name} has no column(s) {sorted(unknown)}")
        batch.append([row.get(c) for c in t.names])
        n += 1
    if batch:
        con.executemany(sql, batch)
    return n
