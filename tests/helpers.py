"""Shared test helpers: run the CLI in-process, snapshot a case to prove it did not change, and
build fixture tables in exactly the shape the stages write (``insert``, ``create_declared``)."""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Mapping, Sequence
from os import PathLike
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from qinglian.cli import run
from qinglian.store import tables
from qinglian.store.records import insert_records, sheet_id
from qinglian.store.schema import KINDS, SHEET_COLUMNS, columns, row_columns, rows_table
from qinglian.store.sqlident import quote_ident


def insert(con: duckdb.DuckDBPyConnection, table: str, rows: Sequence[Mapping[str, Any]]) -> None:
    """Fixture rows for a record kind (as ``insert_records`` writes them) or a declared table
    (``tables.insert``): a column the real stage does not write is refused."""
    if table in KINDS:
        _insert_records(con, table, rows)
    else:
        tables.insert(con, tables.table(table), rows)


def _insert_records(con: duckdb.DuckDBPyConnection, kind: str, rows: Sequence[Mapping[str, Any]]) -> None:
    """``insert_records`` one sheet at a time through Arrow: row by row, fixtures of a few thousand
    rows took seconds. Consecutive rows of one sheet go together, so the stored order is the input's."""
    view = {name for name, _ in columns(kind)}
    stored = [name for name, _ in row_columns(kind) if name != "sheet_id"]
    for row in rows:
        unknown = set(row) - view
        if unknown:
            raise ValueError(f"{kind} has no column {sorted(unknown)}")
    for key, group in itertools.groupby(rows, key=lambda r: tuple(r.get(c) for c in SHEET_COLUMNS)):
        run = list(group)
        holder, site, sha, sheet = key
        if holder is None or sha is None:
            raise ValueError(f"a {kind} row needs holder and evidence_sha256")
        names = [c for c in stored if any(c in r for r in run)]
        try:
            arrow = pa.table({c: pa.array([r.get(c) for r in run]) for c in names} or {"_": pa.nulls(len(run))})
        except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
            insert_records(con, kind, [dict(r) for r in run])  # values Arrow cannot type alike: one by one
            continue
        sid = sheet_id(con, kind, str(holder), site, str(sha), sheet)
        con.register("_fixture_rows", arrow)
        try:
            cols = ", ".join(quote_ident(c) for c in names)
            picked = ", ".join(["?", *(quote_ident(c) for c in names)])
            con.execute(f"INSERT INTO {quote_ident(rows_table(kind))} (sheet_id{', ' if names else ''}{cols}) "
                        f"SELECT {picked} FROM _fixture_rows", [sid])
        finally:
            con.unregister("_fixture_rows")


def create_declared(con: duckdb.DuckDBPyConnection) -> None:
    """Every declared table, empty, as a case looks after all stages ran on no data."""
    for t in tables.TABLES.values():
        tables.create(con, t)


def cli(*args: str | PathLike[str]) -> int:
    return run([str(a) for a in args])


def snapshot(case_dir: Path) -> dict[str, object]:
    """Everything an ingest could change: log bytes, evidence files, row counts of every table."""
    files = sorted(
        (str(p.relative_to(case_dir)), hashlib.sha256(p.read_bytes()).hexdigest())
        for p in (case_dir / "evidence").rglob("*")
        if p.is_file()
    )
    con = duckdb.connect(str(case_dir / "case.duckdb"), read_only=True)
    try:
        counts = {
            t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()
            for t in [*KINDS, "record_sheets", "evidence", "phone_prefixes", "ingest_notes", "custody_head"]
        }
    finally:
        con.close()
    return {"log": (case_dir / "custody.jsonl").read_bytes(), "files": files, "counts": counts}


def query(case_dir: Path, sql: str, params: list[object] | None = None) -> list[tuple[Any, ...]]:
    """Rows as DuckDB returns them: column types depend on the SQL, so the caller knows them."""
    con = duckdb.connect(str(case_dir / "case.duckdb"), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()
