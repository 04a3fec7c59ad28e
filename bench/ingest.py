"""Ingest benchmark: a generated call-log CSV (UTF-8 and GBK) into a fresh case each.

Prints rows/s, seconds and peak RSS of each ingest (run in a child process so RSS is its own),
and the ratio to DuckDB's bare read_csv of the same UTF-8 file, measured in the same run.
Targets (2-core machine): >= 500,000 rows/s UTF-8 including normalisation and
provenance; GBK within 1.5x of UTF-8; peak RSS < 2 GB.

    python bench/ingest.py [--rows 5000000] [--repeat 3] [--workdir DIR [--reuse]] [--profile]

--profile adds one ingest of the UTF-8 file that prints wall and CPU seconds per SQL
statement and per step (hash, copy), to see where the time goes.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

HEADERS = ["主叫号码", "被叫号码", "开始时间", "通话时长", "接通状态", "意向等级", "客户说话次数", "任务名称", "坐席账号"]


def generate(path: Path, rows: int, seed: int = 1) -> None:
    """A realistic dialer export: mixed duration forms, Chinese statuses, grades and tasks."""
    rng = np.random.default_rng(seed)
    chunk = 1_000_000
    writer: pacsv.CSVWriter | None = None
    start = np.datetime64("2025-07-01T08:00:00")
    for off in range(0, rows, chunk):
        n = min(chunk, rows - off)
        callers = (rng.integers(0, 500, n) + 2150000000).astype(str)
        callers = np.char.add("0", callers)
        callees = rng.integers(13000000000, 19999999999, n).astype(str)
        secs = rng.integers(0, 30 * 86400, n)
        times = (start + secs.astype("timedelta64[s]")).astype(str)
        times = np.char.replace(times, "T", " ")
        dur = rng.integers(0, 400, n)
        form = rng.integers(0, 3, n)
        d_plain = dur.astype(str)
        d_cn = np.char.add(np.char.add((dur // 60).astype(str), "分"), np.char.add((dur % 60).astype(str), "秒"))
        d_hms = np.char.add(
            "00:", np.char.add(np.char.zfill((dur // 60).astype(str), 2), np.char.add(":", np.char.zfill((dur % 60).astype(str), 2)))
        )
        durations = np.where(form == 0, d_plain, np.where(form == 1, d_cn, d_hms))
        answered = np.where(dur > 0, "已接通", "未接通")
        grade = np.array(["A", "B", "C", "D"])[rng.integers(0, 4, n)]
        turns = rng.integers(0, 12, n).astype(str)
        task = np.char.add("贷款外呼任务", rng.integers(1, 50, n).astype(str))
        seat = np.char.add("zx", rng.integers(1, 200, n).astype(str))
        table = pa.table(
            {h: pa.array(v) for h, v in zip(HEADERS, [callers, callees, times, durations, answered, grade, turns, task, seat], strict=True)}
        )
        if writer is None:
            writer = pacsv.CSVWriter(str(path), table.schema, write_options=pacsv.WriteOptions(quoting_style="none"))
        writer.write_table(table)
    assert writer is not None
    writer.close()


def to_gbk(src: Path, dst: Path) -> None:
    with src.open("r", encoding="utf-8") as fi, dst.open("w", encoding="gbk", newline="") as fo:
        shutil.copyfileobj(fi, fo, 1 << 22)


# VmHWM: the child's own peak. ru_maxrss survives exec on Linux, so a child started from the
# bench (which held the generated columns) would report the bench's peak.
PEAK_RSS = """
def peak_rss_mb():
    try:
        for line in open("/proc/self/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
"""

CHILD = """
import json, resource, sys, time
""" + PEAK_RSS + """from pathlib import Path
from qinglian.store.case import init_case
from qinglian.ingest.api import IngestOptions, ingest_files
case = init_case(Path(sys.argv[1]), "bench", user="bench")
r0 = resource.getrusage(resource.RUSAGE_SELF)
t0 = time.perf_counter()
res = ingest_files(case, [Path(sys.argv[2])], IngestOptions(holder="bench", user="bench"))
dt = time.perf_counter() - t0
r1 = resource.getrusage(resource.RUSAGE_SELF)
cpu = r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime
print(json.dumps({"seconds": dt, "cpu_s": cpu, "rows": res.rows, "rss_mb": peak_rss_mb()}))
"""

DUCK = """
import json, resource, sys, time, duckdb
""" + PEAK_RSS + """r0 = resource.getrusage(resource.RUSAGE_SELF)
t0 = time.perf_counter()
con = duckdb.connect()
con.execute("CREATE TABLE t AS SELECT * FROM read_csv(?, all_varchar=true)", [sys.argv[1]])
n = con.execute("SELECT count(*) FROM t").fetchone()[0]
dt = time.perf_counter() - t0
r1 = resource.getrusage(resource.RUSAGE_SELF)
cpu = r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime
print(json.dumps({"seconds": dt, "cpu_s": cpu, "rows": n, "rss_mb": peak_rss_mb()}))
"""


PROFILE = """
import contextlib, json, resource, sys, time
from pathlib import Path
import qinglian.ingest.api as api
import qinglian.store.evidence as ev
from qinglian.store.case import Case, init_case

def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime

steps = []
def timed(label, fn):
    def wrapper(*a, **k):
        t, c = time.perf_counter(), cpu()
        try:
            return fn(*a, **k)
        finally:
            steps.append((time.perf_counter() - t, cpu() - c, label(a) if callable(label) else label))
    return wrapper

class Con:
    def __init__(self, con):
        self._con = con
    def __getattr__(self, name):
        return getattr(self._con, name)
    def execute(self, sql, params=None):
        f = timed(" ".join(sql.split())[:90], self._con.execute)
        return f(sql) if params is None else f(sql, params)
    def commit(self):
        return timed("COMMIT", self._con.commit)()

plain_connect = Case.connect
@contextlib.contextmanager
def connect(self, read_only=False):
    with plain_connect(self, read_only) as con:
        yield Con(con)
Case.connect = connect
ev.digest_file = timed("sha256 of the file", ev.digest_file)
ev.stage = timed("copy into evidence/", ev.stage)
case = init_case(Path(sys.argv[1]), "bench", user="bench")
steps.clear()
t0, c0 = time.perf_counter(), cpu()
res = api.ingest_files(case, [Path(sys.argv[2])], api.IngestOptions(holder="bench", user="bench"))
print(f"ingest: {time.perf_counter() - t0:.2f} s wall, {cpu() - c0:.2f} s CPU, {res.rows:,} rows")
for wall, c, label in steps:
    if wall >= 0.01:
        print(f"  {wall:7.2f} s wall {c:7.2f} s CPU  {label}")
"""


def child(code: str, *args: str) -> dict[str, float]:
    out = subprocess.run([sys.executable, "-c", code, *args], check=True, capture_output=True, text=True)
    figures: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return figures


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=5_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--workdir", type=Path, default=None)
    ap.add_argument("--reuse", action="store_true", help="keep the files already generated in --workdir")
    ap.add_argument("--profile", action="store_true", help="also print where one UTF-8 ingest spends its time")
    a = ap.parse_args()
    work = Path(a.workdir or tempfile.mkdtemp(prefix="qinglian-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    utf8, gbk = work / "calls_utf8.csv", work / "calls_gbk.csv"
    marker = work / "rows.txt"
    if a.reuse and utf8.exists() and gbk.exists() and marker.exists() and marker.read_text().strip() == str(a.rows):
        print(f"reusing the {a.rows:,}-row files in {work}")
    else:
        t0 = time.perf_counter()
        generate(utf8, a.rows)
        to_gbk(utf8, gbk)
        marker.write_text(str(a.rows))
        print(f"generated {a.rows:,} rows ({utf8.stat().st_size / 1e6:.0f} MB UTF-8) in {time.perf_counter() - t0:.1f} s")
    if a.profile:
        case = work / "case-profile"
        shutil.rmtree(case, ignore_errors=True)
        out = subprocess.run([sys.executable, "-c", PROFILE, str(case), str(utf8)], check=True, capture_output=True, text=True)
        print(out.stdout, end="")
        shutil.rmtree(case, ignore_errors=True)
    results: dict[str, list[dict[str, float]]] = {"duckdb read_csv": [], "ingest UTF-8": [], "ingest GBK": []}
    for i in range(a.repeat):
        results["duckdb read_csv"].append(child(DUCK, str(utf8)))
        for label, f in (("ingest UTF-8", utf8), ("ingest GBK", gbk)):
            case = work / f"case-{label.split()[-1]}-{i}"
            shutil.rmtree(case, ignore_errors=True)
            r = child(CHILD, str(case), str(f))
            assert r["rows"] == a.rows, r
            results[label].append(r)
            shutil.rmtree(case, ignore_errors=True)
    med = {k: statistics.median(r["seconds"] for r in v) for k, v in results.items()}
    rss = {k: max(r["rss_mb"] for r in v) for k, v in results.items()}
    cpu = {k: statistics.median(r["cpu_s"] for r in v) for k, v in results.items()}
    # CPU seconds (user + system, all threads) are less disturbed than wall time when other
    # work shares the machine; wall / CPU near 0.5 means both cores of a 2-core machine worked.
    print(f"{'step':<18}{'median s':>10}{'rows/s':>14}{'CPU s':>9}{'peak RSS MB':>14}")
    for k in results:
        print(f"{k:<18}{med[k]:>10.2f}{a.rows / med[k]:>14,.0f}{cpu[k]:>9.2f}{rss[k]:>14,.0f}")
    print(f"ratio ingest UTF-8 / duckdb read_csv time: {med['ingest UTF-8'] / med['duckdb read_csv']:.2f}x")
    print(f"ratio ingest GBK / ingest UTF-8 time:      {med['ingest GBK'] / med['ingest UTF-8']:.2f}x (target <= 1.5)")
    print(f"targets: UTF-8 >= 500,000 rows/s -> {'met' if a.rows / med['ingest UTF-8'] >= 500_000 else 'NOT met'}; "
          f"peak RSS < 2048 MB -> {'met' if max(rss['ingest UTF-8'], rss['ingest GBK']) < 2048 else 'NOT met'}")
    if a.workdir is None:
        shutil.rmtree(work, ignore_errors=True)
    _ = resource


if __name__ == "__main__":
    main()
