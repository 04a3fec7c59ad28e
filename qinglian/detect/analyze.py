"""`qinglian analyze CASE`: run every registered analysis over a case, then write the custody log.

Analyses are registered by name and import path in ``ANALYSES``; each is a function
``(case, con) -> result`` where ``result`` has ``lines() -> list[str]`` (for the user) and
``summary() -> dict`` (for the custody log). An analysis whose module is not installed yet is
skipped and reported, so stages can be added independently.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import duckdb

from qinglian.i18n import t
from qinglian.store.case import Case


class AnalysisResult(Protocol):
    def lines(self) -> list[str]: ...

    def summary(self) -> dict[str, Any]: ...


Analysis = Callable[[Case, duckdb.DuckDBPyConnection], AnalysisResult]

# (name, "module:function"), run in this order.
ANALYSES: list[tuple[str, str]] = [
    ("text", "qinglian.detect.analyze_text:analyze_text"),
    ("campaigns", "qinglian.detect.campaigns:analyze_campaigns"),
    ("behaviour", "qinglian.detect.behaviour:analyze_behaviour"),
]


@dataclass
class AnalyzeResult:
    ran: dict[str, AnalysisResult] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        out: list[str] = []
        for res in self.ran.values():
            out.extend(res.lines())
        for name in self.missing:
            out.append(t(f"分析 {name} 尚未安装，已跳过", f"analysis {name} is not installed; skipped"))
        return out


def _resolve(target: str) -> Analysis | None:
    module, _, func = target.partition(":")
    try:
        mod = importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name and module.startswith(exc.name):
            return None
        raise
    fn: Analysis | None = getattr(mod, func, None)
    return fn


def analyze_case(case: Case, user: str | None = None) -> AnalyzeResult:
    """Run all registered analyses over the case and log the run in the custody log."""
    result = AnalyzeResult()
    with case.connect() as con:
        for name, target in ANALYSES:
            fn = _resolve(target)
            if fn is None:
                result.missing.append(name)
                continue
            result.ran[name] = fn(case, con)
        case.log(
            "analyze",
            {"analyses": [name for name, _ in ANALYSES]},
            user=user,
            details={name: res.summary() for name, res in result.ran.items()} | {"skipped": result.missing},
            con=con,
        )
    return result
