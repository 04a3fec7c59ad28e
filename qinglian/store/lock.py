"""One lock per case (``CASE/.lock``, ``fcntl.flock``) that every writer of the store and the
custody log holds, so two writers can never interleave or fork the chain.

A writer holds it exclusively, a reader shared. It is re-entrant within a thread: nested
``case.connect()`` and ``case.log()`` calls reuse the lock the thread already holds. Each
acquisition opens its own descriptor, so flock also keeps other threads of the same process
out. A case held by someone else becomes a clear "case busy" error after a short wait.
"""

from __future__ import annotations

import errno
import fcntl
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qinglian.errors import QinglianError

LOCK_NAME = ".lock"
DEFAULT_WAIT_S = 3.0


def wait_seconds() -> float:
    """How long to wait for a busy case before giving up (QINGLIAN_LOCK_WAIT seconds)."""
    raw = os.environ.get("QINGLIAN_LOCK_WAIT")
    try:
        return max(0.0, float(raw)) if raw is not None else DEFAULT_WAIT_S
    except ValueError:
        return DEFAULT_WAIT_S


@dataclass
class Hold:
    """What one thread holds on one case: the descriptor, how deeply, and the custody entries
    written under it that are not in custody.jsonl yet (see ``case.Case.log``)."""

    fd: int
    exclusive: bool
    depth: int = 1
    pending: list[dict[str, Any]] = field(default_factory=list)


_local = threading.local()


def _held() -> dict[str, Hold]:
    held: dict[str, Hold] | None = getattr(_local, "held", None)
    if held is None:
        held = {}
        _local.held = held
    return held


def _key(root: Path) -> str:
    return str(Path(root).resolve())


def current(root: Path) -> Hold | None:
    """The lock this thread holds on the case, if any."""
    return _held().get(_key(root))


def busy_error(root: Path) -> QinglianError:
    return QinglianError(
        "案件正被其他操作使用 / case busy",
        "the case is busy: another qinglian operation is using it",
        file=str(root),
        hint_zh="等其他操作（导入、分析、报告或网页工作台的任务）结束后再试",
        hint_en="wait for the other operation (ingest, analysis, report or a workspace job) to finish, then retry",
    )


def _flock(fd: int, mode: int, root: Path) -> None:
    deadline = time.monotonic() + wait_seconds()
    while True:
        try:
            fcntl.flock(fd, mode | fcntl.LOCK_NB)
            return
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                raise
        if time.monotonic() >= deadline:
            raise busy_error(root)
        time.sleep(0.05)


def _open(root: Path) -> int:
    path = Path(root) / LOCK_NAME
    try:
        return os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    except PermissionError:
        # A read-only case (an archived copy): readers can still lock the file they may read.
        return os.open(path, os.O_RDONLY | os.O_CLOEXEC)


@contextmanager
def hold(root: Path, *, exclusive: bool) -> Iterator[tuple[Hold, bool]]:
    """Hold the case's lock; yields the hold and whether this call took it first (outermost)."""
    key = _key(root)
    held = _held()
    mine = held.get(key)
    if mine is not None:
        if exclusive and not mine.exclusive:
            _flock(mine.fd, fcntl.LOCK_EX, Path(root))  # upgrade; kept until the outermost release
            mine.exclusive = True
        mine.depth += 1
        try:
            yield mine, False
        finally:
            mine.depth -= 1
        return
    fd = _open(Path(root))
    try:
        _flock(fd, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH, Path(root))
    except BaseException:
        os.close(fd)
        raise
    mine = Hold(fd, exclusive)
    held[key] = mine
    try:
        yield mine, True
    finally:
        del held[key]
        os.close(fd)  # closing the last descriptor releases the flock
