"""The whole chain-tracing flow: resolve names, build entities and links, rank upstreams,
measure list overlaps and leak clusters; and, separately, rank inspection targets."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

import duckdb
import pyarrow as pa

from qinglian import __version__
from qinglian.errors import QinglianError
from qinglian.i18n import t
from qinglian.link import entities, leaks, targets, upstream
from qinglian.link.keys import agency_key
from qinglian.link.resolve import resolve_names
from qinglian.link.sql import has_table, reset_table
from qinglian.store import tables
from qinglian.store.case import Case
from qinglian.store.schema import KINDS
from qinglian.store.sqlident import quote_ident

NAME_SOURCES: tuple[tuple[str, str], ...] = (
    ("accounts", "customer"), ("payments", "payer"), ("payments", "payee"), ("complaints", "respondent"),
)


@dataclass(frozen=True)
class LinkResult:
    entities: dict[str, int]
    links: int
    names: int
    merged: int
    upstream: int
    leaks: leaks.LeakSummary

    def lines(self) -> list[str]:
        ents = ", ".join(f"{k} {v}" for k, v in sorted(self.entities.items()))
        return [
            t(f"实体：{ents}", f"entities: {ents}"),
            t(f"关联 {self.links} 条；名称 {self.names} 个，合并 {self.merged} 个",
              f"{self.links} links; {self.names} names, {self.merged} merged"),
            t(f"上游排名 {self.upstream} 项", f"{self.upstream} upstream entities ranked"),
            t(f"客户名单 {self.leaks.lists} 份，重叠 {self.leaks.pairs} 对（{self.leaks.method}），"
              f"来源簇 {self.leaks.clusters} 个",
              f"{self.leaks.lists} customer lists, {self.leaks.pairs} overlapping pairs ({self.leaks.method}), "
              f"{self.leaks.clusters} clusters"),
        ]


def _names(con: duckdb.DuckDBPyConnection) -> tuple[dict[str, str], set[str]]:
    names: dict[str, str] = {}
    holders: set[str] = set()
    for kind in KINDS:
        for (h,) in con.execute(f"SELECT DISTINCT holder FROM {quote_ident(kind)}").fetchall():
            if h:
                holders.add(str(h))
                names.setdefault(str(h), "holder")
    for kind, column in NAME_SOURCES:
        for (n,) in con.execute(
            f"SELECT DISTINCT {quote_ident(column)} FROM {quote_ident(kind)} WHERE {quote_ident(column)} IS NOT NULL"
        ).fetchall():
            names.setdefault(str(n), f"{kind}.{column}")
    return names, holders


def link_case(
    case: Case,
    *,
    key: bytes | None = None,
    exact_limit: int = leaks.EXACT_LIMIT,
    threshold: float = leaks.CLUSTER_CONTAINMENT,
    sketch_k: int = leaks.SKETCH_K,
    user: str | None = None,
) -> LinkResult:
    key = key if key is not None else agency_key()
    with case.connect() as con:
        con.execute("SET enable_progress_bar = false")
        con.execute("BEGIN")
        try:
            names, holders = _names(con)
            decisions = resolve_names(names, preferred=holders)
            reset_table(con, "resolution")
            # kept across runs: the exchange fills it; created empty so its readers find it
            tables.create(con, tables.CROSS_CASE_OVERLAPS)
            table = pa.table({
                "cluster_id": [d.cluster_id for d in decisions],
                "record_name": [d.record_name for d in decisions],
                "canonical_name": [d.canonical_name for d in decisions],
                "match_weight": pa.array([d.match_weight for d in decisions], pa.float64()),
                "match_probability": pa.array([d.match_probability for d in decisions], pa.float64()),
                "source": [d.source for d in decisions],
            })
            con.register("resolution_arrow", table)
            con.execute("INSERT INTO resolution SELECT * FROM resolution_arrow")
            con.unregister("resolution_arrow")
            entities.load_name_map(con)
            counts = entities.build(con, key)
            entities.complaint_paths(con)
            ranked = upstream.rank(con)
            leak = leaks.compute(con, exact_limit=exact_limit, threshold=threshold, sketch_k=sketch_k)
            row = con.execute("SELECT count(*) FROM links").fetchone()
            result = LinkResult(
                entities=counts, links=int(row[0]) if row else 0, names=len(decisions),
                merged=sum(1 for d in decisions if d.record_name != d.canonical_name),
                upstream=ranked, leaks=leak,
            )
            params = {"exact_limit": exact_limit, "threshold": threshold, "sketch_k": sketch_k,
                      "method": leak.method}
            _record_run(con, "link", params)
            case.log("link", params, user=user, details=_details(result), con=con)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    return result


def _details(result: LinkResult) -> dict[str, Any]:
    d = asdict(result)
    d["leaks"] = asdict(result.leaks)
    return d


def _record_run(con: duckdb.DuckDBPyConnection, analysis: str, params: dict[str, Any]) -> None:
    con.execute(
        "INSERT INTO analysis_runs VALUES (?, ?, ?, ?::JSON)",
        [analysis, __version__, datetime.now(), json.dumps(params, ensure_ascii=False)],
    )


def targets_case(case: Case, *, user: str | None = None) -> dict[str, list[targets.Target]]:
    """Rank inspection targets (both phases) from the tables ``link`` wrote."""
    with case.connect() as con:
        if not (has_table(con, "links") and has_table(con, "resolution") and has_table(con, "leak_clusters")):
            raise QinglianError(
                "尚未进行链条分析", "the chain has not been traced yet",
                hint_zh="先运行 qinglian link 案件目录", hint_en="run qinglian link CASE first",
            )
        missing = [n for n in targets.DETECT_READS if not has_table(con, n)]
        if missing:
            raise QinglianError(
                f"尚未运行检测分析：缺少 {'、'.join(missing)}", f"the detect stages have not run: no {', '.join(missing)}",
                hint_zh="先运行 qinglian analyze 案件目录", hint_en="run qinglian analyze CASE first",
            )
        con.execute("SET enable_progress_bar = false")
        con.execute("BEGIN")
        try:
            entities.load_name_map(con)
            entities.complaint_paths(con)
            result = targets.compute(con)
            params = {"findings_present": targets.has_findings(con),
                      "pi_inventory_present": has_table(con, "pi_inventory")}
            _record_run(con, "targets", params)
            case.log("targets", params, user=user,
                     details={p: len(v) for p, v in result.items()}, con=con)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    return result


def print_targets(
    result: dict[str, list[targets.Target]], *, phase: str, top: int, as_json: bool
) -> list[str]:
    """Lines to print for ``qinglian targets``: JSON (best first) or one line per target and reason."""
    if phase not in result:
        raise QinglianError(
            f"未知阶段：{phase}", f"unknown phase: {phase}", hint_zh="用 before 或 after",
            hint_en="use before or after",
        )
    chosen = result[phase][: max(top, 0)]
    if as_json:
        return [json.dumps([tg.as_json() for tg in chosen], ensure_ascii=False, indent=2)]
    lines = [t(f"检查对象（{'检查前' if phase == 'before' else '检查后'}），前 {len(chosen)} 名：",
               f"inspection targets ({phase} inspection), top {len(chosen)}:")]
    for tg in chosen:
        lines.append(f"{tg.rank:>3}. {tg.holder}  {tg.score:.2f}")
        for r in tg.reasons:
            cites = "; ".join(
                f"{c['evidence_sha256'][:12]} {c['sheet'] or ''}#{c['row_no']}".replace("  ", " ")
                for c in r["evidence"][:3]
            )
            lines.append(f"       - {t(r['reason_zh'], r['reason_en'])}" + (f"  [{cites}]" if cites else ""))
    return lines
