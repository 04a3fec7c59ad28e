"""A full-text index of a case's texts: SQLite FTS5 with the trigram tokenizer (substrings in any
script, Chinese included, case-insensitive), one file per case beside the cases
(``.qinglian-web/search/<case id>.sqlite``), stamped with the custody head it was built at.

A trigram index answers queries of three characters or more; shorter ones (二字词 such as 贷款)
and searches while the index is missing or stale scan the case store instead (``evidence.search``).
An index is built whole into a temporary file and moved into place, so a reader never sees half of one.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from pathlib import Path
from typing import Any

from qinglian.store.case import Case
from qinglian.store.db import columns_of
from qinglian.store.sqlident import quote_ident
from qinglian.web import reads

# The free texts searched: transcripts, SMS, chats and complaints.
SEARCHED: tuple[tuple[str, str], ...] = (("calls", "transcript"), ("sms", "content"), ("chats", "text"),
                                         ("complaints", "text"))
BATCH = 50_000
MIN_CHARS = 3

_building: set[str] = set()
_lock = threading.Lock()


def index_path(root: Path, case_id: str) -> Path:
    return root / f"{case_id}.sqlite"


def _head(case: Case) -> str:
    with reads.connect(case) as con:
        head = case.head(con)
    return f"{head[0]}:{head[1]}" if head else ""


def fresh(path: Path, case: Case) -> bool:
    """The index exists and was built at the case's current custody head."""
    if not path.exists():
        return False
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            row = con.execute("SELECT value FROM meta WHERE key = 'head'").fetchone()
        finally:
            con.close()
    except sqlite3.Error:
        return False
    return row is not None and row[0] == _head(case)


def build(case: Case, path: Path) -> int:
    """Write the index of every searched text of the case; returns the number of texts."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(path.name + f".{os.getpid()}.{threading.get_ident()}.tmp")
    tmp.unlink(missing_ok=True)
    out = sqlite3.connect(tmp)
    n = 0
    try:
        os.chmod(tmp, 0o600)
        out.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")
        out.execute("CREATE VIRTUAL TABLE texts USING fts5(text, kind UNINDEXED, holder UNINDEXED, "
                    "evidence_sha256 UNINDEXED, sheet UNINDEXED, row_no UNINDEXED, tokenize='trigram')")
        with case.connect(read_only=True) as con:
            head = case.head(con)
            for kind, col in SEARCHED:
                if not columns_of(con, kind):
                    continue
                c = quote_ident(col)
                cur = con.execute(f"SELECT {c}, holder, evidence_sha256, sheet, row_no FROM {quote_ident(kind)} "
                                  f"WHERE {c} IS NOT NULL AND {c} <> ''")
                while batch := cur.fetchmany(BATCH):
                    out.executemany("INSERT INTO texts (text, kind, holder, evidence_sha256, sheet, row_no) "
                                    "VALUES (?, ?, ?, ?, ?, ?)", [(r[0], kind, r[1], r[2], r[3], r[4]) for r in batch])
                    n += len(batch)
        out.execute("INSERT INTO meta VALUES ('head', ?)", [f"{head[0]}:{head[1]}" if head else ""])
        out.execute("INSERT INTO texts(texts) VALUES ('optimize')")
        out.commit()
    except BaseException:
        out.close()
        tmp.unlink(missing_ok=True)
        raise
    out.close()
    os.replace(tmp, path)
    return n


def build_once(case: Case, path: Path) -> None:
    """Build unless another thread is building this index already (then return at once)."""
    key = str(path)
    with _lock:
        if key in _building:
            return
        _building.add(key)
    try:
        if not fresh(path, case):
            build(case, path)
    finally:
        with _lock:
            _building.discard(key)


def query(path: Path, q: str, limit: int) -> list[tuple[Any, ...]]:
    """(kind, holder, evidence_sha256, sheet, row_no, text) of texts containing ``q``."""
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        phrase = '"' + q.replace('"', '""') + '"'
        return con.execute("SELECT kind, holder, evidence_sha256, sheet, row_no, text FROM texts "
                           "WHERE texts MATCH ? LIMIT ?", [phrase, limit]).fetchall()
    finally:
        con.close()

