"""Inspection targets in two phases, each target with its reasons and their evidence rows.

'before': what the complaints and the vendor's account table say before anyone is
inspected. 'after': the strength of the evidence seized and analysed. Each feature is a
small function returning {holder entity id: (score, reason)}; the phase score is their sum.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import duckdb

from qinglian.labels import LABEL_ZH
from qinglian.link.evidence import Reason, cite, reason
from qinglian.link.sql import reset_table, row_count
from qinglian.store import tables as tbl
from qinglian.store.sqlident import quote_ident

Scores = dict[str, tuple[float, Reason]]
Feature = Callable[[duckdb.DuckDBPyConnection], Scores]
RECORD_KINDS = ("calls", "sms", "customers", "chats", "payments")
# What the detect stages wrote that the ranking reads (declared in qinglian.store.tables).
DETECT_READS = ("findings", "pi_inventory", "list_order", "behaviour_accounts", "behaviour_numbers")


@dataclass(frozen=True)
class Target:
    phase: str
    rank: int
    holder: str
    score: float
    reasons: list[Reason]

    def as_json(self) -> dict[str, Any]:
        return {"holder": self.holder, "score": self.score, "reasons": self.reasons}


def _grouped(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    return con.execute(sql, params or []).fetchall()


# ---- before inspection ------------------------------------------------------------------------


def complaints(con: duckdb.DuckDBPyConnection, weight: float = 3.0) -> Scores:
    """Complaints whose calling number or named respondent leads to the holder."""
    out: Scores = {}
    for hid, n, vias, ev in _grouped(
        con,
        """SELECT holder_id, count(DISTINCT (evidence_sha256, sheet, row_no)), list(DISTINCT via)[1:3],
                  list((evidence_sha256, sheet, row_no) ORDER BY evidence_sha256, row_no)[1:5]
        FROM complaint_holder GROUP BY holder_id""",
    ):
        how = "、".join(str(v) for v in vias)
        out[hid] = (weight * min(int(n), 10), reason(
            f"{n} 宗投诉指向该单位（经 {how}）", f"{n} complaints lead to the holder (via {how})", cite(ev)))
    return out


def vendor_accounts(con: duckdb.DuckDBPyConnection) -> Scores:
    """Accounts the vendor's table lists for the holder, with their seats."""
    out: Scores = {}
    for hid, n, seats, ev in _grouped(
        con,
        """SELECT l.dst, count(DISTINCT l.src), coalesce(sum(TRY_CAST(e.detail->>'seats' AS DOUBLE)), 0),
                  list((l.evidence_sha256, l.sheet, l.row_no) ORDER BY l.evidence_sha256, l.row_no)[1:5]
        FROM links l LEFT JOIN entities e ON e.entity_id = l.src
        WHERE l.relation = 'held_by' GROUP BY l.dst""",
    ):
        score = 0.5 * min(int(n), 20) + 0.01 * min(float(seats), 300.0)
        out[hid] = (score, reason(
            f"供应商账户表列有该单位 {n} 个账户、{seats:.0f} 个坐席",
            f"the vendor's account table lists {n} accounts with {seats:.0f} seats for the holder", cite(ev)))
    return out


def upstream_volume(con: duckdb.DuckDBPyConnection) -> Scores:
    """Calls and SMS the vendor's or platform's own logs show from the holder's accounts."""
    out: Scores = {}
    for hid, volume, ev in _grouped(
        con,
        """SELECT h.dst, sum(c.weight), list((c.evidence_sha256, c.sheet, c.row_no) ORDER BY c.row_no)[1:5]
        FROM links c JOIN links h ON h.src = c.dst AND h.relation IN ('held_by', 'used_by')
        WHERE c.relation = 'carried' GROUP BY h.dst""",
    ):
        out[hid] = (1.0 * math.log1p(float(volume)), reason(
            f"上游平台日志显示该单位账户外呼/发送 {volume:.0f} 次",
            f"the upstream's logs show {volume:.0f} calls/messages from the holder's accounts", cite(ev)))
    return out


def local(con: duckdb.DuckDBPyConnection, weight: float = 3.0) -> Scores:
    """Local holders: those inspected here, and the vendor's customers in the province where
    the complaints concentrate."""
    row = con.execute(
        """SELECT e.detail->>'province' AS p, count(*) FROM complaint_holder c
        JOIN entities e ON e.entity_id = c.holder_id WHERE e.detail->>'province' IS NOT NULL
        GROUP BY p ORDER BY 2 DESC, p LIMIT 1"""
    ).fetchone()
    province = str(row[0]) if row else None
    out: Scores = {}
    for hid, ev in _grouped(
        con,
        """SELECT l.dst, list((l.evidence_sha256, l.sheet, l.row_no) ORDER BY l.row_no)[1:2]
        FROM links l JOIN entities e ON e.entity_id = l.dst
        WHERE l.relation = 'held_by' AND e.detail->>'province' = ? GROUP BY l.dst""",
        [province],
    ):
        out[hid] = (weight, reason(f"本地单位（{province}，投诉集中地）",
                                   f"local holder ({province}, where the complaints concentrate)", cite(ev)))
    for hid, sites, ev in _grouped(
        con,
        """SELECT 'holder:' || canon(holder), list(DISTINCT site) FILTER (WHERE site IS NOT NULL)[1:2],
                  [min((evidence_sha256, sheet, row_no))]
        FROM (SELECT holder, site, evidence_sha256, sheet, row_no FROM calls
              UNION ALL SELECT holder, site, evidence_sha256, sheet, row_no FROM sms
              UNION ALL SELECT holder, site, evidence_sha256, sheet, row_no FROM customers
              UNION ALL SELECT holder, site, evidence_sha256, sheet, row_no FROM chats)
        GROUP BY holder""",
    ):
        if hid in out:
            continue
        where = "、".join(str(x) for x in sites or [])
        out[hid] = (weight, reason(f"本地已查获单位（{where or '检查现场'}）",
                                   f"local holder with seized records ({where or 'inspected site'})", cite(ev)))
    return out


# ---- after inspection -------------------------------------------------------------------------


def findings(con: duckdb.DuckDBPyConnection) -> Scores:
    """Findings of the content and behaviour analyses on the holder's records."""
    merged: dict[str, tuple[int, set[str], set[str], list[Any]]] = {}
    for hid, n, labels, laws, ev in _grouped(
        con,
        """WITH f AS (SELECT holder, label, law, evidence_sha256, sheet, row_no FROM findings
                      WHERE holder IS NOT NULL),
        counts AS (SELECT holder, count(*) AS n, list(DISTINCT label) AS labels,
                          list(DISTINCT law) FILTER (WHERE law IS NOT NULL) AS laws
                   FROM f GROUP BY holder),
        firsts AS (SELECT holder, list(first ORDER BY label)[1:5] AS ev
                   FROM (SELECT holder, label, min((evidence_sha256, sheet, row_no)) AS first
                         FROM f GROUP BY holder, label)
                   GROUP BY holder)
        SELECT 'holder:' || canon(c.holder), c.n, c.labels, c.laws, fi.ev
        FROM counts c JOIN firsts fi USING (holder)""",
    ):
        old = merged.get(hid, (0, set(), set(), []))
        merged[hid] = (old[0] + int(n), old[1] | {str(x) for x in labels},
                       old[2] | _laws(laws or []), old[3] + list(ev))
    out: Scores = {}
    for hid, (n, label_set, law_set, ev) in merged.items():
        labels = sorted(label_set)
        text = "、".join(LABEL_ZH.get(x, x) for x in labels[:6])
        law = "；".join(sorted(law_set)[:3])
        out[hid] = (2.0 * len(labels) + math.log1p(n), reason(
            f"{n} 条分析发现，{len(labels)} 类：{text}" + (f"（依据：{law}）" if law else ""),
            f"{n} findings of {len(labels)} kinds: {', '.join(labels[:6])}" + (f" (law: {law})" if law else ""),
            cite(ev)))
    return out


def _laws(values: list[Any]) -> set[str]:
    """Law references; a finding may hold one as text or several as a JSON list."""
    out: set[str] = set()
    for value in values:
        text = str(value)
        try:
            parsed = json.loads(text) if text.startswith("[") else text
        except ValueError:
            parsed = text
        out.update(str(x) for x in (parsed if isinstance(parsed, list) else [parsed]))
    return out


def bribery(con: duckdb.DuckDBPyConnection) -> Scores:
    """Hints of paying bank staff: the text stage's bribery findings, and bank staff named in chats."""
    out: Scores = {}
    for hid, n, ev in _grouped(
        con,
        f"""SELECT 'holder:' || canon(holder), count(*),
                   list((evidence_sha256, sheet, row_no) ORDER BY evidence_sha256, row_no)[1:5]
        FROM ({tbl.FINDINGS.select("holder", "label", "evidence_sha256", "sheet", "row_no")})
        WHERE holder IS NOT NULL AND label = 'bribery' GROUP BY holder""",
    ):
        out[hid] = (3.0, reason(f"疑似向银行人员输送利益（{n} 条发现）",
                                f"hints of paying bank staff ({n} findings)", cite(ev)))
    for hid, names, ev in _grouped(
        con,
        """SELECT dst, list(DISTINCT substr(src, 12))[1:3],
                  list((evidence_sha256, sheet, row_no) ORDER BY row_no)[1:5]
        FROM links WHERE relation = 'named_in_chat' GROUP BY dst""",
    ):
        score, prior = out.get(hid, (0.0, None))
        who = "、".join(str(x) for x in names)
        r = reason(f"聊天记录提及银行人员：{who}", f"chats name bank staff: {who}", cite(ev))
        out[hid] = (max(score, 2.0), prior if prior else r)
    return out


def pi_inventory(con: duckdb.DuckDBPyConnection) -> Scores:
    """Personal-information records the PI stage inventoried for the holder: its per-category
    totals (the rows without an evidence file) added up; cited by the holder's first records."""
    out: Scores = {}
    for hid, n in _grouped(
        con,
        f"""SELECT 'holder:' || canon(holder), sum(subjects)
        FROM ({tbl.PI_INVENTORY.select("holder", "evidence_sha256", "subjects")})
        WHERE evidence_sha256 IS NULL GROUP BY 1""",
    ):
        ev = _first_rows(con, str(hid)[7:])
        out[hid] = (math.log1p(float(n or 0)), reason(
            f"个人信息清点：{float(n or 0):.0f} 条", f"personal information inventoried: {float(n or 0):.0f} records",
            cite(ev)))
    return out


LIST_ORDER_SPEARMAN = 0.8
LIST_ORDER_RUN_SHARE = 0.5


def behaviour_flags(con: duckdb.DuckDBPyConnection) -> Scores:
    """Accounts and calling numbers the behaviour analysis flagged as mass calling."""
    parts: list[str] = []
    params: list[Any] = []
    for table, key, prefix in ((tbl.BEHAVIOUR_ACCOUNTS, "account", "account:"),
                               (tbl.BEHAVIOUR_NUMBERS, "number", "number:")):
        parts.append(f"SELECT ? || {quote_ident(key)} AS src FROM ({table.select(key, 'flag')}) WHERE flag")
        params.append(prefix)
    out: Scores = {}
    for hid, n, names, ev in _grouped(
        con,
        f"""SELECT l.dst, count(DISTINCT l.src), list(DISTINCT substr(l.src, strpos(l.src, ':') + 1))[1:5],
                   list((l.evidence_sha256, l.sheet, l.row_no) ORDER BY l.row_no)[1:5]
        FROM ({' UNION '.join(parts)}) f JOIN links l ON l.src = f.src
        WHERE l.relation IN ('used_by', 'held_by') GROUP BY l.dst""",
        params,
    ):
        who = "、".join(str(x) for x in names)
        out[hid] = (2.0 + math.log1p(int(n)), reason(
            f"行为分析认定 {n} 个账户/号码为批量外呼（{who}）",
            f"behaviour analysis flags {n} accounts/numbers as mass calling ({who})", cite(ev)))
    return out


def list_order(con: duckdb.DuckDBPyConnection) -> Scores:
    """Lists the behaviour stage found dialled in row order (its table ``list_order``)."""
    cols = ("evidence_sha256", "sheet", "account", "spearman", "longest_run_share", "run_first_row")
    out: Scores = {}
    for hid, n, accounts, ev in _grouped(
        con,
        f"""SELECT l.src, count(*), list(DISTINCT o.account)[1:3],
                  list((o.evidence_sha256, o.sheet, o.run_first_row))[1:5]
        FROM ({tbl.LIST_ORDER.select(*cols)}) o
        JOIN links l ON l.relation = 'holds_list'
         AND l.dst = 'list:' || o.evidence_sha256 || ':' || coalesce(o.sheet, '')
        WHERE o.spearman >= ? OR o.longest_run_share >= ?
        GROUP BY l.src""",
        [LIST_ORDER_SPEARMAN, LIST_ORDER_RUN_SHARE],
    ):
        who = "、".join(str(x) for x in accounts if x is not None)
        out[hid] = (3.0, reason(
            f"{n} 份客户名单被按行序拨打（账户 {who}）", f"{n} customer lists dialled in row order (accounts {who})",
            cite(_existing(con, ev))))
    return out


def _existing(con: duckdb.DuckDBPyConnection, ev: list[Any]) -> list[Any]:
    """Keep the citations that are rows of the customers table."""
    keep = []
    for sha, sheet, row_no in ev:
        hit = con.execute(
            "SELECT count(*) FROM customers WHERE evidence_sha256 = ? AND sheet IS NOT DISTINCT FROM ? AND row_no = ?",
            [sha, sheet, row_no],
        ).fetchone()
        if hit and hit[0]:
            keep.append((sha, sheet, row_no))
    return keep


def customer_lists(con: duckdb.DuckDBPyConnection) -> Scores:
    """Customer lists held, the consumers in them, and lists shared with other holders."""
    out: Scores = {}
    for hid, lists, rows, shared, ev in _grouped(
        con,
        """SELECT l.src, count(*), sum(l.weight),
                  count(*) FILTER (WHERE c.cluster_size > 1),
                  list((l.evidence_sha256, l.sheet, l.row_no) ORDER BY l.row_no)[1:5]
        FROM links l LEFT JOIN (
            SELECT list_id, count(*) OVER (PARTITION BY cluster_id) AS cluster_size FROM leak_clusters) c
          ON 'list:' || c.list_id = l.dst
        WHERE l.relation = 'holds_list' GROUP BY l.src""",
    ):
        score = 0.5 * math.log1p(float(rows)) + (1.0 if shared else 0.0)
        extra_zh = f"，其中 {shared} 份与其他名单同源" if shared else ""
        extra_en = f", {shared} sharing a source with other lists" if shared else ""
        out[hid] = (score, reason(f"持有客户名单 {lists} 份共 {rows:.0f} 条{extra_zh}",
                                  f"holds {lists} customer lists with {rows:.0f} rows{extra_en}", cite(ev)))
    return out


def activity(con: duckdb.DuckDBPyConnection) -> Scores:
    """Calls and SMS in the holder's own seized exports."""
    out: Scores = {}
    for hid, n, ev in _grouped(
        con,
        """SELECT 'holder:' || canon(holder), count(*), [min((evidence_sha256, sheet, row_no))]
        FROM (SELECT holder, evidence_sha256, sheet, row_no FROM calls
              UNION ALL SELECT holder, evidence_sha256, sheet, row_no FROM sms) GROUP BY holder""",
    ):
        out[hid] = (0.5 * math.log1p(int(n)), reason(
            f"查获外呼/短信记录 {n} 条", f"{n} call/SMS records seized", cite(ev)))
    return out


def _first_rows(con: duckdb.DuckDBPyConnection, holder: str) -> list[Any]:
    for kind in RECORD_KINDS:
        rows = con.execute(
            f"SELECT evidence_sha256, sheet, row_no FROM {quote_ident(kind)} "
            "WHERE holder = ? OR holder IN (SELECT record_name FROM name_map WHERE canonical = ?) "
            "ORDER BY row_no LIMIT 1",
            [holder, holder],
        ).fetchall()
        if rows:
            return list(rows)
    return []


BEFORE: tuple[Feature, ...] = (complaints, vendor_accounts, upstream_volume, local, activity)
AFTER: tuple[Feature, ...] = (
    findings, pi_inventory, list_order, behaviour_flags, bribery, customer_lists, activity,
)


def _candidates(con: duckdb.DuckDBPyConnection, phase: str) -> list[str]:
    upstream_ok = "TRUE" if phase == "after" else "detail->>'upstream' IS NULL"
    return [
        str(r[0]) for r in con.execute(
            f"""SELECT entity_id FROM entities WHERE type = 'holder'
            AND (CAST(detail->>'vendor_customer' AS BOOLEAN)
                 OR len(list_filter(CAST(detail->'kinds' AS VARCHAR[]), lambda k: k <> 'complaints')) > 0)
            AND {upstream_ok} ORDER BY entity_id"""
        ).fetchall()
    ]


def _phase(con: duckdb.DuckDBPyConnection, phase: str, features: tuple[Feature, ...],
           carry: dict[str, float] | None = None) -> list[Target]:
    per_feature = [f(con) for f in features]
    scored: list[tuple[float, str, list[Reason]]] = []
    for hid in _candidates(con, phase):
        parts = [fs[hid] for fs in per_feature if hid in fs]
        if carry and carry.get(hid):
            parts.append((0.3 * carry[hid], reason(
                f"检查前评分 {carry[hid]:.1f}（投诉与账户表）", f"pre-inspection score {carry[hid]:.1f} "
                "(complaints and account table)", [])))
        parts.sort(key=lambda p: -p[0])
        total = round(sum(p[0] for p in parts), 4)
        reasons = [dict(p[1], weight=round(p[0], 3)) for p in parts]
        if not reasons:
            reasons = [reason("无任何证据线索", "no evidence points to this holder", [])]
        scored.append((total, hid, reasons))
    scored.sort(key=lambda s: (-s[0], s[1]))
    return [Target(phase, n + 1, hid[7:], score, reasons) for n, (score, hid, reasons) in enumerate(scored)]


def compute(con: duckdb.DuckDBPyConnection) -> dict[str, list[Target]]:
    """Fill ``targets`` for both phases; needs the link tables and temp tables of this run."""
    before = _phase(con, "before", BEFORE)
    after = _phase(con, "after", AFTER, carry={"holder:" + t.holder: t.score for t in before})
    reset_table(con, "targets")
    rows = [(t.phase, t.rank, t.holder, t.score, json.dumps(t.reasons, ensure_ascii=False))
            for t in (*before, *after)]
    if rows:
        con.executemany("INSERT INTO targets VALUES (?, ?, ?, ?, ?::JSON)", rows)
    return {"before": before, "after": after}


def has_findings(con: duckdb.DuckDBPyConnection) -> bool:
    return row_count(con, "findings") > 0
