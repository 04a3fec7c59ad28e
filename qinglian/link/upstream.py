"""Upstream ranking: vendors, platforms and accounts by the holders they serve and what was
found downstream of them ("common upstream of N intermediaries")."""

from __future__ import annotations

import json

import duckdb

from qinglian.link.evidence import cite, reason
from qinglian.link.sql import reset_table, row_count


def holder_weights(con: duckdb.DuckDBPyConnection) -> bool:
    """Temp table ``holder_weight(holder_id, findings, labels, complaints, weight)``; returns
    whether any findings of other analyses were present."""
    has_findings = row_count(con, "findings") > 0
    con.execute(
        """CREATE OR REPLACE TEMP TABLE holder_weight AS
        WITH f AS (SELECT 'holder:' || canon(holder) AS holder_id, count(*) AS findings,
                          count(DISTINCT label) AS labels
                   FROM findings WHERE holder IS NOT NULL GROUP BY 1),
             c AS (SELECT holder_id, count(DISTINCT (evidence_sha256, sheet, row_no)) AS complaints
                   FROM complaint_holder GROUP BY 1)
        SELECT holder_id, coalesce(f.findings, 0) AS findings, coalesce(f.labels, 0) AS labels,
               coalesce(c.complaints, 0) AS complaints,
               ln(1 + coalesce(f.findings, 0)) + coalesce(f.labels, 0) + coalesce(c.complaints, 0)
                   AS weight
        FROM f FULL JOIN c USING (holder_id)"""
    )
    return has_findings


def rank(con: duckdb.DuckDBPyConnection) -> int:
    """Fill ``upstream``; returns its row count."""
    has_findings = holder_weights(con)
    con.execute(
        """CREATE OR REPLACE TEMP TABLE serve AS
        SELECT l.src AS up, a.dst AS holder_id, a.evidence_sha256, a.sheet, a.row_no
        FROM links l JOIN links a ON a.src = l.dst AND a.relation IN ('held_by', 'used_by')
        WHERE l.relation IN ('provides', 'carried')
        UNION
        SELECT src, dst, evidence_sha256, sheet, row_no FROM links
        WHERE relation IN ('held_by', 'used_by') AND starts_with(src, 'account:')
        UNION
        SELECT dst, src, evidence_sha256, sheet, row_no FROM links WHERE relation = 'pays'"""
    )
    rows = con.execute(
        """WITH pairs AS (
            SELECT DISTINCT s.up, s.holder_id FROM serve s JOIN entities e ON e.entity_id = s.up
            WHERE e.type = 'account' OR (e.type IN ('vendor', 'platform') AND s.holder_id <> 'holder:' || e.name)),
        cites AS (
            SELECT up, list((evidence_sha256, sheet, row_no) ORDER BY evidence_sha256, row_no)[1:5] AS ev
            FROM serve GROUP BY up)
        SELECT e.entity_id, e.type, e.name, count(*) AS served, coalesce(sum(w.weight), 0),
               coalesce(sum(w.findings), 0), coalesce(sum(w.complaints), 0),
               list(substr(p.holder_id, 8) ORDER BY p.holder_id)[1:10], any_value(c.ev)
        FROM pairs p JOIN entities e ON e.entity_id = p.up
        LEFT JOIN holder_weight w ON w.holder_id = p.holder_id
        LEFT JOIN cites c ON c.up = p.up
        GROUP BY e.entity_id, e.type, e.name"""
    ).fetchall()
    reset_table(con, "upstream")
    ordered = sorted(rows, key=lambda r: (r[1], -int(r[3]), -float(r[4]), str(r[0])))
    out = []
    position: dict[str, int] = {}
    for entity_id, etype, name, served, weight, findings, complaints, holders, evidence in ordered:
        position[etype] = position.get(etype, 0) + 1
        citations = cite((e[0], e[1], e[2]) for e in evidence)
        names = "、".join(holders)
        reasons = [
            reason(
                f"共同上游：服务 {served} 家中介（{names}{'等' if served > len(holders) else ''}）",
                f"common upstream of {served} intermediaries ({', '.join(holders)}"
                f"{', …' if served > len(holders) else ''})",
                citations,
            )
        ]
        if has_findings or complaints:
            reasons.append(reason(
                f"下游发现加权 {weight:.1f}：{findings} 条分析发现，{complaints} 宗投诉",
                f"downstream weight {weight:.1f}: {findings} findings, {complaints} complaints",
                citations[:1],
            ))
        if not has_findings:
            reasons.append(reason(
                "案件中尚无内容或行为分析的发现，下游权重仅按投诉计算",
                "no findings from content or behaviour analyses in the case yet; downstream weight "
                "counts complaints only",
                [],
            ))
        out.append((entity_id, etype, name, int(served), round(float(weight), 4), position[etype],
                    json.dumps(reasons, ensure_ascii=False)))
    if out:
        con.executemany("INSERT INTO upstream VALUES (?, ?, ?, ?, ?, ?, ?::JSON)", out)
    return len(out)

