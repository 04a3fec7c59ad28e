"""Shared test helpers: run the CLI in-process, snapshot a case to prove it did not change."""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb

from qinglian.cli import run
from qinglian.store.schema import KINDS


def cli(*args: str) -> int:
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


def query(case_dir: Path, sql: str, params: list[object] | None = None) -> list[tuple[object, ...]]:
    con = duckdb.connect(str(case_dir / "case.duckdb"), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()
