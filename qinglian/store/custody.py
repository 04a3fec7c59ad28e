"""custody.jsonl: an append-only, hash-chained log of every action on a case.

Each entry holds the SHA-256 of the previous entry (``prev``) and its own ``hash`` over
its canonical JSON without the ``hash`` key. The head (sequence number and hash of the
last entry) is also kept in case.duckdb, so removing entries from the end is caught.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import os
import signal
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from qinglian import __version__

GENESIS = "0" * 64


def current_user(explicit: str | None = None) -> str:
    if explicit:
        return explicit
    env = os.environ.get("QINGLIAN_USER")
    if env:
        return env
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no user database in some containers
        return "unknown"


def _canonical(entry: dict[str, Any]) -> bytes:
    body = {k: v for k, v in entry.items() if k != "hash"}
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def entry_hash(entry: dict[str, Any]) -> str:
    return hashlib.sha256(_canonical(entry)).hexdigest()


def read_entries(path: Path) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    if not path.exists():
        return entries
    with path.open("r", encoding="utf-8") as fh:
        for line in fh:
            line = line.strip()
            if line:
                entries.append(json.loads(line))
    return entries


def valid_entries(path: Path) -> list[dict[str, Any]]:
    """The entries that parse as JSON objects, skipping any that do not (``check_chain`` says
    which); for readers that must go on over a damaged log."""
    entries: list[dict[str, Any]] = []
    if not path.exists():
        return entries
    with path.open("r", encoding="utf-8", errors="replace") as fh:
        for line in fh:
            try:
                entry = json.loads(line) if line.strip() else None
            except ValueError:
                continue
            if isinstance(entry, dict):
                entries.append(entry)
    return entries


def read_entries_lenient(path: Path) -> int:
    """Number of non-blank lines (entries, valid or not)."""
    if not path.exists():
        return 0
    with path.open("r", encoding="utf-8", errors="replace") as fh:
        return sum(1 for line in fh if line.strip())


def last_entry(path: Path) -> dict[str, Any] | None:
    """The last entry, read from the end of the file (the log can be long)."""
    if not path.exists() or path.stat().st_size == 0:
        return None
    with path.open("rb") as fh:
        fh.seek(0, os.SEEK_END)
        size = fh.tell()
        chunk = 4096
        data = b""
        while size > 0:
            step = min(chunk, size)
            size -= step
            fh.seek(size)
            data = fh.read(step) + data
            lines = [ln for ln in data.split(b"\n") if ln.strip()]
            if len(lines) >= 2 or size == 0:
                return json.loads(lines[-1]) if lines else None
            chunk *= 2
    return None


def new_entry(
    prev: dict[str, Any] | None,
    action: str,
    args: dict[str, Any],
    *,
    user: str | None = None,
    details: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The entry that follows ``prev`` (None: the first), with its hash; not written anywhere."""
    entry: dict[str, Any] = {
        "seq": (prev["seq"] + 1) if prev else 1,
        "time": datetime.now(UTC).astimezone().isoformat(timespec="seconds"),
        "user": current_user(user),
        "tool": f"qinglian {__version__}",
        "action": action,
        "args": args,
        "details": details or {},
        "prev": prev["hash"] if prev else GENESIS,
    }
    entry["hash"] = entry_hash(entry)
    return entry


def append_entry(path: Path, entry: dict[str, Any]) -> None:
    """Write one entry as a line at the end of the log, durably."""
    line = (json.dumps(entry, ensure_ascii=False, sort_keys=True) + "\n").encode()
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        if os.environ.get("QINGLIAN_CRASH_AT") == "custody.torn":
            os.write(fd, line[: len(line) // 2])  # a write cut short by a crash (crash tests)
            os.fsync(fd)
            os.kill(os.getpid(), signal.SIGKILL)
        os.write(fd, line)
        os.fsync(fd)
    finally:
        os.close(fd)


def repair_tail(path: Path) -> bool:
    """Cut a last line that a crash left unfinished (no newline); True when one was cut.
    Only for recovery of a pending write: a finished entry always ends with a newline."""
    if not path.exists():
        return False
    with path.open("rb+") as fh:
        fh.seek(0, os.SEEK_END)
        size = fh.tell()
        if size == 0:
            return False
        fh.seek(size - 1)
        if fh.read(1) == b"\n":
            return False
        keep = 0
        pos = size
        while pos > 0:
            step = min(4096, pos)
            pos -= step
            fh.seek(pos)
            nl = fh.read(step).rfind(b"\n")
            if nl >= 0:
                keep = pos + nl + 1
                break
        fh.truncate(keep)
        fh.flush()
        os.fsync(fh.fileno())
    return True


def append(
    path: Path,
    action: str,
    args: dict[str, Any],
    *,
    user: str | None = None,
    details: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Append one entry and return it (with its hash)."""
    entry = new_entry(last_entry(path), action, args, user=user, details=details)
    append_entry(path, entry)
    return entry


@dataclass(frozen=True)
class ChainProblem:
    line: int
    seq: int | None
    problem_zh: str
    problem_en: str


def check_chain(path: Path, head: tuple[int, str] | None) -> list[ChainProblem]:
    """Every break in the chain: edited, inserted, reordered or removed entries."""
    problems: list[ChainProblem] = []
    prev_hash = GENESIS
    expected_seq = 1
    last: dict[str, Any] | None = None
    if not path.exists():
        return [ChainProblem(0, None, "保管日志 custody.jsonl 不存在", "custody.jsonl is missing")]
    with path.open("r", encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:
                problems.append(ChainProblem(lineno, None, "该行不是有效的 JSON", "line is not valid JSON"))
                continue
            seq = entry.get("seq")
            if entry.get("hash") != entry_hash(entry):
                problems.append(
                    ChainProblem(
                        lineno, seq, "条目内容被修改（哈希不符）", "entry was edited (hash mismatch)"
                    )
                )
            if entry.get("prev") != prev_hash:
                problems.append(
                    ChainProblem(
                        lineno,
                        seq,
                        "与上一条目的链接断开（有条目被插入、删除或改动）",
                        "link to previous entry broken (entry inserted, removed or edited)",
                    )
                )
            if seq != expected_seq:
                problems.append(
                    ChainProblem(
                        lineno,
                        seq,
                        f"序号应为 {expected_seq}",
                        f"sequence number should be {expected_seq}",
                    )
                )
            prev_hash = str(entry.get("hash"))
            expected_seq = (seq if isinstance(seq, int) else expected_seq) + 1
            last = entry
    if head is not None:
        head_seq, head_hash = head
        if last is None or last.get("seq") != head_seq or last.get("hash") != head_hash:
            got = last.get("seq") if last else 0
            problems.append(
                ChainProblem(
                    0,
                    got,
                    f"日志末尾与案件库记录不符：应以第 {head_seq} 条结束，实际为第 {got} 条（末尾条目被删除或追加）",
                    f"log end does not match the case store: should end at entry {head_seq}, "
                    f"ends at {got} (entries removed or appended)",
                )
            )
    return problems
