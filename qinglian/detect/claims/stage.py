"""The claims stage of ``analyze``: extract the claims of a case's free text into ``claims``.

Each distinct text is read once and its claims reach every record that carries it through one
join. A daily volume of messages or calls is set beside the holder's measured peak day (the most
SMS rows, or call rows, the holder's logs hold for one day), so the report can say "claimed
220,000 a day; the logs show a peak of N". Rebuilt on every run, in the caller's transaction.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import duckdb
import pyarrow as pa

from qinglian.detect.claims.extract import claims_in
from qinglian.i18n import t
from qinglian.privacy import mask_text
from qinglian.store import tables as tbl
from qinglian.store.case import Case
from qinglian.store.db import begin, commit, rollback
from qinglian.store.sqlident import quote_ident as q

ANALYSIS = "claims"
VERSION = "1"
BATCH = 10_000
# What intermediaries write or say; complaints are the consumers' words and are left out.
CLAIM_FIELDS: dict[str, tuple[str, ...]] = {
    "chats": ("text",),
    "calls": ("transcript", "script"),
    "payments": ("memo",),
    "sms": ("content",),
}
# The log that measures a unit, and its time column.
MEASURED_BY: dict[str, tuple[str, str]] = {"messages": ("sms", "sent_at"), "calls": ("calls", "started_at")}

_HITS = pa.schema([
    ("text", pa.string()), ("claim", pa.string()), ("value", pa.float64()), ("unit", pa.string()),
    ("period", pa.string()), ("span_start", pa.int32()), ("span_end", pa.int32()), ("quote", pa.string()),
    ("detail", pa.string()),
])


@dataclass
class ClaimsResult:
    texts: int = 0
    claims: int = 0
    by_claim: dict[str, int] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        return {"texts": self.texts, "claims": self.claims, "by_claim": self.by_claim}

    def lines(self) -> list[str]:
        parts = ", ".join(f"{k} {v}" for k, v in sorted(self.by_claim.items()))
        return [t(f"自述规模与收费：{self.texts} 条文本，{self.claims} 条自述（{parts}）",
                  f"claimed volumes and fees: {self.texts} texts, {self.claims} claims ({parts})")]


def _hits(texts: list[str]) -> list[tuple[Any, ...]]:
    out: list[tuple[Any, ...]] = []
    for text in texts:
        for c in claims_in(text):
            detail = None
            if c.records is not None:
                detail = json.dumps({"records": c.records, "total_cny": c.total_cny})
            out.append((text, c.kind, c.value, c.unit, c.period, c.start, c.end,
                        mask_text(text[c.start:c.end]), detail))
    return out


def analyze_claims(case: Case, con: duckdb.DuckDBPyConnection) -> ClaimsResult:
    """Extract the claims of every intermediary text field into ``claims`` (replacing earlier ones)."""
    del case  # the connection is the case store; kept in the signature shared by all analyses
    result = ClaimsResult()
    own = begin(con)
    try:
        tbl.create(con, tbl.CLAIMS)
        con.execute(f"DELETE FROM {q(tbl.CLAIMS.name)}")
        for kind, fields in CLAIM_FIELDS.items():
            for fld in fields:
                col = q(fld)
                cur = con.execute(f"SELECT DISTINCT {col} FROM {q(kind)} WHERE {col} IS NOT NULL AND trim({col}) <> ''")
                found: list[tuple[Any, ...]] = []
                while rows := cur.fetchmany(BATCH):
                    result.texts += len(rows)
                    found += _hits([str(r[0]) for r in rows])
                if found:
                    _insert(con, kind, fld, found)
        _set_measured_peaks(con)
        for claim, n in con.execute(f"SELECT claim, count(*) FROM {q(tbl.CLAIMS.name)} GROUP BY claim").fetchall():
            result.by_claim[str(claim)] = int(n)
        result.claims = sum(result.by_claim.values())
        con.execute("INSERT INTO analysis_runs VALUES (?, ?, ?, ?)",
                    [ANALYSIS, VERSION, datetime.now(), json.dumps({"fields": CLAIM_FIELDS})])
        commit(con, own)
    except BaseException:
        rollback(con, own)
        raise
    return result


def _insert(con: duckdb.DuckDBPyConnection, kind: str, fld: str, found: list[tuple[Any, ...]]) -> None:
    hits = pa.table([pa.array(list(c), type=ty) for c, ty in zip(zip(*found, strict=True), _HITS.types, strict=True)],
                    schema=_HITS)
    con.register("_claim_hits", hits)
    try:
        con.execute(
            f"INSERT INTO {q(tbl.CLAIMS.name)} (claim, value, unit, period, holder, kind, field, evidence_sha256, "
            f"sheet, row_no, span_start, span_end, quote, detail) "
            f"SELECT h.claim, h.value, h.unit, h.period, r.holder, ?, ?, r.evidence_sha256, r.sheet, r.row_no, "
            f"h.span_start, h.span_end, h.quote, h.detail "
            f"FROM {q(kind)} r JOIN _claim_hits h ON h.text = r.{q(fld)}",
            [kind, fld],
        )
    finally:
        con.unregister("_claim_hits")


def _set_measured_peaks(con: duckdb.DuckDBPyConnection) -> None:
    """Each daily volume of messages or calls gets its holder's peak day in the matching log."""
    for unit, (kind, time_col) in MEASURED_BY.items():
        con.execute(
            f"UPDATE {q(tbl.CLAIMS.name)} c SET measured_peak_day = p.n, measured_peak_date = p.day "
            f"FROM (SELECT holder, day, n FROM ("
            f"  SELECT holder, CAST({q(time_col)} AS DATE) AS day, count(*) AS n, "
            f"  row_number() OVER (PARTITION BY holder ORDER BY count(*) DESC, CAST({q(time_col)} AS DATE)) AS rk "
            f"  FROM {q(kind)} WHERE {q(time_col)} IS NOT NULL GROUP BY holder, CAST({q(time_col)} AS DATE)"
            f") WHERE rk = 1) p "
            f"WHERE c.holder = p.holder AND c.claim = 'volume' AND c.period = 'day' AND c.unit = ?",
            [unit],
        )
