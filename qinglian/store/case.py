"""The case workspace: a folder holding case.toml, evidence/, case.duckdb, custody.jsonl, reports/."""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from qinglian.errors import QinglianError
from qinglian.store import custody
from qinglian.store.db import one
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

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection to case.duckdb; a locked store becomes a clear error."""
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
        con.execute("SET enable_progress_bar = false")
        try:
            yield con
        finally:
            con.close()

    def log(
        self,
        action: str,
        args: dict[str, Any],
        *,
        user: str | None = None,
        details: dict[str, Any] | None = None,
        con: duckdb.DuckDBPyConnection | None = None,
    ) -> dict[str, Any]:
        """Append to the custody log and move the head recorded in case.duckdb."""
        entry = custody.append(self.custody_path, action, args, user=user, details=details)
        if con is not None:
            _set_head(con, entry)
        else:
            with self.connect() as c:
                _set_head(c, entry)
        return entry

    def head(self) -> tuple[int, str] | None:
        with self.connect(read_only=True) as con:
            row = one(con, "SELECT seq, hash FROM custody_head")
        return (int(row[0]), str(row[1])) if row else None


def _set_head(con: duckdb.DuckDBPyConnection, entry: dict[str, Any]) -> None:
    con.execute("DELETE FROM custody_head")
    con.execute("INSERT INTO custody_head VALUES (?, ?)", [entry["seq"], entry["hash"]])


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    for ddl in all_ddl():
        con.execute(ddl)


def init_case(root: Path, name: str, agency: str | None = None, user: str | None = None) -> Case:
    """Create a new case folder; refuses to touch an existing case."""
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
    root.mkdir(parents=True, exist_ok=True)
    case = Case(root)
    case.evidence_dir.mkdir()
    case.reports_dir.mkdir()
    created = datetime.now(UTC).astimezone().isoformat(timespec="seconds")
    lines = [
        f"name = {_toml_str(name)}",
        f"agency = {_toml_str(agency or '')}",
        f"created = {_toml_str(created)}",
        f"schema_version = {SCHEMA_VERSION}",
    ]
    case.toml_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with case.connect() as con:
        ensure_schema(con)
        case.log("case.init", {"name": name, "agency": agency}, user=user, con=con)
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
    os.replace(tmp, case.toml_path)
    case.log("case.migrate", {"from": version, "to": SCHEMA_VERSION, "rebuilt": rebuilt}, con=con)
