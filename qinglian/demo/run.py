"""`qinglian demo`: generate the demo, ingest it into a fresh case and run every later stage
(``qinglian.pipeline.run_case``)."""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from qinglian import pipeline
from qinglian.demo.generate import generate
from qinglian.demo.manifest import Manifest
from qinglian.errors import QinglianError
from qinglian.i18n import t
from qinglian.report.run import FORMATS, ReportOptions
from qinglian.store.case import Case

CASE_NAME = "演示案件：贷款中介骚扰营销（合成数据）"
AGENCY = "演示市市场监督管理局（示例）"


def _demo_key(case: Case) -> bytes:
    """The demo's own agency key, in its folder: a demo never uses (or creates) a real key."""
    from qinglian.link.keys import demo_key

    return demo_key(case)


# The case file in every format: HTML and PDF, the XLSX appendices and the FtM export.
REPORT_FORMATS: tuple[str, ...] = FORMATS


@dataclass
class DemoResult:
    out_dir: Path
    case_dir: Path
    manifest: Manifest
    generate_seconds: float
    ingested_files: int = 0
    ingested_rows: int = 0
    ingest_seconds: float = 0.0
    stages: pipeline.CaseResult | None = None
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def reports(self) -> list[Path]:
        return list(self.stages.reports) if self.stages else []

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
        for name, secs in self.seconds.items():
            if name != "total":
                out.append(t(f"  {name}：已运行（{secs:.1f} 秒）", f"  {name}: ran ({secs:.1f} s)"))
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


def ingest_manifest(case: Case, manifest: Manifest, *, user: str | None = None,
                    progress: pipeline.Progress = pipeline.no_progress) -> tuple[int, int]:
    """Every file of the demo into ``case``, each under its holder, site and kind; (files, rows)."""
    from qinglian.ingest.api import IngestOptions, ingest_many

    batches = [([manifest.path(entry)], IngestOptions(holder=entry.holder, site=entry.site, kind=entry.kind, user=user))
               for entry in manifest.entries]
    outcomes = ingest_many(case, batches, progress=lambda done, total: progress("ingest", done, total))
    return len(outcomes), sum(o.rows for o in outcomes)


def run_demo(
    out_dir: Path,
    seed: int = 7,
    scale: float = 1.0,
    force: bool = False,
    user: str | None = None,
    *,
    report: bool = True,
    formats: tuple[str, ...] = REPORT_FORMATS,
    progress: pipeline.Progress = pipeline.no_progress,
) -> DemoResult:
    """Generate the demo into out_dir, ingest it into out_dir/case, run every stage (the report too,
    in ``formats``, unless ``report`` is False)."""
    from qinglian.store.case import init_case

    out_dir = Path(out_dir)
    prepare_out_dir(out_dir, force)
    progress("generate", 0, None)
    started = time.perf_counter()
    manifest = generate(out_dir, seed=seed, scale=scale)
    result = DemoResult(out_dir, out_dir / "case", manifest, time.perf_counter() - started)
    progress("generate", 1, 1)
    case = init_case(result.case_dir, CASE_NAME, AGENCY, user=user)
    started = time.perf_counter()
    result.ingested_files, result.ingested_rows = ingest_manifest(case, manifest, user=user, progress=progress)
    result.ingest_seconds = time.perf_counter() - started
    options = ReportOptions(formats=formats, user=user) if report else None
    result.stages = pipeline.run_case(case, user=user, key=_demo_key(case), report_options=options,
                                      progress=progress)
    result.seconds = result.stages.seconds
    return result
