"""Benchmark: the demo pipeline step by step — seconds, CPU seconds and peak RSS per step, and the total.

Each step (generate, ingest, pi, analyze, link, targets, charges when the stage exists, report in
html, pdf, xlsx and ftm) runs in a child process of its own, so its peak RSS is its own (children
included: ``wait4`` reports the largest of the child and everything it waited for). With
``--repeat N`` the whole pipeline runs N times and the median of each step is shown; the machine is
shared, so CPU seconds are the steadier measure. The PDF's page count is printed at the end.

    .venv/bin/python bench/demo.py [--scale 1.0] [--keep DIR] [--repeat 1] [--seed 7] [--json FILE]
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

STEPS: tuple[str, ...] = ("generate", "ingest", "pi", "analyze", "link", "targets", "charges", "report")
# The target covers ingest through every report format; generating the files is not part of it.
TARGETED: frozenset[str] = frozenset(STEPS) - {"generate"}
TARGET_S = 60.0


# ---- one step, in the child ------------------------------------------------------------------


def _case(out: Path) -> Any:
    from qinglian.store.case import open_case

    return open_case(out / "case")


def _link_kwargs(case: Any) -> dict[str, Any]:
    """The demo's own agency key where the link stage takes one (older trees made their own)."""
    try:
        from qinglian.link.keys import demo_key
    except ImportError:
        return {}
    return {"key": demo_key(case)}


def step_generate(out: Path, scale: float, seed: int) -> dict[str, Any]:
    from qinglian.demo.generate import generate

    manifest = generate(out, seed=seed, scale=scale)
    return {"files": len(manifest.entries)}


def step_ingest(out: Path, scale: float, seed: int) -> dict[str, Any]:
    from qinglian.demo.manifest import Manifest
    from qinglian.demo.run import AGENCY, CASE_NAME
    from qinglian.ingest.api import IngestOptions, ingest_files
    from qinglian.store.case import init_case

    manifest = Manifest.load(out)
    case = init_case(out / "case", CASE_NAME, AGENCY)
    rows = 0
    for entry in manifest.entries:
        opts = IngestOptions(holder=entry.holder, site=entry.site, kind=entry.kind)
        rows += ingest_files(case, [manifest.path(entry)], opts).rows
    return {"files": len(manifest.entries), "rows": rows}


def step_pi(out: Path, scale: float, seed: int) -> dict[str, Any]:
    from qinglian.detect.pi import run_pi

    run_pi(_case(out), None)
    return {}


def _analyze_case() -> Callable[[Any], Any]:
    """The detect stages: ``qinglian.pipeline.analyze`` (which runs pi too), or on older trees
    ``qinglian.detect.analyze.analyze_case`` (imported by name: this tree no longer has it)."""
    try:
        old: Callable[[Any], Any] = importlib.import_module("qinglian.detect.analyze").analyze_case
        return old
    except ModuleNotFoundError:
        from qinglian.pipeline import analyze

        return analyze


def step_analyze(out: Path, scale: float, seed: int) -> dict[str, Any]:
    case = _case(out)
    _analyze_case()(case)
    with case.connect(read_only=True) as con:
        row = con.execute("SELECT count(*) FROM findings").fetchone()
    return {"findings": int(row[0]) if row else 0}


def step_link(out: Path, scale: float, seed: int) -> dict[str, Any]:
    from qinglian.link.run import link_case

    case = _case(out)
    link_case(case, **_link_kwargs(case))
    return {}


def step_targets(out: Path, scale: float, seed: int) -> dict[str, Any]:
    from qinglian.link.run import targets_case

    targets_case(_case(out))
    return {}


def step_charges(out: Path, scale: float, seed: int) -> dict[str, Any]:
    try:
        from qinglian.charges import build_charges
    except ImportError:
        return {"skipped": True}
    case = _case(out)
    with case.connect() as con:
        res = build_charges(case, con)
    return {"charges": res.charges, "leads": res.leads}


def step_report(out: Path, scale: float, seed: int) -> dict[str, Any]:
    """All four formats in one run (they share the gathering); the time of each format is noted."""
    import inspect

    from qinglian.report.run import FORMATS, ReportOptions, build_report

    marks: list[tuple[str, float]] = []

    def progress(step: str, done: int, total: int) -> None:
        marks.append((step, time.perf_counter()))

    started = time.perf_counter()
    kwargs: dict[str, Any] = {}
    if "progress" in inspect.signature(build_report).parameters:
        kwargs["progress"] = progress
    paths = build_report(out / "case", ReportOptions(formats=FORMATS), **kwargs)
    parts: dict[str, float] = {}
    prev = started
    for name, at in marks:
        parts[name] = parts.get(name, 0.0) + at - prev
        prev = at
    return {"files": [str(p) for p in paths], "parts": {k: round(v, 2) for k, v in parts.items()}}


RUNNERS = {name: globals()[f"step_{name}"] for name in STEPS}


def child(name: str, out: Path, scale: float, seed: int, result: Path) -> int:
    info = RUNNERS[name](out, scale, seed)
    result.write_text(json.dumps(info, ensure_ascii=False), encoding="utf-8")
    return 0


# ---- the parent: run, measure, print -----------------------------------------------------------


@dataclass
class Measure:
    step: str
    wall: float
    cpu: float
    rss_mb: float
    info: dict[str, Any] = field(default_factory=dict)


def run_step(name: str, out: Path, scale: float, seed: int) -> Measure:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as fh:
        result = Path(fh.name)
    cmd = [sys.executable, __file__, "--_step", name, "--_out", str(out), "--scale", str(scale),
           "--seed", str(seed), "--_result", str(result)]
    started = time.perf_counter()
    proc = subprocess.Popen(cmd)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    try:
        if proc.returncode != 0:
            raise SystemExit(f"step {name} failed with exit code {proc.returncode}")
        info = json.loads(result.read_text(encoding="utf-8") or "{}")
    finally:
        result.unlink(missing_ok=True)
    # ru_maxrss is in KiB on Linux
    return Measure(name, wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, info)


def pdf_pages(path: Path) -> int | None:
    if shutil.which("pdfinfo") is None:
        return None
    out = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=False).stdout
    for line in out.splitlines():
        if line.startswith("Pages:"):
            return int(line.split()[1])
    return None


def pipeline(out: Path, scale: float, seed: int) -> list[Measure]:
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    measures = []
    for name in STEPS:
        m = run_step(name, out, scale, seed)
        if m.info.get("skipped"):
            continue
        measures.append(m)
        print(f"  {name:<9} {m.wall:7.1f} s  {m.cpu:7.1f} CPU s  {m.rss_mb:7.0f} MB  "
              f"{json.dumps({k: v for k, v in m.info.items() if k != 'files'}, ensure_ascii=False)}",
              flush=True)
    return measures


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--scale", type=float, default=1.0, help="demo size (1.0: the full demo)")
    ap.add_argument("--keep", type=Path, help="build the demo here and keep it (default: a temp folder, removed)")
    ap.add_argument("--repeat", type=int, default=1, help="runs of the whole pipeline (medians shown)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--json", type=Path, help="also write the figures here")
    ap.add_argument("--_step", help=argparse.SUPPRESS)
    ap.add_argument("--_out", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--_result", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args._step:
        return child(args._step, args._out, args.scale, args.seed, args._result)

    keep: Path | None = args.keep
    tmp: Path | None = None
    if keep:
        out = keep
    else:
        tmp = Path(tempfile.mkdtemp(prefix="qinglian-bench-demo-"))
        out = tmp / "demo"
    runs: list[list[Measure]] = []
    load_before = os.getloadavg()[0]
    try:
        for i in range(args.repeat):
            print(f"run {i + 1}/{args.repeat}: demo at scale {args.scale} in {out}", flush=True)
            runs.append(pipeline(out, args.scale, args.seed))
        last = runs[-1]
        report = next((m for m in last if m.step == "report"), None)
        pdf = next((Path(p) for p in (report.info.get("files", []) if report else []) if p.endswith(".pdf")), None)
        pages = pdf_pages(pdf) if pdf else None
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)

    names = [m.step for m in runs[0]]
    rows: list[dict[str, Any]] = []
    for name in names:
        ms = [m for r in runs for m in r if m.step == name]
        rows.append({"step": name, "wall_s": statistics.median(m.wall for m in ms),
                     "cpu_s": statistics.median(m.cpu for m in ms), "peak_rss_mb": max(m.rss_mb for m in ms),
                     "parts": ms[-1].info.get("parts"), "info": {k: v for k, v in ms[-1].info.items()
                                                                if k not in ("files", "parts")}})
    total = sum(r["wall_s"] for r in rows)
    total_cpu = sum(r["cpu_s"] for r in rows)
    targeted = sum(r["wall_s"] for r in rows if r["step"] in TARGETED)
    print()
    print(f"demo scale {args.scale}, {args.repeat} run(s), medians; load average {load_before:.1f} before, "
          f"{os.getloadavg()[0]:.1f} after, on {os.cpu_count()} cores")
    print(f"{'step':<10}{'wall s':>9}{'CPU s':>9}{'peak RSS MB':>13}")
    for r in rows:
        print(f"{r['step']:<10}{r['wall_s']:>9.1f}{r['cpu_s']:>9.1f}{r['peak_rss_mb']:>13.0f}")
        if r["parts"]:
            # wall seconds between the report's progress marks, in the order the parts finished; the
            # XLSX is written by a second process meanwhile, so its line is only the wait after the rest
            print("  (report parts: wall seconds between completions)")
        for part, sec in (r["parts"] or {}).items():
            print(f"  {part:<8}{sec:>9.1f}")
    print(f"{'total':<10}{total:>9.1f}{total_cpu:>9.1f}{max(r['peak_rss_mb'] for r in rows):>13.0f}")
    verdict = "met" if targeted <= TARGET_S else "NOT met"
    print(f"ingest through report: {targeted:.1f} s (target <= {TARGET_S:.0f} s: {verdict})")
    print(f"PDF pages: {pages if pages is not None else 'unknown'}")
    if args.json:
        args.json.write_text(json.dumps({"scale": args.scale, "repeat": args.repeat, "steps": rows, "total_s": total,
                                         "total_cpu_s": total_cpu, "ingest_to_report_s": targeted,
                                         "pdf_pages": pages}, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
