"""Benchmark: the demo case end to end — ingest, every stage and all four report formats — as one
process, the way ``qinglian demo`` runs it; seconds, CPU seconds and peak RSS per step and in total.

Generating the evidence files runs first in a process of its own and is not part of the target.
The case then runs in a second process: ingest of every file, ``pipeline.run_case`` (pi, text,
campaigns, behaviour, link, targets, charges) and the case file as HTML, PDF, XLSX and FtM. Step
times come from the pipeline's own progress marks; a step's CPU seconds are the process's own (the
XLSX is written by a child process: its CPU is in the total, read with ``wait4``, as is the peak
RSS of the process and its children). With ``--repeat N`` the case runs N times; medians are shown.
Target on the 2-core machine: ingest through all four formats in <= 60 s.

    .venv/bin/python bench/demo.py [--scale 1.0] [--keep DIR] [--repeat 1] [--seed 7] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

TARGET_S = 60.0


# ---- the children ------------------------------------------------------------------------------


def child_generate(out: Path, scale: float, seed: int) -> dict[str, Any]:
    from qinglian.demo.generate import generate

    manifest = generate(out, seed=seed, scale=scale)
    return {"files": len(manifest.entries)}


def child_case(out: Path, scale: float, seed: int) -> dict[str, Any]:
    """Ingest and every stage, with the time and CPU of each step as the pipeline reports it."""
    from qinglian import pipeline
    from qinglian.demo.manifest import Manifest
    from qinglian.demo.run import AGENCY, CASE_NAME, ingest_manifest
    from qinglian.link.keys import demo_key
    from qinglian.report.run import FORMATS, ReportOptions
    from qinglian.store.case import init_case

    marks: dict[str, list[float]] = {}  # step -> [first wall, first cpu, last wall, last cpu]

    def progress(step: str, done: int, total: int | None) -> None:
        now, cpu = time.perf_counter(), time.process_time()
        if step not in marks:
            marks[step] = [now, cpu, now, cpu]
        marks[step][2:] = [now, cpu]

    started = time.perf_counter()
    manifest = Manifest.load(out)
    case = init_case(out / "case", CASE_NAME, AGENCY)
    files, rows = ingest_manifest(case, manifest, progress=progress)
    result = pipeline.run_case(case, key=demo_key(case), report_options=ReportOptions(formats=FORMATS),
                               progress=progress)
    wall = time.perf_counter() - started
    with case.connect(read_only=True) as con:
        found = con.execute("SELECT count(*) FROM findings").fetchall()[0][0]
    steps = {name: {"wall_s": m[2] - m[0], "cpu_s": m[3] - m[1]} for name, m in marks.items()}
    charges = result.charges
    return {"rows": rows, "files": files, "wall_s": wall, "steps": steps,
            "findings": int(found), "charges": charges.charges if charges else None,
            "leads": charges.leads if charges else None, "reports": [str(p) for p in result.reports]}


CHILDREN = {"generate": child_generate, "case": child_case}


# ---- the parent: run, measure, print -----------------------------------------------------------


def run_child(name: str, out: Path, scale: float, seed: int) -> tuple[dict[str, Any], float, float, float]:
    """The child's result, its wall and CPU seconds (children included) and peak RSS in MB."""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as fh:
        result = Path(fh.name)
    cmd = [sys.executable, __file__, "--_child", name, "--_out", str(out), "--scale", str(scale),
           "--seed", str(seed), "--_result", str(result)]
    started = time.perf_counter()
    proc = subprocess.Popen(cmd)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    try:
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"{name} failed with exit code {os.waitstatus_to_exitcode(status)}")
        info: dict[str, Any] = json.loads(result.read_text(encoding="utf-8") or "{}")
    finally:
        result.unlink(missing_ok=True)
    # ru_maxrss is in KiB on Linux; wait4 gives the largest of the child and what it waited for
    return info, wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def pdf_pages(path: Path) -> int | None:
    if shutil.which("pdfinfo") is None:
        return None
    out = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=False).stdout
    for line in out.splitlines():
        if line.startswith("Pages:"):
            return int(line.split()[1])
    return None


def one_run(out: Path, scale: float, seed: int) -> dict[str, Any]:
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    gen, gen_wall, _, _ = run_child("generate", out, scale, seed)
    print(f"  generated {gen['files']} files in {gen_wall:.1f} s (not part of the target)", flush=True)
    info, wall, cpu, rss = run_child("case", out, scale, seed)
    pdf = next((Path(p) for p in info["reports"] if p.endswith(".pdf")), None)
    info.update(process_wall_s=wall, process_cpu_s=cpu, peak_rss_mb=rss, pdf_pages=pdf_pages(pdf) if pdf else None,
                report_mb={Path(p).suffix: round(Path(p).stat().st_size / 2**20, 1) for p in info["reports"]})
    print(f"  case: {info['files']} files, {info['rows']:,} rows, {info['findings']:,} findings, "
          f"{info['charges']} charges; {wall:.1f} s, {cpu:.1f} CPU s, peak RSS {rss:.0f} MB", flush=True)
    return info


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--scale", type=float, default=1.0, help="demo size (1.0: the full demo)")
    ap.add_argument("--keep", type=Path, help="build the demo here and keep it (default: a temp folder, removed)")
    ap.add_argument("--repeat", type=int, default=1, help="runs of the whole case (medians shown)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--json", type=Path, help="also write the figures here")
    ap.add_argument("--_child", help=argparse.SUPPRESS)
    ap.add_argument("--_out", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--_result", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args._child:
        info = CHILDREN[args._child](args._out, args.scale, args.seed)
        args._result.write_text(json.dumps(info, ensure_ascii=False), encoding="utf-8")
        return 0

    tmp: Path | None = None
    if args.keep:
        out = args.keep
    else:
        tmp = Path(tempfile.mkdtemp(prefix="qinglian-bench-demo-"))
        out = tmp / "demo"
    runs: list[dict[str, Any]] = []
    load_before = os.getloadavg()[0]
    try:
        for i in range(args.repeat):
            print(f"run {i + 1}/{args.repeat}: demo at scale {args.scale} in {out}", flush=True)
            runs.append(one_run(out, args.scale, args.seed))
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)

    def med(values: list[float]) -> float:
        return statistics.median(values) if values else 0.0

    steps = list(runs[0]["steps"])
    print()
    print(f"demo scale {args.scale}, {args.repeat} run(s), medians; load average {load_before:.1f} before, "
          f"{os.getloadavg()[0]:.1f} after, on {os.cpu_count()} cores")
    print(f"{'step':<11}{'wall s':>9}{'CPU s':>9}")
    table = []
    for name in steps:
        wall = med([r["steps"][name]["wall_s"] for r in runs if name in r["steps"]])
        cpu = med([r["steps"][name]["cpu_s"] for r in runs if name in r["steps"]])
        table.append({"step": name, "wall_s": wall, "cpu_s": cpu})
        print(f"{name:<11}{wall:>9.1f}{cpu:>9.1f}")
    total = med([r["process_wall_s"] for r in runs])
    total_cpu = med([r["process_cpu_s"] for r in runs])
    rss = max(r["peak_rss_mb"] for r in runs)
    print(f"{'whole case':<11}{total:>9.1f}{total_cpu:>9.1f}   (one process from start to exit, children's CPU "
          f"included; peak RSS {rss:.0f} MB)")
    verdict = "met" if total <= TARGET_S else "NOT met"
    print(f"ingest through all four formats: {total:.1f} s (target <= {TARGET_S:.0f} s: {verdict})")
    last = runs[-1]
    print(f"PDF pages: {last['pdf_pages'] if last['pdf_pages'] is not None else 'unknown'}; "
          f"report sizes MB: {last['report_mb']}")
    if args.json:
        args.json.write_text(json.dumps({"scale": args.scale, "repeat": args.repeat, "steps": table,
                                         "total_s": total, "total_cpu_s": total_cpu, "peak_rss_mb": rss,
                                         "runs": runs}, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
