"""Which analyses a report expects, and whether each ran (from its tables and ``analysis_runs``).

An analysis that did not run is said so plainly in the report ("未运行"), never silently left out.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import duckdb

from qinglian.i18n import t


@dataclass(frozen=True)
class Expected:
    key: str
    title_zh: str
    title_en: str
    tables: tuple[str, ...] = ()
    prefix: str | None = None  # any table starting with it belongs to the analysis
    findings_analysis: str | None = None  # rows of `findings` with this analysis name


EXPECTED: tuple[Expected, ...] = (
    Expected("text", "文本检测（话术、短信、聊天）", "text detectors", findings_analysis="text"),
    Expected("pi", "个人信息清点", "PI inventory", tables=("pi_inventory",)),
    Expected("behaviour", "呼叫与短信行为分析", "call/SMS behaviour", prefix="behaviour_"),
    Expected("list_order", "按名单顺序拨打", "list-order dialling", tables=("list_order",)),
    Expected("intent", "意向分级", "intent grading", tables=("intent_grades",)),
    Expected("campaigns", "群发活动（同模板短信、话术）", "campaigns", tables=("campaigns",)),
    Expected("link", "实体与关联", "entities and links", tables=("entities", "links")),
    Expected("upstream", "上游排名", "upstream ranking", tables=("upstream",)),
    Expected("leak", "名单重合与泄露源", "list overlaps and leak sources",
             tables=("list_overlaps", "leak_clusters")),
    Expected("targets", "检查目标排序", "inspection targets", tables=("targets",)),
)


@dataclass
class Run:
    analysis: str
    version: str
    ran_at: str
    params: str


@dataclass
class AnalysisStatus:
    key: str
    title: str
    status: str  # "ran" | "empty" | "missing"
    tables: dict[str, int] = field(default_factory=dict)  # table -> rows
    runs: list[Run] = field(default_factory=list)

    @property
    def ran(self) -> bool:
        return self.status == "ran"

    @property
    def status_text(self) -> str:
        if self.status == "ran":
            return t("已运行", "ran")
        if self.status == "empty" and self.runs:
            return t("已运行，无结果", "ran, no results")
        if self.status == "empty":
            return t("未运行：结果表为空", "not run: its tables are empty")
        return t("未运行：案件库中没有其结果表", "not run: its tables are not in the case store")


def _params_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def runs(con: duckdb.DuckDBPyConnection) -> list[Run]:
    rows = con.execute(
        "SELECT analysis, version, ran_at, params FROM analysis_runs ORDER BY analysis, ran_at"
    ).fetchall()
    return [Run(str(a), str(v), str(r), _params_text(p)) for a, v, r, p in rows]


def _belongs(run: Run, exp: Expected) -> bool:
    name = run.analysis.lower()
    return name == exp.key or name.startswith(exp.key + ".") or name.startswith(exp.key + "_") or (
        exp.findings_analysis is not None and name == exp.findings_analysis
    )


def statuses(con: duckdb.DuckDBPyConnection, present: dict[str, list[str]]) -> list[AnalysisStatus]:
    from qinglian.store.sqlident import quote_ident

    all_runs = runs(con)
    out: list[AnalysisStatus] = []
    for exp in EXPECTED:
        names = [n for n in exp.tables if n in present]
        if exp.prefix:
            names += sorted(n for n in present if n.startswith(exp.prefix))
        counts: dict[str, int] = {}
        for n in names:
            row = con.execute(f"SELECT count(*) FROM {quote_ident(n)}").fetchone()
            counts[n] = int(row[0]) if row else 0
        if exp.findings_analysis is not None:
            row = con.execute(
                "SELECT count(*) FROM findings WHERE analysis = ?", [exp.findings_analysis]
            ).fetchone()
            counts["findings"] = int(row[0]) if row else 0
        mine = [r for r in all_runs if _belongs(r, exp)]
        if any(counts.values()):
            status = "ran"
        elif mine or names:
            status = "empty"
        else:
            status = "missing"
        out.append(AnalysisStatus(exp.key, t(exp.title_zh, exp.title_en), status, counts, mine))
    return out
