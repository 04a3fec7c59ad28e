"""What the overview and party pages show, read from the stored tables the report reads
(targets, charges, charge_evidence, leads); PI masked through the report's ``Redactor``."""

from __future__ import annotations

import fcntl
import json
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Generic, TypeVar

import duckdb

from qinglian.errors import QinglianError
from qinglian.privacy import NameMatcher
from qinglian.report.privacy import Redactor, case_names
from qinglian.store import lock
from qinglian.store import tables as T
from qinglian.store.case import Case
from qinglian.store.schema import KINDS, rows_table
from qinglian.store.sqlident import quote_ident

V = TypeVar("V")


@dataclass
class _Shared:
    con: duckdb.DuckDBPyConnection
    fd: int  # the case's lock file, held shared for as long as ``con`` is open
    users: int = 0
    idle_since: float = 0.0


_shared: dict[str, _Shared] = {}
_shared_lock = threading.Lock()
# How long an opened store outlives its last reader: a writer waits that much longer at most, and
# the next reader within it skips the opening.
GRACE_S = 0.25


@lru_cache(maxsize=256)
def _root_key(root: Path) -> str:
    return str(root.resolve())


def _open_read_only(case: Case) -> duckdb.DuckDBPyConnection:
    try:
        con = duckdb.connect(str(case.db_path), read_only=True)
    except duckdb.IOException as exc:
        raise QinglianError("案件库正被另一个程序使用，无法打开", "the case store is in use by another program",
                            file=str(case.db_path), hint_zh="等其他 qinglian 命令结束后再试",
                            hint_en="wait for the other qinglian command to finish, then retry") from exc
    con.execute("SET enable_progress_bar = false")
    return con


def _share(case: Case, key: str) -> _Shared | None:
    """The case's store opened for readers to share, holding the case's lock shared with a descriptor
    of its own; None where that lock cannot be had at once (the caller then opens its own)."""
    fd = os.open(case.root / lock.LOCK_NAME, os.O_RDONLY | os.O_CLOEXEC)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None
    try:
        return _Shared(_open_read_only(case), fd)
    except BaseException:
        os.close(fd)
        raise


def _close(sh: _Shared) -> None:
    sh.con.close()
    os.close(sh.fd)  # the lock goes with the descriptor


def _close_idle(key: str, sh: _Shared) -> None:
    with _shared_lock:
        if sh.users or _shared.get(key) is not sh or time.monotonic() - sh.idle_since < GRACE_S * 0.9:
            return
        del _shared[key]
    _close(sh)


def release_idle() -> None:
    """Close every shared store no reader is using now, without waiting for its grace (tests that
    take a case's lock themselves at once)."""
    with _shared_lock:
        idle = [(k, sh) for k, sh in _shared.items() if not sh.users]
        for k, _ in idle:
            del _shared[k]
    for _, sh in idle:
        _close(sh)


@contextmanager
def connect(case: Case) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection to the case store under the case's shared lock, like
    ``case.connect(read_only=True)``; readers share one opened database (a cursor each), as opening
    a store of a million rows costs tens of milliseconds. The shared database holds the case's lock
    shared itself while it is open (until ``GRACE_S`` after its last reader), so no writer can change
    the store under it; a writer waits for it as for any reader."""
    with lock.hold(case.root, exclusive=False) as (hold, _):
        if hold.exclusive:  # this thread writes the case: a connection of its own, as before
            with case.connect(read_only=True) as own:
                yield own
            return
        key = _root_key(case.root)
        with _shared_lock:
            sh = _shared.get(key)
            if sh is None:
                sh = _share(case, key)
                if sh is not None:
                    _shared[key] = sh
            if sh is not None:
                sh.users += 1
                try:
                    cur = sh.con.cursor()
                except BaseException:
                    sh.users -= 1
                    raise
        if sh is None:
            with case.connect(read_only=True) as own:
                yield own
            return
        try:
            yield cur
        finally:
            cur.close()
            with _shared_lock:
                sh.users -= 1
                idle = sh.users == 0
                if idle:
                    sh.idle_since = time.monotonic()
            if idle:
                timer = threading.Timer(GRACE_S, _close_idle, (key, sh))
                timer.daemon = True
                timer.start()


def stamp(case: Case) -> tuple[int, ...]:
    """The stored state of a case without opening it: inode, size and mtime of the store, its WAL
    and the custody log. Every writer changes one of them (a change of the store is logged), and
    under the case's shared lock none is writing, so an equal stamp means the same contents."""
    out: list[int] = []
    for p in (case.db_path, case.db_path.with_name(case.db_path.name + ".wal"), case.custody_path):
        try:
            st = p.stat()
        except FileNotFoundError:
            out += [0, -1, 0]
            continue
        out += [st.st_ino, st.st_size, st.st_mtime_ns]
    return tuple(out)


class StoreCache(Generic[V]):
    """What a page read from a case store, kept per case and stored state (``stamp``), the newest
    ``size`` of them. Only what every member of the case may see goes in (masked reads); the
    membership and role checks stay in the routes and run on every request."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[tuple[str, tuple[int, ...], Hashable], V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, case: Case, key: Hashable, make: Callable[[], V], keep: Callable[[V], bool] = lambda _: True) -> V:
        """The value for ``key`` at the case's present state; ``make`` reads it (under the same
        shared lock, so it reads the state the stamp names) where it is not kept; ``keep`` says
        whether a made value may be kept."""
        with lock.hold(case.root, exclusive=False):
            k = (_root_key(case.root), stamp(case), key)
            with self._lock:
                if k in self._items:
                    self._items.move_to_end(k)
                    return self._items[k]
            value = make()
            if not keep(value):
                return value
        with self._lock:
            self._items[k] = value
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value


_names: dict[tuple[str, str], NameMatcher] = {}
_names_lock = threading.Lock()


def redactor(case: Case, con: duckdb.DuckDBPyConnection) -> Redactor:
    """A masking Redactor with the case's own names, built once per state of the custody head."""
    head = case.head(con)
    key = (str(case.root.resolve()), str(head[1] if head else ""))
    with _names_lock:
        found = _names.get(key)
    if found is None:
        found = case_names(con)
        with _names_lock:
            if len(_names) > 16:
                _names.clear()
            _names[key] = found
    return Redactor(names=found)


def present(con: duckdb.DuckDBPyConnection) -> set[str]:
    """Every table and view of the store, in one query (a page asks about many)."""
    return {str(r[0]) for r in con.execute(
        "SELECT table_name FROM duckdb_tables() UNION ALL SELECT view_name FROM duckdb_views()").fetchall()}


def _rows(cur: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    names = [d[0] for d in cur.description or []]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


@dataclass
class Party:
    holder: str
    rank: int | None = None
    score: float | None = None
    charges: int = 0
    confirmed: int = 0
    proposed: int = 0
    referral: bool = False
    leads: int = 0


@dataclass
class Overview:
    parties: list[Party]
    phase: str | None
    rows: dict[str, int] = field(default_factory=dict)
    files: int = 0
    charges: int = 0
    confirmed: int = 0
    leads: int = 0
    analysed: bool = False


def overview(case: Case, con: duckdb.DuckDBPyConnection | None = None) -> Overview:
    if con is None:
        with connect(case) as c:
            return overview(case, c)
    have = present(con)
    parties: dict[str, Party] = {}
    phase = None
    if "targets" in have:
        phases = {str(r[0]) for r in con.execute("SELECT DISTINCT phase FROM targets").fetchall()}
        phase = "after" if "after" in phases else ("before" if "before" in phases else None)
        for holder, rank, score in con.execute(
                "SELECT holder, rank, score FROM targets WHERE phase = ? ORDER BY rank", [phase]).fetchall():
            parties[str(holder)] = Party(str(holder), int(rank), float(score) if score is not None else None)
    analysed = "charges" in have
    if analysed:
        for holder, n, confirmed, proposed, referral in con.execute(
                "SELECT holder, count(*), count(*) FILTER (WHERE status = 'confirmed'), "
                "count(*) FILTER (WHERE status = 'proposed'), bool_or(coalesce(referral, FALSE)) "
                "FROM charges GROUP BY holder").fetchall():
            p = parties.setdefault(str(holder), Party(str(holder)))
            p.charges, p.confirmed, p.proposed, p.referral = int(n), int(confirmed), int(proposed), bool(referral)
    if "leads" in have:
        for holder, n in con.execute("SELECT holder, count(*) FROM leads GROUP BY holder").fetchall():
            parties.setdefault(str(holder), Party(str(holder))).leads = int(n)
    rows = {}
    for kind in KINDS:
        if rows_table(kind) in have:
            row = con.execute(f"SELECT count(*) FROM {quote_ident(rows_table(kind))}").fetchone()
            if row and row[0]:
                rows[kind] = int(row[0])
    files_row = con.execute("SELECT count(*) FROM evidence").fetchone() if "evidence" in have else None
    ranked = sorted(parties.values(), key=lambda p: (p.rank is None, p.rank or 0, -p.charges, p.holder))
    return Overview(
        parties=ranked, phase=phase, rows=rows, files=int(files_row[0]) if files_row else 0,
        charges=sum(p.charges for p in ranked), confirmed=sum(p.confirmed for p in ranked),
        leads=sum(p.leads for p in ranked), analysed=analysed)


def _known(con: duckdb.DuckDBPyConnection, have: set[str], holder: str) -> bool:
    """Whether the case knows the party (a party page for any other name is not found)."""
    for table in ("charges", "targets", "leads", "evidence"):
        if table in have and con.execute(
                f"SELECT 1 FROM {quote_ident(table)} WHERE holder = ? LIMIT 1", [holder]).fetchone():
            return True
    return False


def _decoded(d: dict[str, Any]) -> dict[str, Any]:
    """A charge row as ``charges.review.list_charges`` gives it: JSON columns parsed, ``id`` set."""
    for k in ("provisions", "scale", "strength_reasons", "rebuttal", "evidence_query"):
        d[k] = json.loads(d[k]) if d.get(k) else None
    d["id"] = d["charge_id"]
    return d


def party(case: Case, holder: str) -> dict[str, Any] | None:
    """The party's charges (facts and quotes masked) with their representative evidence, its leads,
    PI, behaviour and campaigns, all read on one connection; None for a party the case does not know."""
    with connect(case) as con:
        have = present(con)
        if not _known(con, have, holder):
            return None
        red = redactor(case, con)
        analysed = "charges" in have
        charges: list[dict[str, Any]] = []
        leads: list[dict[str, Any]] = []
        evidence: dict[str, list[dict[str, Any]]] = {}
        if analysed:
            charges = [_decoded(d) for d in _rows(con.execute(
                T.CHARGES.select() + " WHERE holder = ? ORDER BY holder, conduct, charge_id", [holder]))]
            if "charge_evidence" in have:
                for d in _rows(con.execute(
                        "SELECT e.charge_id, e.rank, e.kind, e.evidence_sha256, e.file_name, e.sheet, e.row_no, "
                        "e.quote, e.note_zh, e.note_en FROM charge_evidence e JOIN charges c USING (charge_id) "
                        "WHERE c.holder = ? ORDER BY e.charge_id, e.rank", [holder])):
                    d["quote"] = red.text(d["quote"])
                    evidence.setdefault(str(d["charge_id"]), []).append(d)
            if "leads" in have:
                leads = _rows(con.execute(T.LEADS.select() + " WHERE holder = ? ORDER BY holder, conduct", [holder]))
        extra = _party_figures(con, holder, red, have)
    for c in charges:
        c["facts_zh"], c["facts_en"] = red.text(c.get("facts_zh")), red.text(c.get("facts_en"))
        c["review_reason"] = red.text(c.get("review_reason"))
        c["evidence"] = evidence.get(str(c["charge_id"]), [])
        c["scale_text"] = json.dumps(c.get("scale") or {}, ensure_ascii=False)
    for lead in leads:
        lead["reason_zh"], lead["reason_en"] = red.text(lead.get("reason_zh")), red.text(lead.get("reason_en"))
    return {"charges": charges, "leads": leads, "analysed": analysed, **extra}


_parties: StoreCache[dict[str, Any] | None] = StoreCache(256)


def party_page(case: Case, holder: str) -> dict[str, Any] | None:
    """``party``, kept per state of the store (masked: the same for every member)."""
    return _parties.get(case, holder, lambda: party(case, holder))


BEHAVIOUR = ("calls", "active_days", "calls_per_day", "distinct_callees", "answer_rate", "short_share",
             "max_concurrent", "outside_hours_share", "calls_after_objection")


def _party_figures(con: duckdb.DuckDBPyConnection, holder: str, red: Redactor, have: set[str]) -> dict[str, Any]:
    """PI held by category (whole holder), its calling behaviour, and the campaigns it took part in."""
    pi: list[tuple[str, int, int]] = []
    if "pi_inventory" in have:
        pi = [(str(c), int(t), int(n)) for c, t, n in con.execute(
            "SELECT category, tier, subjects FROM pi_inventory WHERE holder = ? AND evidence_sha256 IS NULL "
            "ORDER BY tier, subjects DESC", [holder]).fetchall()]
    behaviour: dict[str, Any] = {}
    if "behaviour_holders" in have:
        cols = ", ".join(quote_ident(c) for c in BEHAVIOUR)
        row = con.execute(f"SELECT {cols} FROM behaviour_holders WHERE holder = ?", [holder]).fetchone()
        if row:
            behaviour = {c: v for c, v in zip(BEHAVIOUR, row, strict=True) if v is not None}
    campaigns: list[dict[str, Any]] = []
    if "campaigns" in have:
        cur = con.execute(
            "SELECT campaign_id, kind, template, messages, peak_day, peak_count FROM campaigns "
            "WHERE list_contains(CAST(holders AS VARCHAR[]), ?) ORDER BY messages DESC LIMIT 20", [holder])
        names = [d[0] for d in cur.description]
        for r in cur.fetchall():
            d = dict(zip(names, r, strict=True))
            d["template"] = red.text(d["template"])
            campaigns.append(d)
    return {"pi": pi, "behaviour": behaviour, "campaigns": campaigns}
