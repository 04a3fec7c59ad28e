"""One lock covers the store and the custody log: a second writer is told the case is busy,
and writers that take turns never fork the chain."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from qinglian.errors import QinglianError
from qinglian.store import custody
from qinglian.store.case import Case, open_case
from tests.helpers import cli

ROOT = Path(__file__).resolve().parents[2]

HOLD = """
import sys, time
from pathlib import Path
from qinglian.store.case import Case
case = Case(Path(sys.argv[1]))
with case.connect():
    print("held", flush=True)
    time.sleep(float(sys.argv[2]))
"""

FLOCK = """
import fcntl, os, sys, time
fd = os.open(os.path.join(sys.argv[1], ".lock"), os.O_RDWR | os.O_CREAT, 0o600)
fcntl.flock(fd, fcntl.LOCK_EX)
print("held", flush=True)
time.sleep(float(sys.argv[2]))
"""

APPEND = """
import sys
from pathlib import Path
from qinglian.store.case import Case
case = Case(Path(sys.argv[1]))
for i in range(int(sys.argv[2])):
    while True:
        try:
            case.log("note", {"writer": sys.argv[3], "i": i})
            break
        except Exception as exc:  # busy: try again
            if "busy" not in str(getattr(exc, "en", exc)):
                raise
"""


def _hold(case_dir: Path, seconds: float, code: str = HOLD) -> subprocess.Popen[str]:
    p = subprocess.Popen(
        [sys.executable, "-c", code, str(case_dir), str(seconds)], stdout=subprocess.PIPE, text=True, cwd=ROOT
    )
    assert p.stdout is not None and p.stdout.readline().strip() == "held"
    return p


def test_second_writer_is_told_the_case_is_busy(
    case_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("QINGLIAN_LOCK_WAIT", "0.2")
    f = tmp_path / "c.csv"
    f.write_text("姓名,手机号\n张三,13812345678\n")
    holder = _hold(case_dir, 30)
    try:
        with pytest.raises(QinglianError) as exc:
            open_case(case_dir).log("note", {})
        assert "案件正被其他操作使用" in exc.value.zh and "busy" in exc.value.en
        capsys.readouterr()
        assert cli("ingest", case_dir, f, "--holder", "甲") == 2
        assert "案件正被其他操作使用" in capsys.readouterr().err
        with pytest.raises(QinglianError):  # a reader waits for the writer too
            with Case(case_dir).connect(read_only=True):
                pass
    finally:
        holder.kill()
        holder.wait()
    assert cli("ingest", case_dir, f, "--holder", "甲") == 0  # free again once the holder is gone


def test_writer_waits_a_moment_for_the_case(case_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QINGLIAN_LOCK_WAIT", "20")
    holder = _hold(case_dir, 1.0)
    try:
        t0 = time.monotonic()
        open_case(case_dir).log("note", {})
        assert time.monotonic() - t0 > 0.3
    finally:
        holder.wait()


def test_pi_logs_under_the_lock(case_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`pi` used to append to custody.jsonl before taking the store's lock: with only the case's
    lock held elsewhere (the store itself free), it must write nothing."""
    f = tmp_path / "c.csv"
    f.write_text("姓名,手机号\n张三,13812345678\n")
    assert cli("ingest", case_dir, f, "--holder", "甲") == 0
    size = (case_dir / "custody.jsonl").stat().st_size
    monkeypatch.setenv("QINGLIAN_LOCK_WAIT", "0.2")
    holder = _hold(case_dir, 30, FLOCK)
    try:
        assert cli("pi", case_dir) == 2
    finally:
        holder.kill()
        holder.wait()
    assert (case_dir / "custody.jsonl").stat().st_size == size


def test_concurrent_writers_keep_one_chain(case_dir: Path) -> None:
    env = dict(os.environ, QINGLIAN_LOCK_WAIT="0.05")
    procs = [
        subprocess.Popen([sys.executable, "-c", APPEND, str(case_dir), "15", w], cwd=ROOT, env=env)
        for w in ("a", "b", "c")
    ]
    for p in procs:
        assert p.wait(timeout=300) == 0
    entries = custody.read_entries(case_dir / "custody.jsonl")
    assert len(entries) == 1 + 45
    assert [e["seq"] for e in entries] == list(range(1, 47))
    head = open_case(case_dir).head()
    assert custody.check_chain(case_dir / "custody.jsonl", head) == []
