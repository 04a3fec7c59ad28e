"""Shared test helpers: run the CLI in-process, snapshot a case to prove it did not change, and
build fixture tables in exactly the shape the stages write (``insert``, ``create_declared``)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from os import PathLike
from pathlib import Path
from typing import Any

import duckdb

from qinglian.cli import run
from qinglian.store import tables
from qinglian.store.records import insert_records
from qinglian.store.schema import KINDS


def insert(con: duckdb.DuckDBPyConnection, table: str, rows: Sequence[Mapping[str, Any]]) -> None:
    """Fixture rows for a record kind (``insert_records``) or a declared table (``tables.insert``):
    a column the real stage does not write is refused."""
    if table in KINDS:
        insert_records(con, table, [dict(r) for r in rows])
    else:
        tables.insert(con, tables.table(table), rows)


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
