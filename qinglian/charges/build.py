"""The charges stage: candidates from detect.py become stored charges and leads, reviews carried over."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import duckdb

from qinglian.charges.conduct import CONDUCTS
from qinglian.charges.detect import BUILDERS, Candidate, Context
from qinglian.charges.evidence import representative, summarise
from qinglian.charges.provisions import checked, cite
from qinglian.i18n import t
from qinglian.store import tables as T
from qinglian.store.case import Case

Progress = Callable[[str, int, int], None]


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


def _lead_row(c: Candidate, now: datetime, con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    s = summarise(con, c.queries)
    sample = representative(con, c.queries, 1)
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


def build_charges(case: Case, con: duckdb.DuckDBPyConnection, progress: Progress | None = None,
                  user: str | None = None) -> ChargesResult:
    """Rebuild charges, charge_evidence and leads from the case's detections; keep reviews.

    A review stays with its charge (same id); where the charge's evidence digest differs from the one
    the reviewer saw, the status is kept and ``evidence_changed`` is set.
    """
    ctx = Context(con)
    reviews = latest_reviews(con)
    now = datetime.now()
    charges: list[dict[str, Any]] = []
    items: list[dict[str, Any]] = []
    leads: list[dict[str, Any]] = []
    result = ChargesResult()
    total = len(ctx.holders)
    for k, holder in enumerate(ctx.holders):
        if progress:
            progress(holder, k, total)
        for builder in BUILDERS:
            for c in builder(ctx, holder):
                conduct = CONDUCTS[c.conduct]
                s = summarise(con, c.queries)
                first, last = _d(s.first_at), _d(s.last_at)
                breach, unverified = checked(cite(conduct.breach, first, last, "breach"))
                if c.lead is None and not breach and not c.referral:
                    c.lead = ("所涉条文未经文本核对，不作为违法认定", "no provision checked against a text applies")
                if c.lead is not None or s.rows == 0:
                    leads.append(_lead_row(c, now, con))
                    continue
                referral_ids = tuple(dict.fromkeys((*c.extra_provisions, *(conduct.referral if c.referral else ()))))
                referral, unv2 = checked(cite(referral_ids, first, last, "referral"))
                cid = charge_id(holder, c.conduct, [p["id"] for p in breach] or list(referral_ids))
                review = reviews.get(cid)
                reasons = [{"zh": zh, "en": en} for zh, en in c.reasons]
                for cited in unverified + unv2:
                    reasons.append({"zh": f"另可考虑（条文未经文本核对，未引用）：{cited}", "en": f"also consider (not checked, not cited): {cited}"})
                charges.append({
                    "charge_id": cid, "holder": holder, "conduct": c.conduct, "conduct_zh": conduct.zh,
                    "conduct_en": conduct.en, "provisions": json.dumps(breach + referral, ensure_ascii=False),
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
                for rank, item in enumerate(representative(con, c.queries), start=1):
                    items.append({
                        "charge_id": cid, "rank": rank, "kind": item["kind"], "evidence_sha256": item["evidence_sha256"],
                        "file_name": item["file_name"], "sheet": item["sheet"], "row_no": item["row_no"],
                        "group_key": None if item["group_key"] is None else str(item["group_key"]),
                        "quote": None if item["quote"] is None else str(item["quote"])[:300],
                        "note_zh": c.queries[0].what_zh, "note_en": c.queries[0].what_en,
                    })
                result.by_conduct[c.conduct] = result.by_conduct.get(c.conduct, 0) + 1
    for table in (T.CHARGES, T.CHARGE_EVIDENCE, T.LEADS):
        T.create(con, table, replace=True)
    T.insert(con, T.CHARGES, charges)
    T.insert(con, T.CHARGE_EVIDENCE, items)
    T.insert(con, T.LEADS, {r["lead_id"]: r for r in leads}.values())
    result.charges, result.leads = len(charges), len({r["lead_id"] for r in leads})
    case.log("charges", {"rebuild": True}, user=user, details=result.summary(), con=con,
             tables=("charges", "charge_evidence", "leads"))
    return result
