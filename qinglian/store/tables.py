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


# ---------------------------------------------------------------------------------------------
# charges: violation facts per party (written by qinglian.charges, read by report and web).
# ``charges`` and ``charge_evidence`` and ``leads`` are rebuilt on every run; ``charge_reviews``
# is kept: a review outlives re-runs and is matched to its charge by the stable id.
# ---------------------------------------------------------------------------------------------

CHARGES = declare(
    "charges",
    [
        Column("charge_id", "VARCHAR", "stable: hash of holder, conduct and provision keys", nullable=False),
        Column("holder", "VARCHAR", "the party (holder as ingested)", nullable=False),
        Column("conduct", "VARCHAR", "conduct type code (qinglian.charges.conduct.CONDUCTS)", nullable=False),
        ("conduct_zh", "VARCHAR", "conduct in Chinese, for reports"),
        ("conduct_en", "VARCHAR", "conduct in English"),
        ("provisions", "JSON", "list of {law, law_zh, article, version, effective, penalty_zh, penalty_en}"),
        ("first_at", "TIMESTAMP", "first conduct date in the supporting evidence"),
        ("last_at", "TIMESTAMP", "last conduct date in the supporting evidence"),
        ("scale", "JSON", "calls, sms, consumers, pi {category: {records, tier, threshold}}, money, rows"),
        ("facts_zh", "VARCHAR", "the violation fact in one or two sentences (no PI)"),
        ("facts_en", "VARCHAR", "the same in English"),
        ("strength", "VARCHAR", "strong | moderate"),
        ("strength_reasons", "JSON", "list of {zh, en}: what the evidence establishes"),
        ("rebuttal", "JSON", "list of {zh, en}: what would rebut the charge"),
        ("referral", "BOOLEAN", "a crime threshold or suspected fraud: draft a 移送"),
        ("evidence_query", "JSON", "the full supporting set: list of {table, where, params}"),
        ("evidence_rows", "BIGINT", "rows in the full supporting set"),
        ("evidence_digest", "VARCHAR", "SHA-256 over the sorted supporting (sha256, sheet, row) keys"),
        ("status", "VARCHAR", "proposed | confirmed | rejected | needs_more (latest review)"),
        ("reviewer", "VARCHAR", "who set the status"),
        ("review_reason", "VARCHAR", "why"),
        ("evidence_changed", "BOOLEAN", "the evidence differs from what the reviewer saw"),
        ("built_at", "TIMESTAMP", "when the charges stage wrote this row"),
    ],
    writer="charges",
    readers=("report", "web"),
    doc="One row per party x conduct: provisions in force, period, scale, strength, review status.",
    key=("charge_id",),
)

CHARGE_EVIDENCE = declare(
    "charge_evidence",
    [
        Column("charge_id", "VARCHAR", nullable=False),
        Column("rank", "INTEGER", "1..5, most representative first", nullable=False),
        ("kind", "VARCHAR", "record kind or table the item comes from"),
        ("evidence_sha256", "VARCHAR"),
        ("file_name", "VARCHAR"),
        ("sheet", "VARCHAR"),
        ("row_no", "BIGINT"),
        ("group_key", "VARCHAR", "campaign/template/category the item was chosen to represent"),
        ("quote", "VARCHAR", "the matched text or value (PI: mask on output)"),
        ("note_zh", "VARCHAR", "what this item shows"),
        ("note_en", "VARCHAR"),
    ],
    writer="charges",
    readers=("report", "web"),
    doc="Up to five representative evidence items per charge, chosen across templates and campaigns.",
    key=("charge_id", "rank"),
)

LEADS = declare(
    "leads",
    [
        Column("lead_id", "VARCHAR", "stable: hash of holder, conduct and source", nullable=False),
        Column("holder", "VARCHAR", nullable=False),
        Column("conduct", "VARCHAR", nullable=False),
        ("source", "VARCHAR", "the detection it comes from (label/rule/analysis)"),
        ("reason_zh", "VARCHAR", "why it is a lead and not a charge (which element is missing)"),
        ("reason_en", "VARCHAR"),
        ("rows", "BIGINT", "supporting rows"),
        ("first_at", "TIMESTAMP"),
        ("last_at", "TIMESTAMP"),
        ("evidence_query", "JSON", "as in charges"),
        ("sample_sha256", "VARCHAR"),
        ("sample_sheet", "VARCHAR"),
        ("sample_row", "BIGINT"),
        ("built_at", "TIMESTAMP"),
    ],
    writer="charges",
    readers=("report", "web"),
    doc="Detections that do not meet a provision's elements: shown apart, never cited as a breach.",
    key=("lead_id",),
)

CHARGE_REVIEWS = declare(
    "charge_reviews",
    [
        Column("charge_id", "VARCHAR", nullable=False),
        Column("status", "VARCHAR", "confirmed | rejected | needs_more | proposed", nullable=False),
        Column("reviewer", "VARCHAR", nullable=False),
        Column("reason", "VARCHAR", nullable=False),
        Column("reviewed_at", "TIMESTAMP", nullable=False),
        ("evidence_digest", "VARCHAR", "the charge's evidence digest the reviewer saw"),
    ],
    writer="charges",
    readers=("report", "web"),
    doc="Every review of a charge (history; the latest row is the status). Kept across re-runs.",
    persistent=True,
)
