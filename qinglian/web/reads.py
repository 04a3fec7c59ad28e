"""What the overview and party pages show, read from the stored tables the report reads
(targets, charges, charge_evidence, leads); PI masked through the report's ``Redactor``."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from typing import Any

import duckdb

from qinglian.privacy import NameMatcher
from qinglian.report.privacy import Redactor, case_names
from qinglian.store import tables as T
from qinglian.store.case import Case
from qinglian.store.schema import KINDS, rows_table
from qinglian.store.sqlident import quote_ident

_names: dict[tuple[str, str], NameMatcher] = {}
_names_lock = threading.Lock()


def redactor(case: Case, con: duckdb.DuckDBPyConnection) -> Redactor:
    """A masking Redactor with the case's own names, built once per state of the custody head."""
    head = case.head(con)
    key = (str(case.root.resolve()), str(head[1] if head else ""))
    with _names_lock:
        found = _names.get(key)
    if found is None:
        found = case_names(con)
        with _names_lock:
            if len(_names) > 16:
                _names.clear()
            _names[key] = found
    return Redactor(names=found)


def present(con: duckdb.DuckDBPyConnection) -> set[str]:
    """Every table and view of the store, in one query (a page asks about many)."""
    return {str(r[0]) for r in con.execute(
        "SELECT table_name FROM duckdb_tables() UNION ALL SELECT view_name FROM duckdb_views()").fetchall()}


def _rows(cur: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    names = [d[0] for d in cur.description or []]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


@dataclass
class Party:
    holder: str
    rank: int | None = None
    score: float | None = None
    charges: int = 0
    confirmed: int = 0
    proposed: int = 0
    referral: bool = False
    leads: int = 0


@dataclass
class Overview:
    parties: list[Party]
    phase: str | None
    rows: dict[str, int] = field(default_factory=dict)
    files: int = 0
    charges: int = 0
    confirmed: int = 0
    leads: int = 0
    analysed: bool = False


def overview(case: Case, con: duckdb.DuckDBPyConnection | None = None) -> Overview:
    if con is None:
        with case.connect(read_only=True) as c:
            return overview(case, c)
    have = present(con)
    parties: dict[str, Party] = {}
    phase = None
    if "targets" in have:
        phases = {str(r[0]) for r in con.execute("SELECT DISTINCT phase FROM targets").fetchall()}
        phase = "after" if "after" in phases else ("before" if "before" in phases else None)
        for holder, rank, score in con.execute(
                "SELECT holder, rank, score FROM targets WHERE phase = ? ORDER BY rank", [phase]).fetchall():
            parties[str(holder)] = Party(str(holder), int(rank), float(score) if score is not None else None)
    analysed = "charges" in have
    if analysed:
        for holder, n, confirmed, proposed, referral in con.execute(
                "SELECT holder, count(*), count(*) FILTER (WHERE status = 'confirmed'), "
                "count(*) FILTER (WHERE status = 'proposed'), bool_or(coalesce(referral, FALSE)) "
                "FROM charges GROUP BY holder").fetchall():
            p = parties.setdefault(str(holder), Party(str(holder)))
            p.charges, p.confirmed, p.proposed, p.referral = int(n), int(confirmed), int(proposed), bool(referral)
    if "leads" in have:
        for holder, n in con.execute("SELECT holder, count(*) FROM leads GROUP BY holder").fetchall():
            parties.setdefault(str(holder), Party(str(holder))).leads = int(n)
    rows = {}
    for kind in KINDS:
        if rows_table(kind) in have:
            row = con.execute(f"SELECT count(*) FROM {quote_ident(rows_table(kind))}").fetchone()
            if row and row[0]:
                rows[kind] = int(row[0])
    files_row = con.execute("SELECT count(*) FROM evidence").fetchone() if "evidence" in have else None
    ranked = sorted(parties.values(), key=lambda p: (p.rank is None, p.rank or 0, -p.charges, p.holder))
    return Overview(
        parties=ranked, phase=phase, rows=rows, files=int(files_row[0]) if files_row else 0,
        charges=sum(p.charges for p in ranked), confirmed=sum(p.confirmed for p in ranked),
        leads=sum(p.leads for p in ranked), analysed=analysed)


def _known(con: duckdb.DuckDBPyConnection, have: set[str], holder: str) -> bool:
    """Whether the case knows the party (a party page for any other name is not found)."""
    for table in ("charges", "targets", "leads", "evidence"):
        if table in have and con.execute(
                f"SELECT 1 FROM {quote_ident(table)} WHERE holder = ? LIMIT 1", [holder]).fetchone():
            return True
    return False


def _decoded(d: dict[str, Any]) -> dict[str, Any]:
    """A charge row as ``charges.review.list_charges`` gives it: JSON columns parsed, ``id`` set."""
    for k in ("provisions", "scale", "strength_reasons", "rebuttal", "evidence_query"):
        d[k] = json.loads(d[k]) if d.get(k) else None
    d["id"] = d["charge_id"]
    return d


def party(case: Case, holder: str) -> dict[str, Any] | None:
    """The party's charges (facts and quotes masked) with their representative evidence, its leads,
    PI, behaviour and campaigns, all read on one connection; None for a party the case does not know."""
    with case.connect(read_only=True) as con:
        have = present(con)
        if not _known(con, have, holder):
            return None
        red = redactor(case, con)
        analysed = "charges" in have
        charges: list[dict[str, Any]] = []
        leads: list[dict[str, Any]] = []
        evidence: dict[str, list[dict[str, Any]]] = {}
        if analysed:
            charges = [_decoded(d) for d in _rows(con.execute(
                T.CHARGES.select() + " WHERE holder = ? ORDER BY holder, conduct, charge_id", [holder]))]
            if "charge_evidence" in have:
                for d in _rows(con.execute(
                        "SELECT e.charge_id, e.rank, e.kind, e.evidence_sha256, e.file_name, e.sheet, e.row_no, "
                        "e.quote, e.note_zh, e.note_en FROM charge_evidence e JOIN charges c USING (charge_id) "
                        "WHERE c.holder = ? ORDER BY e.charge_id, e.rank", [holder])):
                    d["quote"] = red.text(d["quote"])
                    evidence.setdefault(str(d["charge_id"]), []).append(d)
            if "leads" in have:
                leads = _rows(con.execute(T.LEADS.select() + " WHERE holder = ? ORDER BY holder, conduct", [holder]))
        extra = _party_figures(con, holder, red, have)
    for c in charges:
        c["facts_zh"], c["facts_en"] = red.text(c.get("facts_zh")), red.text(c.get("facts_en"))
        c["review_reason"] = red.text(c.get("review_reason"))
        c["evidence"] = evidence.get(str(c["charge_id"]), [])
        c["scale_text"] = json.dumps(c.get("scale") or {}, ensure_ascii=False)
    for lead in leads:
        lead["reason_zh"], lead["reason_en"] = red.text(lead.get("reason_zh")), red.text(lead.get("reason_en"))
    return {"charges": charges, "leads": leads, "analysed": analysed, **extra}


BEHAVIOUR = ("calls", "active_days", "calls_per_day", "distinct_callees", "answer_rate", "short_share",
             "max_concurrent", "outside_hours_share", "calls_after_objection")


def _party_figures(con: duckdb.DuckDBPyConnection, holder: str, red: Redactor, have: set[str]) -> dict[str, Any]:
    """PI held by category (whole holder), its calling behaviour, and the campaigns it took part in."""
    pi: list[tuple[str, int, int]] = []
    if "pi_inventory" in have:
        pi = [(str(c), int(t), int(n)) for c, t, n in con.execute(
            "SELECT category, tier, subjects FROM pi_inventory WHERE holder = ? AND evidence_sha256 IS NULL "
            "ORDER BY tier, subjects DESC", [holder]).fetchall()]
    behaviour: dict[str, Any] = {}
    if "behaviour_holders" in have:
        cols = ", ".join(quote_ident(c) for c in BEHAVIOUR)
        row = con.execute(f"SELECT {cols} FROM behaviour_holders WHERE holder = ?", [holder]).fetchone()
        if row:
            behaviour = {c: v for c, v in zip(BEHAVIOUR, row, strict=True) if v is not None}
    campaigns: list[dict[str, Any]] = []
    if "campaigns" in have:
        cur = con.execute(
            "SELECT campaign_id, kind, template, messages, peak_day, peak_count FROM campaigns "
            "WHERE list_contains(CAST(holders AS VARCHAR[]), ?) ORDER BY messages DESC LIMIT 20", [holder])
        names = [d[0] for d in cur.description]
        for r in cur.fetchall():
            d = dict(zip(names, r, strict=True))
            d["template"] = red.text(d["template"])
            campaigns.append(d)
    return {"pi": pi, "behaviour": behaviour, "campaigns": campaigns}
