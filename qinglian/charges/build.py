"""The charges stage: candidates from detect.py become stored charges and leads, reviews carried over."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import duckdb
import pyarrow as pa

from qinglian.charges.conduct import CONDUCTS
from qinglian.charges.detect import BUILDERS, SUPPORT, Candidate, Context
from qinglian.charges.evidence import Summary, representative_all, summarise_all
from qinglian.charges.packs import case_wording
from qinglian.charges.provisions import checked, cite
from qinglian.i18n import t
from qinglian.store import tables as T
from qinglian.store.case import Case
from qinglian.store.sqlident import quote_ident

Progress = Callable[[str, int, int], None]
PARTS = "_charges_parts"  # (cand, tag, holder): the staged rows behind each candidate


def charge_id(holder: str, conduct: str, provisions: list[str]) -> str:
    """Stable across re-runs: the party, the conduct and the provisions it breaches."""
    key = "|".join([holder, conduct, *sorted(provisions)])
    return "C-" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:12]


def lead_id(holder: str, conduct: str, source: str) -> str:
    return "L-" + hashlib.sha256(f"{holder}|{conduct}|{source}".encode()).hexdigest()[:12]


@dataclass
class ChargesResult:
    charges: int = 0
    leads: int = 0
    by_conduct: dict[str, int] = field(default_factory=dict)
    changed: list[str] = field(default_factory=list)  # reviewed charges whose evidence changed

    def lines(self) -> list[str]:
        out = [t(f"认定违法事实（指控）{self.charges} 项，线索 {self.leads} 条",
                 f"{self.charges} charges and {self.leads} leads")]
        for code, n in sorted(self.by_conduct.items()):
            c = CONDUCTS[code]
            out.append(t(f"  {c.zh}：{n}", f"  {c.en}: {n}"))
        if self.changed:
            out.append(t(f"  已复核但证据有变化的指控：{len(self.changed)} 项", f"  reviewed charges whose evidence changed: {len(self.changed)}"))
        return out

    def summary(self) -> dict[str, Any]:
        return {"charges": self.charges, "leads": self.leads, "by_conduct": self.by_conduct,
                "evidence_changed": self.changed}


def latest_reviews(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[str, str, str, str | None]]:
    """charge_id -> (status, reviewer, reason, evidence digest the reviewer saw), latest review first."""
    T.create(con, T.CHARGE_REVIEWS)
    rows = con.execute(
        """SELECT charge_id, status, reviewer, reason, evidence_digest FROM (
               SELECT *, row_number() OVER (PARTITION BY charge_id ORDER BY reviewed_at DESC) AS rn
               FROM charge_reviews) WHERE rn = 1"""
    ).fetchall()
    return {str(r[0]): (str(r[1]), str(r[2]), str(r[3]), r[4]) for r in rows}


def _d(ts: Any) -> Any:
    return ts.date() if isinstance(ts, datetime) else ts


def _lead_row(c: Candidate, s: Summary, sample: list[dict[str, Any]], now: datetime) -> dict[str, Any]:
    reason = c.lead or ("", "")
    return {
        "lead_id": lead_id(c.holder, c.conduct, c.source), "holder": c.holder, "conduct": c.conduct,
        "source": c.source, "reason_zh": f"{c.facts[0]}。{reason[0]}", "reason_en": f"{c.facts[1]}. {reason[1]}",
        "rows": s.rows, "first_at": s.first_at, "last_at": s.last_at,
        "evidence_query": json.dumps([q.to_json() for q in c.queries], ensure_ascii=False),
        "sample_sha256": sample[0]["evidence_sha256"] if sample else None,
        "sample_sheet": sample[0]["sheet"] if sample else None,
        "sample_row": sample[0]["row_no"] if sample else None, "built_at": now,
    }


ARROW_TYPES = {
    "VARCHAR": pa.string(), "JSON": pa.string(), "TIMESTAMP": pa.timestamp("us"), "BIGINT": pa.int64(),
    "INTEGER": pa.int32(), "BOOLEAN": pa.bool_(),
}


def _write(con: duckdb.DuckDBPyConnection, table: T.Table, rows: list[dict[str, Any]]) -> None:
    """Replace ``table`` with ``rows`` in one bulk copy through Arrow."""
    T.create(con, table, replace=True)
    if not rows:
        return
    data = pa.table({c.name: pa.array([r.get(c.name) for r in rows], type=ARROW_TYPES[c.type]) for c in table.columns})
    view = f"_charges_{table.name}_arrow"
    con.register(view, data)
    try:
        names = ", ".join(quote_ident(n) for n in table.names)
        con.execute(f"INSERT INTO {quote_ident(table.name)} ({names}) SELECT {names} FROM {quote_ident(view)}")
    finally:
        con.unregister(view)


def candidates(ctx: Context, progress: Progress | None = None, total: int = 0) -> list[Candidate]:
    """Every builder's candidates, in holder order and, within a holder, in builder order."""
    out: list[Candidate] = []
    for k, builder in enumerate(BUILDERS):
        if progress:
            progress(builder.__name__, k, total)
        out += builder(ctx)
    order = {h: i for i, h in enumerate(ctx.holders)}
    out.sort(key=lambda c: order.get(c.holder, len(order)))
    return out


def build_charges(case: Case, con: duckdb.DuckDBPyConnection, progress: Progress | None = None,
                  user: str | None = None) -> ChargesResult:
    """Rebuild charges, charge_evidence and leads from the case's detections; keep reviews.

    Every conduct is checked for all holders at once; ``progress(step, done, total)`` is called
    before each conduct, before the evidence is summarised and before the tables are written.
    A review stays with its charge (same id); where the charge's evidence digest differs from the one
    the reviewer saw, the status is kept and ``evidence_changed`` is set.
    """
    total = len(BUILDERS) + 2
    wording = case_wording(case, con)  # each party's industry pack names its conducts
    ctx = Context(con)
    try:
        reviews = latest_reviews(con)
        now = datetime.now()
        cands = candidates(ctx, progress, total)
        if progress:
            progress("evidence", len(BUILDERS), total)
        ctx.temp(PARTS, [("cand", "BIGINT"), ("tag", "VARCHAR"), ("holder", "VARCHAR")],
                 [(i, tag, c.holder) for i, c in enumerate(cands) for tag in c.parts])
        summaries = summarise_all(con, SUPPORT, PARTS)
        samples = representative_all(con, SUPPORT, PARTS)
        ctx.fill_quotes([item for rows in samples.values() for item in rows])
    finally:
        ctx.close()
    if progress:
        progress("write", len(BUILDERS) + 1, total)
    charges: list[dict[str, Any]] = []
    items: list[dict[str, Any]] = []
    leads: list[dict[str, Any]] = []
    result = ChargesResult()
    for i, c in enumerate(cands):
        conduct = CONDUCTS[c.conduct]
        s = summaries.get(i) or Summary(0, None, None, "")
        sample = samples.get(i, [])
        first, last = _d(s.first_at), _d(s.last_at)
        said = wording.apply(c, conduct)
        breach, unverified = checked(cite(said.breach, first, last, "breach"))
        if c.lead is None and not breach and not c.referral:
            c.lead = ("所涉条文未经文本核对，不作为违法认定", "no provision checked against a text applies")
        if c.lead is not None or s.rows == 0:
            leads.append(_lead_row(c, s, sample, now))
            continue
        referral_ids = tuple(dict.fromkeys((*c.extra_provisions, *(conduct.referral if c.referral else ()))))
        referral, unv2 = checked(cite(referral_ids, first, last, "referral"))
        cid = charge_id(c.holder, c.conduct, [p["id"] for p in breach] or list(referral_ids))
        review = reviews.get(cid)
        reasons = [{"zh": zh, "en": en} for zh, en in c.reasons]
        for cited in unverified + unv2:
            reasons.append({"zh": f"另可考虑（条文未经文本核对，未引用）：{cited}", "en": f"also consider (not checked, not cited): {cited}"})
        charges.append({
            "charge_id": cid, "holder": c.holder, "conduct": c.conduct, "conduct_zh": said.zh,
            "conduct_en": said.en, "provisions": json.dumps(breach + referral, ensure_ascii=False),
            "first_at": s.first_at, "last_at": s.last_at, "scale": json.dumps({**c.scale, "rows": s.rows}, ensure_ascii=False),
            "facts_zh": c.facts[0], "facts_en": c.facts[1], "strength": c.strength,
            "strength_reasons": json.dumps(reasons, ensure_ascii=False),
            "rebuttal": json.dumps([{"zh": zh, "en": en} for zh, en in conduct.rebuttal], ensure_ascii=False),
            "referral": c.referral,
            "evidence_query": json.dumps([q.to_json() for q in c.queries], ensure_ascii=False),
            "evidence_rows": s.rows, "evidence_digest": s.digest,
            "status": review[0] if review else "proposed", "reviewer": review[1] if review else None,
            "review_reason": review[2] if review else None,
            "evidence_changed": bool(review and review[3] is not None and review[3] != s.digest),
            "built_at": now,
        })
        if charges[-1]["evidence_changed"]:
            result.changed.append(cid)
        for rank, item in enumerate(sample, start=1):
            items.append({
                "charge_id": cid, "rank": rank, "kind": item["kind"], "evidence_sha256": item["evidence_sha256"],
                "file_name": item["file_name"], "sheet": item["sheet"], "row_no": item["row_no"],
                "group_key": None if item["group_key"] is None else str(item["group_key"]),
                "quote": None if item["quote"] is None else str(item["quote"])[:300],
                "note_zh": c.queries[0].what_zh, "note_en": c.queries[0].what_en,
            })
        result.by_conduct[c.conduct] = result.by_conduct.get(c.conduct, 0) + 1
    unique_leads = list({r["lead_id"]: r for r in leads}.values())
    _write(con, T.CHARGES, charges)
    _write(con, T.CHARGE_EVIDENCE, items)
    _write(con, T.LEADS, unique_leads)
    result.charges, result.leads = len(charges), len(unique_leads)
    case.log("charges", {"rebuild": True}, user=user, details=result.summary(), con=con,
             tables=("charges", "charge_evidence", "leads"))
    if progress:
        progress("done", total, total)
    return result
