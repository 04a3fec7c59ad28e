"""Web workspace load: N signed-in users over the overview, party, evidence-rows and search pages.

Starts ``qinglian serve`` on the cases folder in its own process (app data in a temporary
database, so the folder's own accounts are untouched), makes N viewer accounts on the case,
and drives them from threads for a fixed time; prints requests/s and p50/p95/p99 latency per
page, and errors. Target (2-core machine, a case of 1,000,000 rows, 20 users): p95 <= 300 ms on
every page, no errors. (locust is not a dependency: plain httpx clients in threads.)

    python bench/web.py CASES [--case ID] [--users 20] [--seconds 30] [--port 8799]
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
WORDS = ("银行", "贷款", "不看征信", "低息贷款", "信用卡中心", "退订", "额度", "工商银行", "包过", "公积金")
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


def _sign_in(base: str, name: str) -> httpx.Client:
    c = httpx.Client(base_url=base, timeout=60)
    m = _CSRF.search(c.get("/login").text)
    assert m, "no sign-in form"
    r = c.post("/login", data={"name": name, "password": PASSWORD, "csrf": m.group(1)})
    assert r.status_code in (200, 303) and "ql_session" in c.cookies, f"sign-in failed for {name}"
    return c


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("cases", type=Path)
    ap.add_argument("--case", default=None, help="case id or folder name (default: the first)")
    ap.add_argument("--users", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--port", type=int, default=8799)
    args = ap.parse_args()

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
        # Warm the caches the first view of a case builds (names, chain, search index).
        clients[0].get(f"/cases/{cid}")
        clients[0].get(f"/cases/{cid}/search", params={"q": "预热检索"})
        lat: dict[str, list[float]] = {}
        errors: dict[str, int] = {}
        lock = threading.Lock()
        stop = time.monotonic() + args.seconds

        def work(c: httpx.Client, seed: int) -> None:
            rnd = random.Random(seed)
            while time.monotonic() < stop:
                page = rnd.choice(("overview", "party", "rows", "search"))
                params: dict[str, str] = {}
                if page == "overview":
                    url = f"/cases/{cid}"
                elif page == "party" and parties:
                    url, params = f"/cases/{cid}/party", {"holder": rnd.choice(parties)}
                elif page == "rows" and sheets:
                    sid, n = rnd.choice(sheets)
                    url, params = f"/cases/{cid}/sheets/{sid}", {"after": str(rnd.randrange(max(1, n)))}
                else:
                    page, url, params = "search", f"/cases/{cid}/search", {"q": rnd.choice(WORDS)}
                t0 = time.perf_counter()
                try:
                    ok = c.get(url, params=params).status_code == 200
                except httpx.HTTPError:
                    ok = False
                ms = (time.perf_counter() - t0) * 1000
                with lock:
                    lat.setdefault(page, []).append(ms)
                    if not ok:
                        errors[page] = errors.get(page, 0) + 1

        threads = [threading.Thread(target=work, args=(c, i)) for i, c in enumerate(clients)]
        started = time.perf_counter()
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        wall = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=30)
    total = sum(len(v) for v in lat.values())
    print(f"case {info.name} [{cid}]: {args.users} users, {wall:.1f} s, {total / wall:.1f} requests/s in all")
    print(f"{'page':<10}{'requests':>10}{'errors':>8}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}")
    for page in ("overview", "party", "rows", "search"):
        v = sorted(lat.get(page, []))
        if not v:
            continue
        q = statistics.quantiles(v, n=100) if len(v) > 1 else [v[0]] * 99
        print(f"{page:<10}{len(v):>10}{errors.get(page, 0):>8}{len(v) / wall:>8.1f}{q[49]:>9.0f}{q[94]:>9.0f}{q[98]:>9.0f}")


if __name__ == "__main__":
    main()
