"""Crash safety: a writer killed (SIGKILL, as kill -9) at each step of an ingest or an analysis
leaves a case that the next open completes or rolls back: `verify` accepts it, and it holds
all of the change or none of it."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import duckdb
import pytest

from qinglian.store import custody
from tests.helpers import cli, query

CALLS = "主叫,被叫号码,开始时间,通话时长\n02112345678,13812345678,2025-07-20 09:00,30\n02112345678,13912345678,2025-07-20 09:05,40\n"
MEMBER = "姓名,手机号\n张三,13812345678\n"

# Every named point on an ingest's way, with the passage that belongs to the ingest itself
# (opening the case passes some of them once before).
INGEST_POINTS = [
    "evidence.staging",  # a staged copy created, not yet filled
    "ingest.staged",  # rows inserted and originals staged, nothing written ahead
    "log.start",
    "wal.tmp#3",  # the write-ahead record half made (temporary file, not renamed)
    "log.written_ahead",  # entry written ahead, head not moved
    "log.head_moved",  # head moved inside the uncommitted transaction
    "ingest.committed",  # committed; evidence still staged, entry not in custody.jsonl
    "settle.moved#2",  # evidence moved in; entry not appended
    "custody.torn",  # the custody line half written
    "settle.appended",  # entry appended; write-ahead record still there
    "settle.cleared#2",  # all done, lock not yet let go
]
# Before the commit the change is undone; from the commit on it is completed.
COMMITTED_FROM = INGEST_POINTS.index("ingest.committed")


def _child(case_dir: Path, point: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, QINGLIAN_CRASH_AT=point)
    code = "import sys; from qinglian.cli import run; sys.exit(run(sys.argv[1:]))"
    return subprocess.run(
        [sys.executable, "-c", code, *args], env=env, capture_output=True, text=True, timeout=300,
        cwd=Path(__file__).resolve().parents[2],
    )


def _leftovers(case_dir: Path) -> list[str]:
    """Staged copies, unpacked archives, write-ahead records and empty folders."""
    out = []
    for p in case_dir.rglob("*"):
        rel = str(p.relative_to(case_dir))
        if p.name.endswith(".staging") or rel.startswith(".tmp") or p.name.startswith(".wal"):
            out.append(rel)
        elif p.is_dir() and not any(p.iterdir()) and rel not in ("reports", "evidence"):
            out.append(rel + "/")
    return sorted(out)


def _files(tmp_path: Path) -> list[Path]:
    f = tmp_path / "calls.csv"
    f.write_text(CALLS)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("名单.csv", MEMBER)
    z_path = tmp_path / "seized.zip"
    z_path.write_bytes(buf.getvalue())
    return [f, z_path]


def _verify_ok(case_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    code = cli("verify", case_dir)
    c = capsys.readouterr()
    assert code == 0, c.out + c.err


@pytest.mark.parametrize("point", INGEST_POINTS)
def test_ingest_killed_at_each_step(
    case_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], point: str
) -> None:
    files = _files(tmp_path)
    before = custody.read_entries(case_dir / "custody.jsonl")
    r = _child(case_dir, point, "ingest", str(case_dir), *map(str, files), "--holder", "甲公司")
    assert r.returncode == -9, (point, r.returncode, r.stderr[-2000:])

    _verify_ok(case_dir, capsys)  # opening the case recovers; verify accepts what is left
    calls = query(case_dir, "SELECT count(*) FROM calls")[0][0]
    customers = query(case_dir, "SELECT count(*) FROM customers")[0][0]
    evidence = query(case_dir, "SELECT stored_path FROM evidence")
    actions = [e["action"] for e in custody.read_entries(case_dir / "custody.jsonl")]
    assert (calls, customers) in ((0, 0), (2, 1)), point  # all or nothing
    assert bool(calls) == (INGEST_POINTS.index(point) >= COMMITTED_FROM), point
    if calls:
        assert len(evidence) == 3 and all((case_dir / str(p)).is_file() for (p,) in evidence)
        assert actions.count("ingest") == 1
    else:
        assert evidence == [] and "ingest" not in actions
        assert not [p for p in (case_dir / "evidence").rglob("*") if p.is_file()]
    assert actions[: len(before)] == [e["action"] for e in before]
    assert _leftovers(case_dir) == [], point

    # the case takes the same files again as if nothing happened (or knows it has them)
    capsys.readouterr()
    assert cli("ingest", case_dir, *files, "--holder", "甲公司") == 0
    out = capsys.readouterr().out
    if calls:
        assert "已导入过" in out
    assert query(case_dir, "SELECT count(*) FROM calls")[0][0] == 2
    assert query(case_dir, "SELECT count(*) FROM customers")[0][0] == 1
    _verify_ok(case_dir, capsys)


def test_ingest_crash_points_are_all_passed(case_dir: Path, tmp_path: Path) -> None:
    """Each named point is on the way of a normal ingest (a renamed point would make its crash
    test pass without crashing anything)."""
    files = _files(tmp_path)
    r = _child(case_dir, "none", "ingest", str(case_dir), *map(str, files), "--holder", "甲公司")
    assert r.returncode == 0, r.stderr
    code = (
        "import sys, runpy; from qinglian.store import wal; seen = []; real = wal.crashpoint\n"
        "def spy(name):\n    seen.append(name); real(name)\n"
        "wal.crashpoint = spy\n"
        "import qinglian.store.evidence as ev; ev.crashpoint = spy\n"
        "from qinglian.cli import run; run(sys.argv[1:]); print(seen)"
    )
    more = tmp_path / "more.csv"
    more.write_text(CALLS.replace("13812345678", "13712345678"))
    z = tmp_path / "more.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("b.csv", MEMBER.replace("张三", "李四"))
    out = subprocess.run(
        [sys.executable, "-c", code, "ingest", str(case_dir), str(more), str(z), "--holder", "乙公司"],
        capture_output=True, text=True, timeout=300, cwd=Path(__file__).resolve().parents[2],
    )
    seen = out.stdout.strip().splitlines()[-1]
    for point in INGEST_POINTS:
        if point != "custody.torn":
            assert repr(point.split("#")[0]) in seen, point
    assert seen.count("'wal.tmp'") >= 3 and seen.count("'settle.moved'") >= 2


ANALYSIS_POINTS = ["log.start", "log.written_ahead", "log.head_moved", "custody.torn", "settle.appended"]


@pytest.mark.parametrize("point", ANALYSIS_POINTS)
def test_analysis_killed_at_each_step(
    case_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], point: str
) -> None:
    """`pi` twice, the second time over more data and killed: the table it rewrote is either
    logged by its own entry or, where the entry never made it, by a recovery entry."""
    files = _files(tmp_path)
    assert cli("ingest", case_dir, *files, "--holder", "甲公司") == 0
    assert cli("pi", case_dir) == 0
    g = tmp_path / "more.csv"
    g.write_text("姓名,手机号,身份证号\n王五,13712345678,110101199003071234\n")
    assert cli("ingest", case_dir, g, "--holder", "甲公司") == 0
    r = _child(case_dir, point, "pi", str(case_dir))
    assert r.returncode == -9, (point, r.returncode, r.stderr[-2000:])
    _verify_ok(case_dir, capsys)
    entries = custody.read_entries(case_dir / "custody.jsonl")
    with duckdb.connect(str(case_dir / "case.duckdb"), read_only=True) as con:
        from qinglian.store.digest import table_summary

        now = table_summary(con, "pi_inventory").sha256
    last = [e for e in entries if "pi_inventory" in e["details"].get("tables", {})][-1]
    assert last["details"]["tables"]["pi_inventory"]["sha256"] == now
    assert last["action"] in ("pi", "case.recover")
    assert _leftovers(case_dir) == []
