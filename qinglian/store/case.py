"""The case workspace: a folder holding case.toml, evidence/, case.duckdb, custody.jsonl, reports/."""

from __future__ import annotations

import os
import re
import tomllib
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from qinglian.errors import QinglianError
from qinglian.store import custody, digest, lock, wal
from qinglian.store.db import in_transaction, one
from qinglian.store.schema import all_ddl

SCHEMA_VERSION = 3


def _toml_str(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


@dataclass(frozen=True)
class Case:
    root: Path

    @property
    def toml_path(self) -> Path:
        return self.root / "case.toml"

    @property
    def evidence_dir(self) -> Path:
        return self.root / "evidence"

    @property
    def db_path(self) -> Path:
        return self.root / "case.duckdb"

    @property
    def custody_path(self) -> Path:
        return self.root / "custody.jsonl"

    @property
    def reports_dir(self) -> Path:
        return self.root / "reports"

    @property
    def tmp_dir(self) -> Path:
        return self.root / ".tmp"

    def meta(self) -> dict[str, Any]:
        with self.toml_path.open("rb") as fh:
            return tomllib.load(fh)

    @property
    def name(self) -> str:
        return str(self.meta().get("name", self.root.name))

    @property
    def packs(self) -> tuple[str, ...]:
        """The industry packs the case chose (qinglian/packs); loans for a case made before packs."""
        from qinglian.packs import case_pack_names

        return case_pack_names(self.meta())

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection to case.duckdb under the case's lock (shared to read, exclusive to write).

        The first writer to open a case after a crash completes or rolls back what the crashed
        one left (see ``wal``); when the outermost writer lets go, the custody entries it wrote
        are settled: appended to custody.jsonl where the store committed them, dropped where
        it rolled them back.
        """
        with lock.hold(self.root, exclusive=not read_only) as (hold, outermost):
            con = self._open(read_only)
            if not (outermost and hold.exclusive):
                try:
                    yield con
                finally:
                    con.close()
                return
            try:
                self._recover(con, hold)
                wal.write(self.root, hold.pending)  # a change may start: recovery will look
            except BaseException:
                con.close()
                raise
            try:
                yield con
            finally:
                self._release(con, hold)

    def _open(self, read_only: bool) -> duckdb.DuckDBPyConnection:
        try:
            con = duckdb.connect(str(self.db_path), read_only=read_only)
        except duckdb.IOException as exc:
            raise QinglianError(
                "案件库正被另一个程序使用，无法打开",
                "the case store is in use by another program",
                file=str(self.db_path),
                hint_zh="等其他 qinglian 命令结束后再试",
                hint_en="wait for the other qinglian command to finish, then retry",
            ) from exc
        if not read_only:
            _private(self.db_path)
        con.execute("SET enable_progress_bar = false")
        return con

    def _release(self, con: duckdb.DuckDBPyConnection, hold: lock.Hold) -> None:
        """Settle the entries this writer logged against what the store committed."""
        try:
            try:
                con.rollback()  # what closing does to an unfinished transaction
            except duckdb.TransactionException:
                pass
            head = read_head(con)
        finally:
            con.close()
        wal.settle(self.root, hold.pending, head[1] if head else None, crashed=False)
        hold.pending.clear()

    def _recover(self, con: duckdb.DuckDBPyConnection, hold: lock.Hold) -> None:
        """Finish or undo what a writer that died left, then record that in the custody log."""
        pending = wal.read(self.root)
        if pending is None:
            return
        head = read_head(con)
        done = wal.settle(self.root, pending, head[1] if head else None, crashed=True)
        stale = _stale_tables(con, custody.valid_entries(self.custody_path))
        if done.completed or done.rolled_back or done.swept or stale:
            self.log(
                "case.recover",
                {},
                details={
                    "completed": [e.get("seq") for e in done.completed],
                    "rolled_back": [e.get("action") for e in done.rolled_back],
                    "removed_leftovers": done.swept,
                    "note": "interrupted operation; tables below hold what it left" if stale else "",
                },
                con=con,
                tables=stale,
            )

    def log(
        self,
        action: str,
        args: dict[str, Any],
        *,
        user: str | None = None,
        details: dict[str, Any] | None = None,
        con: duckdb.DuckDBPyConnection | None = None,
        tables: Sequence[str] | None = None,
        moves: Sequence[tuple[str, str]] = (),
    ) -> dict[str, Any]:
        """Write a custody entry for a change made on ``con``, with the digests of ``tables``
        (by default those the action writes, ``digest.tables_of``; tables not there are left out).

        The entry is written ahead (``wal``) and the head recorded in case.duckdb moves to it on
        ``con`` (in the caller's transaction, if one is open); custody.jsonl gets it when the
        writer lets go of the case and the store has committed it. ``moves`` are staged evidence
        files (``(staging, final)`` relative to the case folder) put in place with the entry.
        """
        if con is None:
            with self.connect() as c:
                return self.log(action, args, user=user, details=details, con=c, tables=tables, moves=moves)
        hold = lock.current(self.root)
        if hold is None or not hold.exclusive:
            # A connection opened without case.connect(): lock, write and settle at once.
            with lock.hold(self.root, exclusive=True) as (h, _):
                entry = self._write_ahead(con, h, action, args, user, details, tables, moves)
                head = read_head(con)
                wal.settle(self.root, h.pending, head[1] if head else None, crashed=False)
                h.pending.clear()
                return entry
        return self._write_ahead(con, hold, action, args, user, details, tables, moves)

    def _write_ahead(
        self,
        con: duckdb.DuckDBPyConnection,
        hold: lock.Hold,
        action: str,
        args: dict[str, Any],
        user: str | None,
        details: dict[str, Any] | None,
        tables: Sequence[str] | None,
        moves: Sequence[tuple[str, str]],
    ) -> dict[str, Any]:
        wal.crashpoint("log.start")
        details = dict(details or {})
        summaries = {}
        for name in digest.tables_of(action) if tables is None else tables:
            try:
                summaries[name] = digest.table_summary(con, name).as_json()
            except LookupError:
                continue  # not written by this run
        if summaries:
            details["tables"] = summaries
        head = read_head(con)
        hashes = [p["entry"]["hash"] for p in hold.pending]
        if head is not None and head[1] in hashes:
            # Entries after the head were rolled back with their transaction.
            del hold.pending[hashes.index(head[1]) + 1 :]
            prev: dict[str, Any] | None = hold.pending[-1]["entry"]
        else:
            hold.pending.clear()
            prev = custody.last_entry(self.custody_path)
        entry = custody.new_entry(prev, action, args, user=user, details=details)
        hold.pending.append({"entry": entry, "moves": [list(m) for m in moves]})
        wal.write(self.root, hold.pending)
        wal.crashpoint("log.written_ahead")
        own = not in_transaction(con)  # else settled when the writer lets go
        if own:
            con.begin()
        _set_head(con, entry)
        wal.crashpoint("log.head_moved")
        if own:
            # Not part of a larger change: committed now, so the entry goes to custody.jsonl
            # now (a reveal is on record before anything is revealed).
            con.commit()
            wal.settle(self.root, hold.pending, entry["hash"], crashed=False)
            hold.pending.clear()
            wal.write(self.root, hold.pending)
        return entry

    def head(self, con: duckdb.DuckDBPyConnection | None = None) -> tuple[int, str] | None:
        """The custody head (sequence number and hash of the last entry) the store holds: what
        a report or an anchor was made from. Pass ``con`` when a connection is already open."""
        if con is not None:
            return read_head(con)
        with self.connect(read_only=True) as c:
            return read_head(c)


def read_head(con: duckdb.DuckDBPyConnection) -> tuple[int, str] | None:
    """The custody head (seq, hash) the store holds on ``con``; None for a store being created."""
    try:
        row = one(con, "SELECT seq, hash FROM custody_head ORDER BY seq DESC LIMIT 1")
    except duckdb.CatalogException:  # a store being created
        return None
    return (int(row[0]), str(row[1])) if row else None


def _set_head(con: duckdb.DuckDBPyConnection, entry: dict[str, Any]) -> None:
    # One statement where the row exists, so an autocommitted move of the head is atomic.
    row = one(con, "UPDATE custody_head SET seq = ?, hash = ?", [entry["seq"], entry["hash"]])
    if not row or not row[0]:
        con.execute("INSERT INTO custody_head VALUES (?, ?)", [entry["seq"], entry["hash"]])


def _stale_tables(con: duckdb.DuckDBPyConnection, entries: list[dict[str, Any]]) -> list[str]:
    """Tables whose contents differ from the digest the custody log last gave them."""
    last: dict[str, dict[str, Any]] = {}
    for e in entries:
        tables = (e.get("details") or {}).get("tables")
        if isinstance(tables, dict):
            last.update({str(k): v for k, v in tables.items() if isinstance(v, dict)})
    stale = []
    for table, logged in sorted(last.items()):
        try:
            now = digest.table_summary(con, table)
        except LookupError:
            continue
        if now.sha256 != logged.get("sha256"):
            stale.append(table)
    return stale


def _private(path: Path, mode: int = 0o600) -> None:
    """Owner-only permissions on a file the case creates (no-op where already so)."""
    try:
        if path.exists() and path.stat().st_mode & 0o777 != mode:
            os.chmod(path, mode)
    except PermissionError:
        pass  # a case copied from another user: reading still works


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    for ddl in all_ddl():
        con.execute(ddl)


def init_case(root: Path, name: str, agency: str | None = None, user: str | None = None,
              packs: Sequence[str] = ()) -> Case:
    """Create a new case folder; refuses to touch an existing case. ``packs``: the industry packs
    (qinglian/packs) the case is analysed with; loans when none is given."""
    from qinglian.packs import check_names

    chosen = check_names(packs)  # an unknown pack is refused before anything is written
    root = Path(root)
    if (root / "case.toml").exists():
        raise QinglianError(
            "这里已经有一个案件",
            "a case already exists here",
            file=str(root),
            hint_zh="换一个目录，或直接使用现有案件",
            hint_en="choose another folder, or use the existing case",
        )
    if root.exists() and any(root.iterdir()):
        raise QinglianError(
            "目录不为空，不能在此新建案件",
            "the folder is not empty; a case cannot be created in it",
            file=str(root),
            hint_zh="指定一个新的或空的目录",
            hint_en="give a new or empty folder",
        )
    # Private from the start: the folder will hold seized personal information.
    root.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(root, 0o700)
    case = Case(root)
    case.evidence_dir.mkdir(mode=0o700)
    case.reports_dir.mkdir(mode=0o700)
    created = datetime.now(UTC).astimezone().isoformat(timespec="seconds")
    lines = [
        f"name = {_toml_str(name)}",
        f"agency = {_toml_str(agency or '')}",
        f"created = {_toml_str(created)}",
        f"id = {_toml_str(uuid.uuid4().hex)}",
        f"schema_version = {SCHEMA_VERSION}",
        f"packs = [{', '.join(_toml_str(p) for p in chosen)}]",
    ]
    fd = os.open(case.toml_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")
    with case.connect() as con:
        ensure_schema(con)
        case.log("case.init", {"name": name, "agency": agency, "packs": list(chosen)}, user=user, con=con)
    return case


def open_case(root: Path) -> Case:
    """Open an existing case, bringing its tables up to the current schema."""
    root = Path(root)
    case = Case(root)
    if not case.toml_path.exists():
        raise QinglianError(
            "这里没有案件（缺少 case.toml）",
            "no case here (case.toml is missing)",
            file=str(root),
            hint_zh="先运行 qinglian case init 目录 --name 案件名",
            hint_en="create one first: qinglian case init DIR --name NAME",
        )
    try:
        meta = case.meta()
    except tomllib.TOMLDecodeError as exc:
        raise QinglianError("case.toml 格式错误", "case.toml is malformed", file=str(case.toml_path)) from exc
    version = int(meta.get("schema_version", 0))
    if version > SCHEMA_VERSION:
        raise QinglianError(
            f"案件由更新版本的 qinglian 创建（schema {version}）",
            f"the case was made by a newer qinglian (schema {version})",
            file=str(root),
            hint_zh="请升级 qinglian",
            hint_en="upgrade qinglian",
        )
    with case.connect() as con:
        if version < SCHEMA_VERSION:
            _migrate(case, con, version)
        ensure_schema(con)
    return case


def _migrate(case: Case, con: duckdb.DuckDBPyConnection, version: int) -> None:
    """Rebuild what changed since `version` (all or nothing), then record the new version."""
    from qinglian.store.migrate import rebuild_record_tables

    con.begin()
    try:
        rebuilt = rebuild_record_tables(con)
        con.commit()
    except BaseException:
        con.rollback()
        raise
    text = case.toml_path.read_text(encoding="utf-8")
    line = f"schema_version = {SCHEMA_VERSION}"
    new, n = re.subn(r"(?m)^schema_version\s*=.*$", line, text)
    if n == 0:
        new = text.rstrip("\n") + "\n" + line + "\n"
    tmp = case.toml_path.with_name(case.toml_path.name + ".tmp")
    tmp.write_text(new, encoding="utf-8")
    _private(tmp)
    os.replace(tmp, case.toml_path)
    case.log("case.migrate", {"from": version, "to": SCHEMA_VERSION, "rebuilt": rebuilt}, con=con)
