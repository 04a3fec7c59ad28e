"""Web workspace load: N signed-in users over the overview, party, evidence-rows and search pages.

Starts ``qinglian serve`` on the cases folder in its own process (app data in a temporary
database, so the folder's own accounts are untouched), makes N viewer accounts on the case,
and drives them from threads for a fixed time; prints requests/s and p50/p95/p99 latency per
page, and errors. Target (2-core machine, a case of 1,000,000 rows, 20 users): p95 <= 300 ms on
every page, no errors. (locust is not a dependency: plain httpx clients in threads, each user
sending its next request as soon as the last one is answered, with no pause between them.)

Before the load, each page is asked for ``--serial`` times by one user alone (the latency of a
page without contention; the first of each is apart, as it fills the server's caches).

    python bench/web.py CASES [--make-case] [--case ID] [--users 20] [--seconds 30] [--port 8799]

``--make-case`` first builds the synthetic demo case (analysed, no report) in ``CASES/case`` at
``--scale`` (1.9 gives 1,035,488 record rows), replacing an earlier demo in CASES (a folder that
holds anything else is refused, as by ``qinglian demo --force``).
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

from qinglian.store.case import Case
from qinglian.web.cases import find_cases
from qinglian.web.reads import overview
from qinglian.web.users import add_user

PASSWORD = "bench password 1"
PAGES = ("overview", "party", "rows", "search")
TARGET_P95_MS = 300.0
WORDS = ("银行", "贷款", "不看征信", "低息贷款", "信用卡中心", "退订", "额度", "工商银行", "包过", "公积金")
_TAGS = re.compile(r"<[^>]*>|\s+")
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def _targets(case: Case) -> tuple[list[str], list[tuple[int, int]]]:
    """Parties to open, and sheets with their row counts to page through."""
    parties = [p.holder for p in overview(case).parties][:20]
    with case.connect(read_only=True) as con:
        sheets = [(int(sid), int(n)) for sid, n in con.execute(
            "SELECT s.sheet_id, count(*) FROM record_sheets s JOIN calls_rows r USING (sheet_id) GROUP BY 1 "
            "UNION ALL SELECT s.sheet_id, count(*) FROM record_sheets s JOIN sms_rows r USING (sheet_id) GROUP BY 1"
        ).fetchall()]
    return parties, sheets


def _make_case(cases: Path, scale: float) -> None:
    from qinglian.demo.run import run_demo

    started = time.perf_counter()
    result = run_demo(cases, scale=scale, force=True, report=False)
    print(f"made {result.case_dir}: {result.ingested_rows} record rows in {result.ingested_files} files, "
          f"analysed, {time.perf_counter() - started:.0f} s", flush=True)


def _quantiles(v: list[float]) -> tuple[float, float, float]:
    v = sorted(v)
    q = statistics.quantiles(v, n=100, method="inclusive") if len(v) > 1 else [v[0]] * 99
    return q[49], q[94], q[98]


def _sign_in(base: str, name: str) -> httpx.Client:
    c = httpx.Client(base_url=base, timeout=60)
    m = _CSRF.search(c.get("/login").text)
    assert m, "no sign-in form"
    r = c.post("/login", data={"name": name, "password": PASSWORD, "csrf": m.group(1)})
    assert r.status_code in (200, 303) and "ql_session" in c.cookies, f"sign-in failed for {name}"
    return c


def _cpu_seconds(pid: int) -> float:
    """User and system CPU time a process has used (Linux /proc; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _record_rows(case: Case) -> int:
    return sum(overview(case).rows.values())


def _wait_for_index(c: httpx.Client, cid: str, limit_s: float = 600) -> None:
    """Wait until search answers from the full-text index (the server builds it in the background)."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if "全文索引" in c.get(f"/cases/{cid}/search", params={"q": "预热检索"}).text:
            return
        time.sleep(1)
    print("the search index was not ready: searches scan the store", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("cases", type=Path)
    ap.add_argument("--case", default=None, help="case id or folder name (default: the first)")
    ap.add_argument("--users", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--port", type=int, default=8799)
    ap.add_argument("--serial", type=int, default=10, help="requests per page by one user alone, before the load")
    ap.add_argument("--make-case", action="store_true", help="build the demo case in CASES/case first")
    ap.add_argument("--scale", type=float, default=1.9, help="the demo's scale for --make-case")
    args = ap.parse_args()
    if args.make_case:
        _make_case(args.cases, args.scale)

    found = find_cases(args.cases)
    info = next((i for cid, i in found.items() if args.case in (None, cid, i.root.name)), None)
    if info is None:
        sys.exit(f"no case {args.case or ''} in {args.cases}")
    parties, sheets = _targets(info.case)
    tmp = Path(tempfile.mkdtemp(prefix="qinglian-bench-web-"))
    db = f"sqlite:///{tmp / 'app.sqlite'}"
    names = [f"bench{i:02d}" for i in range(args.users)]
    for n in names:
        add_user(args.cases, n, PASSWORD, "viewer", [info.case_id], db_url=db)
    server = subprocess.Popen([sys.executable, "-m", "qinglian.cli", "serve", "--cases", str(args.cases),
                               "--port", str(args.port), "--db", db], env=os.environ.copy())
    base = f"http://127.0.0.1:{args.port}"
    try:
        for _ in range(100):
            try:
                httpx.get(base + "/login", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        clients = [_sign_in(base, n) for n in names]
        cid = info.case_id

        def request(page: str, rnd: random.Random) -> tuple[str, str, dict[str, str]]:
            if page == "overview":
                return page, f"/cases/{cid}", {}
            if page == "party" and parties:
                return page, f"/cases/{cid}/party", {"holder": rnd.choice(parties)}
            if page == "rows" and sheets:
                sid, n = rnd.choice(sheets)
                return page, f"/cases/{cid}/sheets/{sid}", {"after": str(rnd.randrange(max(1, n)))}
            return "search", f"/cases/{cid}/search", {"q": rnd.choice(WORDS)}

        # Warm what the first view of a case builds (names, chain, search index), then each page alone.
        clients[0].get(f"/cases/{cid}")
        clients[0].get(f"/cases/{cid}/search", params={"q": "预热检索"})
        _wait_for_index(clients[0], cid)
        serial: dict[str, tuple[float, list[float]]] = {}
        rnd0 = random.Random(0)
        for page in PAGES:
            times = []
            for _ in range(args.serial + 1):
                _, url, params = request(page, rnd0)
                t0 = time.perf_counter()
                r = clients[0].get(url, params=params)
                times.append((time.perf_counter() - t0) * 1000)
                if r.status_code != 200:
                    sys.exit(f"{page}: {r.status_code} for {url} {params}")
            serial[page] = (times[0], times[1:])
        lat: dict[str, list[float]] = {}
        errors: dict[str, int] = {}
        seen: list[str] = []  # the first errors, to say what they were
        lock = threading.Lock()
        stop = time.monotonic() + args.seconds

        def work(c: httpx.Client, seed: int) -> None:
            rnd = random.Random(seed)
            while time.monotonic() < stop:
                page, url, params = request(rnd.choice(PAGES), rnd)
                t0 = time.perf_counter()
                why = ""
                try:
                    r = c.get(url, params=params)
                    if r.status_code != 200:
                        why = f"{r.status_code} {url} {params}: {_TAGS.sub(' ', r.text)[-300:]}"
                except httpx.HTTPError as exc:
                    why = f"{type(exc).__name__} {url} {params}"
                ms = (time.perf_counter() - t0) * 1000
                with lock:
                    lat.setdefault(page, []).append(ms)
                    if why:
                        errors[page] = errors.get(page, 0) + 1
                        if len(seen) < 5:
                            seen.append(why)

        threads = [threading.Thread(target=work, args=(c, i)) for i, c in enumerate(clients)]
        cpu0, own0 = _cpu_seconds(server.pid), time.process_time()
        started = time.perf_counter()
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        wall = time.perf_counter() - started
        server_cpu, own_cpu = _cpu_seconds(server.pid) - cpu0, time.process_time() - own0
    finally:
        server.terminate()
        server.wait(timeout=30)
    rows = _record_rows(info.case)
    print(f"case {info.name} [{cid}]: {rows} record rows; load average {os.getloadavg()[0]:.1f} at the end")
    print(f"one user alone, {args.serial} requests per page after a first one:")
    print(f"{'page':<10}{'first ms':>9}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}")
    for page in PAGES:
        first, times = serial[page]
        p50, p95, _ = _quantiles(times) if times else (first, first, first)
        print(f"{page:<10}{first:>9.0f}{p50:>9.0f}{p95:>9.0f}{max(times or [first]):>9.0f}")
    total = sum(len(v) for v in lat.values())
    print(f"{args.users} users for {wall:.1f} s: {total / wall:.1f} requests/s in all; CPU per request: "
          f"server {server_cpu / max(total, 1) * 1000:.1f} ms, these clients {own_cpu / max(total, 1) * 1000:.1f} ms")
    print(f"{'page':<10}{'requests':>10}{'errors':>8}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}")
    met = True
    for page in PAGES:
        v = lat.get(page, [])
        if not v:
            met = False
            print(f"{page:<10}{'none':>10}")
            continue
        p50, p95, p99 = _quantiles(v)
        met = met and p95 <= TARGET_P95_MS and not errors.get(page)
        print(f"{page:<10}{len(v):>10}{errors.get(page, 0):>8}{len(v) / wall:>8.1f}{p50:>9.0f}{p95:>9.0f}{p99:>9.0f}")
    for why in seen:
        print("error:", why)
    print(f"target (p95 <= {TARGET_P95_MS:.0f} ms on every page, no errors, {args.users} users, "
          f"1,000,000 rows or more): {'met' if met and rows >= 1_000_000 else 'NOT met'}")


if __name__ == "__main__":
    main()
