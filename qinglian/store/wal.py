"""Write-ahead record of a change to a case, and recovery after a crash.

A writer keeps ``CASE/.wal.json`` while it holds the case's lock: written empty when it starts,
then, before each custody entry becomes visible in the store, with that entry and the staged
evidence files it brings. The store's ``custody_head`` is the commit point: it moves in the
same transaction as the change. When the writer lets go (or, after a crash, when the next one
opens the case), ``settle`` reads the committed head and completes every pending entry up to
it (moves its evidence into place, appends it to custody.jsonl) and rolls back the rest
(removes staged files); leftovers of an interrupted ingest (``*.staging``, unpacked archives,
empty folders) go too.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qinglian.store import custody

WAL_NAME = ".wal.json"
STAGING_SUFFIX = ".staging"


_passed: dict[str, int] = {}


def crashpoint(name: str) -> None:
    """Die here, as kill -9 would, when QINGLIAN_CRASH_AT names this point (``name`` or
    ``name#n`` for its n-th passage): the crash tests kill a writer at every step."""
    want = os.environ.get("QINGLIAN_CRASH_AT")
    if not want or not want.startswith(name):
        return
    _passed[name] = _passed.get(name, 0) + 1
    if want == name or want == f"{name}#{_passed[name]}":
        os.kill(os.getpid(), signal.SIGKILL)


def wal_path(root: Path) -> Path:
    return Path(root) / WAL_NAME


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write(root: Path, pending: Sequence[dict[str, Any]]) -> None:
    """Replace the write-ahead record, durably (temporary file, fsync, rename, fsync folder)."""
    final = wal_path(root)
    tmp = final.with_name(final.name + ".tmp")
    data = json.dumps({"pid": os.getpid(), "pending": list(pending)}, ensure_ascii=False).encode()
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    crashpoint("wal.tmp")
    os.replace(tmp, final)
    _fsync_dir(final.parent)


def read(root: Path) -> list[dict[str, Any]] | None:
    """The pending entries of an interrupted writer; None when no change was underway."""
    path = wal_path(root)
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        pending = data.get("pending", []) if isinstance(data, dict) else []
        return [p for p in pending if isinstance(p, dict) and isinstance(p.get("entry"), dict)]
    except (OSError, ValueError):
        return []  # a record cut short was never acted on: nothing of it is committed


def clear(root: Path) -> None:
    wal_path(root).unlink(missing_ok=True)
    wal_path(root).with_name(WAL_NAME + ".tmp").unlink(missing_ok=True)


@dataclass
class Settled:
    completed: list[dict[str, Any]] = field(default_factory=list)  # entries now in custody.jsonl
    rolled_back: list[dict[str, Any]] = field(default_factory=list)
    swept: int = 0  # leftover staged files and folders removed


def _finish_move(root: Path, staging: str, final: str) -> None:
    src, dst = root / staging, root / final
    if src.exists():
        os.replace(src, dst)
    if dst.exists():
        os.chmod(dst, 0o400)


def sweep(root: Path) -> int:
    """Remove what an interrupted or refused ingest left: staged copies, unpacked archives and
    the folders they emptied. Only called by the holder of the case's exclusive lock."""
    removed = 0
    evidence = root / "evidence"
    if evidence.is_dir():
        for sub in sorted(evidence.iterdir()):
            if not sub.is_dir() or sub.is_symlink():
                continue
            for p in sub.iterdir():
                if p.name.endswith(STAGING_SUFFIX) and p.is_file():
                    p.unlink()
                    removed += 1
            if not any(sub.iterdir()):
                sub.rmdir()
                removed += 1
    tmp = root / ".tmp"
    if tmp.is_dir() and not tmp.is_symlink():
        shutil.rmtree(tmp, ignore_errors=True)
        removed += 1
    return removed


def settle(
    root: Path, pending: Sequence[dict[str, Any]], head_hash: str | None, *, crashed: bool
) -> Settled:
    """Complete the pending entries up to the committed head, roll back the others, clean up.

    ``pending`` items are ``{"entry": custody entry, "moves": [[staging, final], ...]}`` with paths
    relative to the case folder, in the order written; each entry chains to the one before.
    """
    root = Path(root)
    log = root / "custody.jsonl"
    done = Settled()
    k = next((i for i, p in enumerate(pending) if p["entry"].get("hash") == head_hash), -1)
    committed, dropped = list(pending[: k + 1]), list(pending[k + 1 :])
    for item in committed:
        for staging, final in item.get("moves", []):
            _finish_move(root, staging, final)
    crashpoint("settle.moved")
    if committed:
        if crashed:
            custody.repair_tail(log)
        last = custody.last_entry(log)
        last_hash = last.get("hash") if last else custody.GENESIS
        hashes = [p["entry"].get("hash") for p in committed]
        if last_hash in hashes:
            start = hashes.index(last_hash) + 1
        elif committed[0]["entry"].get("prev") == last_hash:
            start = 0
        else:
            start = len(committed)  # the log moved on by another way; verify will say so
        for item in committed[start:]:
            custody.append_entry(log, item["entry"])
            crashpoint("settle.appended")
        done.completed = [p["entry"] for p in committed]
    for item in dropped:
        for staging, _ in item.get("moves", []):
            (root / staging).unlink(missing_ok=True)
        done.rolled_back.append(item["entry"])
    if crashed:
        done.swept = sweep(root)
    clear(root)
    crashpoint("settle.cleared")
    return done
