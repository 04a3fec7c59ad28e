"""Benchmark: charges against the demo's planted ones — precision and recall per conduct type, and
the charges raised against compliant holders (target 0).

Builds a demo (generate, ingest, every analysis up to link) unless given one, runs the charges stage
and compares (holder, conduct) pairs with ground_truth.json["charges"].

    .venv/bin/python bench/charges.py [DEMO_DIR] [--scale 0.1] [--seed 7] [--rebuild]
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import time
from pathlib import Path
from typing import Any

from qinglian.charges import build_charges
from qinglian.charges.conduct import CONDUCTS
from qinglian.store.case import open_case


def build_demo(out: Path, scale: float, seed: int) -> None:
    from qinglian.demo.run import run_demo

    run_demo(out, seed=seed, scale=scale, force=True, report=False)


def score(truth: dict[str, Any], charged: set[tuple[str, str]]) -> dict[str, Any]:
    planted = {(h, c) for h, v in truth["holders"].items() for c in v["conducts"]}
    compliant = {h for h, v in truth["holders"].items() if not v["violating"]}
    rows: dict[str, dict[str, Any]] = {}
    for code in CONDUCTS:
        p = {x for x in planted if x[1] == code}
        g = {x for x in charged if x[1] == code}
        tp = len(p & g)
        rows[code] = {
            "planted": len(p), "charged": len(g), "tp": tp,
            "precision": tp / len(g) if g else None, "recall": tp / len(p) if p else None,
        }
    against = sorted(x for x in charged if x[0] in compliant)
    return {"per_conduct": rows, "against_compliant": against}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("demo", nargs="?", type=Path, help="a demo folder (built when missing)")
    ap.add_argument("--scale", type=float, default=0.1)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--rebuild", action="store_true", help="rebuild the charges even if present")
    args = ap.parse_args(argv)
    demo = args.demo or Path(f"/tmp/qinglian-bench-charges-{args.scale}")
    if not (demo / "case").is_dir():
        started = time.perf_counter()
        build_demo(demo, args.scale, args.seed)
        print(f"demo built in {time.perf_counter() - started:.1f} s: {demo}")
    truth = json.loads((demo / "ground_truth.json").read_text(encoding="utf-8"))
    if "charges" not in truth:
        print("ground_truth.json has no planted charges (an older demo): rebuild it", file=sys.stderr)
        return 2
    case = open_case(demo / "case")
    with case.connect() as con:
        has = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'charges'").fetchone()
        if args.rebuild or not has or not has[0]:
            marks: list[tuple[str, float]] = []
            started, cpu = time.perf_counter(), time.process_time()
            build_charges(case, con, progress=lambda step, done, total: marks.append((step, time.perf_counter())))
            print(f"charges built in {time.perf_counter() - started:.2f} s ({time.process_time() - cpu:.2f} CPU s)")
            # each step's seconds: from its own mark to the next one
            print("  " + ", ".join(f"{a}: {tb - ta:.2f}" for (a, ta), (_, tb) in itertools.pairwise(marks)))
        charged = {(str(h), str(c)) for h, c in con.execute("SELECT holder, conduct FROM charges").fetchall()}
        n_charges = len(con.execute("SELECT charge_id FROM charges").fetchall())
        n_leads = len(con.execute("SELECT lead_id FROM leads").fetchall())
    res = score(truth["charges"], charged)
    print(f"{'conduct':<18}{'planted':>8}{'charged':>8}{'tp':>5}{'P':>7}{'R':>7}")
    for code, r in res["per_conduct"].items():
        p = "-" if r["precision"] is None else f"{r['precision']:.2f}"
        rec = "-" if r["recall"] is None else f"{r['recall']:.2f}"
        print(f"{code:<18}{r['planted']:>8}{r['charged']:>8}{r['tp']:>5}{p:>7}{rec:>7}")
    print(f"charges: {n_charges}, leads: {n_leads}")
    print(f"charges against compliant holders: {len(res['against_compliant'])} (target 0)")
    for h, c in res["against_compliant"]:
        print(f"  {c}: {h}")
    return 0 if not res["against_compliant"] else 1


if __name__ == "__main__":
    sys.exit(main())
