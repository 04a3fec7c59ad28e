"""`qinglian demo`: generate the demo, ingest it into a fresh case and run every later stage
that exists so far, in pipeline order."""

from __future__ import annotations

import importlib
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qinglian.demo.generate import generate
from qinglian.demo.manifest import Manifest
from qinglian.errors import QinglianError
from qinglian.i18n import t
from qinglian.store.case import Case

CASE_NAME = "演示案件：贷款中介骚扰营销（合成数据）"
AGENCY = "演示市市场监督管理局（示例）"

Runner = Callable[[Any, Case, str | None], Any]
IN_ANALYZE = object()  # a runner's answer when `analyze` already ran its stage


@dataclass(frozen=True)
class Step:
    """A later stage: `function` of `module`, called by `run` with (function, case, user)."""

    name: str
    module: str
    function: str
    run: Runner


def _with_con(fn: Any, case: Case, user: str | None) -> Any:
    with case.connect() as con:
        return fn(case, con, user=user)


def _unless_in_analyze(name: str) -> Runner:
    """Behaviour and campaigns run on their own unless `analyze` already runs them."""

    def run(fn: Any, case: Case, user: str | None) -> Any:
        try:
            from qinglian.detect.analyze import ANALYSES
        except ImportError:
            ANALYSES = []
        if any(n == name for n, _ in ANALYSES):
            return IN_ANALYZE
        return _with_con(fn, case, user)

    return run


def _demo_key(case: Case) -> bytes:
    """The demo's own agency key, in its folder: a demo never uses (or creates) a real key."""
    from qinglian.link.keys import demo_key

    return demo_key(case)


def _report(fn: Any, case: Case, user: str | None) -> Any:
    """The case file as HTML (every holder's chapter) and PDF (the case chapter, tables capped)."""
    from qinglian.report.run import ReportOptions

    return fn(case.root, ReportOptions(formats=("html", "pdf"), user=user))


STEPS: tuple[Step, ...] = (
    Step("pi", "qinglian.detect.pi", "run_pi", lambda fn, case, user: fn(case, None, user=user)),
    Step("analyze", "qinglian.detect.analyze", "analyze_case", lambda fn, case, user: fn(case, user=user)),
    Step("behaviour", "qinglian.detect.behaviour", "analyze_behaviour", _unless_in_analyze("behaviour")),
    Step("campaigns", "qinglian.detect.campaigns", "analyze_campaigns", _unless_in_analyze("campaigns")),
    Step("link", "qinglian.link.run", "link_case", lambda fn, case, user: fn(case, user=user, key=_demo_key(case))),
    Step("targets", "qinglian.link.run", "targets_case", lambda fn, case, user: fn(case, user=user)),
    Step("report", "qinglian.report.run", "build_report", _report),
)


@dataclass
class StepOutcome:
    name: str
    status: str  # ran | not run | in analyze
    seconds: float = 0.0
    result: Any = None


@dataclass
class DemoResult:
    out_dir: Path
    case_dir: Path
    manifest: Manifest
    generate_seconds: float
    ingested_files: int = 0
    ingested_rows: int = 0
    ingest_seconds: float = 0.0
    steps: list[StepOutcome] = field(default_factory=list)

    @property
    def reports(self) -> list[Path]:
        for s in self.steps:
            if s.name == "report" and isinstance(s.result, list):
                return [Path(p) for p in s.result]
        return []

    def lines(self) -> list[str]:
        out = [
            t(
                f"演示数据（合成）：{self.manifest.files_dir}（{len(self.manifest.entries)} 个文件，"
                f"生成用时 {self.generate_seconds:.1f} 秒）",
                f"demo evidence (synthetic): {self.manifest.files_dir} ({len(self.manifest.entries)} files, "
                f"generated in {self.generate_seconds:.1f} s)",
            ),
            t(
                f"标准答案：{self.manifest.ground_truth_path}",
                f"ground truth: {self.manifest.ground_truth_path}",
            ),
            t(
                f"案件：{self.case_dir}（导入 {self.ingested_files} 个文件、{self.ingested_rows} 行，"
                f"{self.ingest_seconds:.1f} 秒）",
                f"case: {self.case_dir} ({self.ingested_files} files, {self.ingested_rows} rows ingested in "
                f"{self.ingest_seconds:.1f} s)",
            ),
        ]
        for s in self.steps:
            if s.status == "ran":
                out.append(
                    t(f"  {s.name}：已运行（{s.seconds:.1f} 秒）", f"  {s.name}: ran ({s.seconds:.1f} s)")
                )
            elif s.status == "in analyze":
                out.append(t(f"  {s.name}：已在 analyze 中运行", f"  {s.name}: run as part of analyze"))
            else:
                out.append(t(f"  {s.name}：尚未实现，未运行", f"  {s.name}: not run (not written yet)"))
        for p in self.reports:
            out.append(t(f"报告：{p}", f"report: {p}"))
        return out


def prepare_out_dir(out_dir: Path, force: bool) -> None:
    """Make way for a demo: an empty or new folder, or (with force) an old demo folder."""
    if not out_dir.exists() or not any(out_dir.iterdir()):
        return
    if force and (out_dir / "ground_truth.json").is_file():
        shutil.rmtree(out_dir)
        return
    if force:
        raise QinglianError(
            "该目录不是演示目录（没有 ground_truth.json），--force 不会删除它",
            "this folder is not a demo folder (no ground_truth.json); --force will not delete it",
            file=str(out_dir),
            hint_zh="换一个目录",
            hint_en="choose another folder",
        )
    raise QinglianError(
        "目录已存在且不为空",
        "the folder exists and is not empty",
        file=str(out_dir),
        hint_zh="加 --force 重新生成演示，或换一个目录",
        hint_en="add --force to rebuild the demo, or choose another folder",
    )


def _load(step: Step) -> Any | None:
    """The step's function, or None when its module or function is not written yet."""
    try:
        mod = importlib.import_module(step.module)
    except ModuleNotFoundError as exc:
        if exc.name and step.module.startswith(exc.name):
            return None
        raise
    return getattr(mod, step.function, None)


def run_demo(
    out_dir: Path,
    seed: int = 7,
    scale: float = 1.0,
    force: bool = False,
    user: str | None = None,
    steps: Sequence[Step] = STEPS,
) -> DemoResult:
    """Generate the demo into out_dir, ingest it into out_dir/case, run the later stages that exist."""
    from qinglian.ingest.api import IngestOptions, ingest_files
    from qinglian.store.case import init_case

    out_dir = Path(out_dir)
    prepare_out_dir(out_dir, force)
    started = time.perf_counter()
    manifest = generate(out_dir, seed=seed, scale=scale)
    result = DemoResult(out_dir, out_dir / "case", manifest, time.perf_counter() - started)
    case = init_case(result.case_dir, CASE_NAME, AGENCY, user=user)
    started = time.perf_counter()
    for entry in manifest.entries:
        opts = IngestOptions(holder=entry.holder, site=entry.site, kind=entry.kind, user=user)
        outcome = ingest_files(case, [manifest.path(entry)], opts)
        result.ingested_files += 1
        result.ingested_rows += outcome.rows
    result.ingest_seconds = time.perf_counter() - started
    for step in steps:
        fn = _load(step)
        if fn is None:
            result.steps.append(StepOutcome(step.name, "not run"))
            continue
        started = time.perf_counter()
        value = step.run(fn, case, user)
        status = "in analyze" if value is IN_ANALYZE else "ran"
        result.steps.append(StepOutcome(step.name, status, time.perf_counter() - started, value))
    return result
