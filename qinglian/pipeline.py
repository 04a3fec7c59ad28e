"""The stages of a case, in order, with plain imports: what the CLI, the demo and the web call.

Ingest is separate (``qinglian.ingest.api``). After it: ``analyze`` (the detect stages: PI
inventory, text, campaigns, behaviour, claims), ``link`` (entities, upstreams, leak sources),
``targets`` (the inspection ranking), charges, and the report. Each stage writes the tables
declared in ``qinglian.store.tables``; a stage that fails raises, nothing is skipped.

Progress goes to a ``progress(step, done, total)`` callable: ``total`` None while a step's size
is unknown; every step reports ``(step, 0, total)`` when it starts and ``(step, n, n)`` when done.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from qinglian.charges.build import ChargesResult, build_charges
from qinglian.detect.analyze_text import analyze_text
from qinglian.detect.behaviour.pipeline import analyze_behaviour
from qinglian.detect.campaigns.store import analyze_campaigns
from qinglian.detect.claims.stage import analyze_claims
from qinglian.detect.pi.inventory import pi_inventory
from qinglian.i18n import t
from qinglian.link import registry
from qinglian.link import run as link_run
from qinglian.link.targets import Target
from qinglian.report.masks import Premasked, mask_ahead
from qinglian.report.run import ReportOptions, build_report
from qinglian.store.case import Case
from qinglian.workers import spawn_pool, worker_count

Progress = Callable[[str, int, int | None], None]

# The detect stages of ``analyze``, in the order they run.
DETECT_STAGES: tuple[str, ...] = ("pi", "text", "campaigns", "behaviour", "claims")


def no_progress(step: str, done: int, total: int | None) -> None:
    """The default: report nothing."""


class StageResult(Protocol):
    def lines(self) -> list[str]: ...

    def summary(self) -> dict[str, Any]: ...


@dataclass
class PiSummary:
    holders: int
    subjects: int

    def lines(self) -> list[str]:
        return [t(f"个人信息清点：{self.holders} 个单位，{self.subjects} 个信息主体",
                  f"PI inventory: {self.holders} holders, {self.subjects} data subjects")]

    def summary(self) -> dict[str, Any]:
        return {"holders": self.holders, "subjects": self.subjects}


@dataclass
class AnalyzeResult:
    ran: dict[str, StageResult] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    def lines(self) -> list[str]:
        return [line for res in self.ran.values() for line in res.lines()]

    def summary(self) -> dict[str, Any]:
        return {name: res.summary() for name, res in self.ran.items()}


def _step(progress: Progress, name: str, seconds: dict[str, float], fn: Callable[[], Any]) -> Any:
    progress(name, 0, None)
    started = time.perf_counter()
    value = fn()
    seconds[name] = time.perf_counter() - started
    progress(name, 1, 1)
    return value


def analyze(case: Case, *, user: str | None = None, progress: Progress = no_progress) -> AnalyzeResult:
    """The detect stages over the case's records, then one custody entry for them all.

    All or none: the five stages and the entry share one transaction (the stages write inside
    a caller's transaction instead of their own), so a stage that fails leaves the case as it
    was, with no entry, and its error reaches the caller."""
    result = AnalyzeResult()
    with case.connect() as con:
        con.execute("BEGIN TRANSACTION")
        try:
            inv = _step(progress, "pi", result.seconds, lambda: pi_inventory(case, con=con))
            result.ran["pi"] = PiSummary(len(inv.holders), sum(h.subjects for h in inv.holders))
            result.ran["text"] = _step(progress, "text", result.seconds, lambda: analyze_text(case, con))
            result.ran["campaigns"] = _step(progress, "campaigns", result.seconds,
                                            lambda: analyze_campaigns(case, con))
            result.ran["behaviour"] = _step(progress, "behaviour", result.seconds,
                                            lambda: analyze_behaviour(case, con))
            result.ran["claims"] = _step(progress, "claims", result.seconds, lambda: analyze_claims(case, con))
            case.log("analyze", {"analyses": list(DETECT_STAGES)}, user=user, details=result.summary(), con=con)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    return result


def link(case: Case, *, key: bytes | None = None, user: str | None = None, progress: Progress = no_progress,
         **options: Any) -> link_run.LinkResult:
    """Entities, links, upstream ranking, list overlaps and leak sources (``link_case`` options pass on)."""
    seconds: dict[str, float] = {}
    result: link_run.LinkResult = _step(
        progress, "link", seconds, lambda: link_run.link_case(case, key=key, user=user, **options))
    registry.register_if_present(case, key=key, user=user)  # the agency's registry beside the case, if any
    return result


def targets(case: Case, *, user: str | None = None, progress: Progress = no_progress) -> dict[str, list[Target]]:
    """The inspection ranking, before and after inspection."""
    seconds: dict[str, float] = {}
    result: dict[str, list[Target]] = _step(
        progress, "targets", seconds, lambda: link_run.targets_case(case, user=user))
    return result


def charges(case: Case, *, user: str | None = None, progress: Progress = no_progress) -> ChargesResult:
    """Charges and leads per party from the stored detections (reviews kept), one custody entry."""
    with case.connect() as con:
        # the stage counts its conducts; shown as one step
        return build_charges(case, con, progress=lambda _conduct, done, total: progress("charges", done, total),
                             user=user)


def report(case: Case, options: ReportOptions, *, progress: Progress = no_progress,
           premasked: Premasked | None = None) -> list[Path]:
    """The case file in the chosen formats (reads the stored results only)."""
    progress("report", 0, None)
    paths = build_report(case.root, options, progress=lambda _part, done, total: progress("report", done, total),
                         premasked=premasked)
    progress("report", len(paths) + 1, len(paths) + 1)
    return paths


@dataclass
class CaseResult:
    analyze: AnalyzeResult
    link: link_run.LinkResult
    targets: dict[str, list[Target]]
    charges: ChargesResult | None = None
    reports: list[Path] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)

    def lines(self) -> list[str]:
        out = [*self.analyze.lines(), *self.link.lines()]
        after = self.targets.get("after", [])
        out.append(t(f"检查目标排序：{len(after)} 个单位", f"inspection targets: {len(after)} holders ranked"))
        if self.charges is not None:
            out += self.charges.lines()
        return out


def run_case(case: Case, *, user: str | None = None, key: bytes | None = None,
             report_options: ReportOptions | None = None, progress: Progress = no_progress) -> CaseResult:
    """Every stage after ingest, in order; with ``report_options`` the case file last."""
    started = time.perf_counter()
    analysed = analyze(case, user=user, progress=progress)
    seconds = dict(analysed.seconds)
    pool: ProcessPoolExecutor | None = None
    ahead: Callable[[], Premasked] | None = None
    try:
        if report_options is not None and not report_options.reveal and worker_count() > 1:
            # the report's texts are masked by a helper while the last stages run (they change no text)
            pool = spawn_pool(1)
            ahead = mask_ahead(case, report_options.holder, pool)
        mark = time.perf_counter()
        linked = link(case, key=key, user=user, progress=progress)
        seconds["link"] = time.perf_counter() - mark
        mark = time.perf_counter()
        ranked = targets(case, user=user, progress=progress)
        seconds["targets"] = time.perf_counter() - mark
        mark = time.perf_counter()
        charged = charges(case, user=user, progress=progress)
        seconds["charges"] = time.perf_counter() - mark
        result = CaseResult(analysed, linked, ranked, charges=charged, seconds=seconds)
        if report_options is not None:
            mark = time.perf_counter()
            result.reports = report(case, report_options, progress=progress,
                                    premasked=ahead() if ahead is not None else None)
            seconds["report"] = time.perf_counter() - mark
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
    seconds["total"] = time.perf_counter() - started
    return result
