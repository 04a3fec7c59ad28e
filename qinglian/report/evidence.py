"""Findings with their evidence citations, and quoted texts with the detector hits marked.

A citation names the evidence file (hash prefix and file name), sheet and row, and says
whether that row exists in its record table — a citation that does not resolve is shown as
such, never as if it did.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import duckdb

from qinglian.privacy import mask_text
from qinglian.report import laws
from qinglian.report.privacy import Redactor, hash_text
from qinglian.store.schema import KINDS, field_names
from qinglian.store.sqlident import quote_ident

HASH_PREFIX = 12


@dataclass(frozen=True)
class Citation:
    kind: str
    sha256: str
    file_name: str
    sheet: str
    row_no: int | None
    resolved: bool

    @property
    def short(self) -> str:
        return hash_text(self.sha256[:HASH_PREFIX])

    @property
    def sha_attr(self) -> str:
        """The full hash for machine use (data-sha), digit runs cut as in ``hash_text``."""
        return hash_text(self.sha256)

    @property
    def text(self) -> str:
        sheet = f"，工作表 {self.sheet}" if self.sheet else ""
        row = f"，第 {self.row_no} 行" if self.row_no is not None else ""
        return f"{self.file_name}（{self.short}）{sheet}{row}"


@dataclass
class Finding:
    analysis: str
    label: str
    score: float | None
    rule: str
    law: str
    holder: str
    field: str
    quote: str
    citation: Citation
    on: datetime | None = None

    @property
    def provisions(self) -> list[str]:
        """The law ids as provisions, in the text in force when the conduct happened."""
        return laws.cite(split_law(self.law), self.on)


@dataclass
class Hit:
    label: str
    rule: str
    law: str
    start: int | None
    end: int | None
    quote: str


@dataclass
class Quoted:
    """One record's text with its hits: ``segments`` alternate plain and marked text."""

    citation: Citation
    holder: str
    field: str
    score: float | None
    hits: list[Hit]
    segments: list[tuple[str, bool]] = dataclasses.field(default_factory=list)
    note: str = ""
    on: datetime | None = None

    @property
    def labels(self) -> list[str]:
        return sorted({h.label for h in self.hits})

    @property
    def rules(self) -> list[str]:
        """Each rule that hit, once, in the order of the text (a rule may hit several spans)."""
        return list(dict.fromkeys(h.rule or h.label for h in self.hits))

    @property
    def law_ids(self) -> list[str]:
        out: set[str] = set()
        for h in self.hits:
            out.update(split_law(h.law))
        return sorted(out)

    @property
    def provisions(self) -> list[str]:
        return laws.cite(self.law_ids, self.on)


def split_law(law: str | None) -> list[str]:
    """``findings.law`` holds catalog ids: a JSON list or a comma/space separated string."""
    if not law:
        return []
    s = law.strip()
    if s.startswith("["):
        import json

        try:
            value = json.loads(s)
        except ValueError:
            value = None
        if isinstance(value, list):
            return [str(v) for v in value if v]
    return [p for p in s.replace(";", ",").replace(" ", ",").split(",") if p]


# The field that dates a record's conduct (decides which text of a law was in force).
TIME_FIELD: dict[str, str] = {"calls": "started_at", "sms": "sent_at", "chats": "sent_at",
                              "complaints": "received_at", "payments": "paid_at", "accounts": "opened_at"}

# Joins a findings row (alias f) to its resolution (alias x: resolved, on_), see ``prepare``.
REFS_JOIN = (
    "LEFT JOIN report_refs x ON x.kind IS NOT DISTINCT FROM f.kind "
    "AND x.evidence_sha256 IS NOT DISTINCT FROM f.evidence_sha256 "
    "AND x.sheet IS NOT DISTINCT FROM f.sheet AND x.row_no IS NOT DISTINCT FROM f.row_no"
)


def prepare(con: duckdb.DuckDBPyConnection) -> None:
    """Resolve every cited record once (two temp tables), so per-scope queries stay cheap.

    ``report_refs``: each distinct (kind, sha, sheet, row) that findings cite, whether that row
    exists in its record table and the record's date. ``report_hits``: text-detector hits
    grouped per record (bribery apart), with their spans. Done once per connection.
    """
    done = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE temporary AND table_name IN ('report_refs', 'report_hits')"
    ).fetchone()
    if done and done[0] == 2:
        return
    record_rows = " UNION ALL ".join(
        f"SELECT '{k}' AS kind, evidence_sha256, sheet, row_no, "
        f"max({quote_ident(TIME_FIELD[k]) if k in TIME_FIELD else 'NULL::TIMESTAMP'}) AS ts "
        f"FROM {quote_ident(k)} GROUP BY ALL"
        for k in KINDS
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE report_refs AS "
        "WITH c AS (SELECT DISTINCT kind, evidence_sha256, sheet, row_no FROM findings) "
        "SELECT c.*, r.row_no IS NOT NULL AS resolved, r.ts AS on_ FROM c "
        f"LEFT JOIN ({record_rows}) r ON r.kind = c.kind AND r.evidence_sha256 = c.evidence_sha256 "
        "AND r.sheet IS NOT DISTINCT FROM c.sheet AND r.row_no = c.row_no"
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE report_hits AS "
        "SELECT f.kind, f.field, f.evidence_sha256, f.sheet, f.row_no, f.label = 'bribery' AS bribe, "
        "any_value(f.holder) AS holder, max(f.score) AS s, "
        "list(struct_pack(label := f.label, rule := f.rule, law := f.law, s := f.span_start, "
        "e := f.span_end, q := f.quote) ORDER BY f.span_start) AS hits "
        "FROM findings f WHERE f.analysis = 'text' GROUP BY ALL"
    )


def _scope_where(holder: str | None, label: str | None, analysis: str | None) -> tuple[str, list[Any]]:
    conds: list[str] = []
    params: list[Any] = []
    if holder is not None:
        conds.append("f.holder = ?")
        params.append(holder)
    if label is not None:
        conds.append("f.label = ?")
        params.append(label)
    if analysis is not None:
        conds.append("f.analysis = ?")
        params.append(analysis)
    return (" WHERE " + " AND ".join(conds)) if conds else "", params


def count_findings(con: duckdb.DuckDBPyConnection, holder: str | None = None, label: str | None = None,
                   analysis: str | None = None) -> int:
    where, params = _scope_where(holder, label, analysis)
    row = con.execute(f"SELECT count(*) FROM findings f{where}", params).fetchone()
    return int(row[0]) if row else 0


def finding_types(con: duckdb.DuckDBPyConnection, holder: str | None = None) -> list[tuple[str, str, int]]:
    """(analysis, label, count) of the findings in scope, most frequent first."""
    where, params = _scope_where(holder, None, None)
    rows = con.execute(
        f"SELECT analysis, label, count(*) n FROM findings f{where} GROUP BY ALL ORDER BY n DESC, 1, 2",
        params,
    ).fetchall()
    return [(str(a), str(b), int(n)) for a, b, n in rows]


def iter_findings(
    con: duckdb.DuckDBPyConnection,
    redactor: Redactor,
    *,
    holder: str | None = None,
    label: str | None = None,
    analysis: str | None = None,
    limit: int | None = None,
    batch: int = 10_000,
) -> Any:
    """Findings in scope, best first, each with its citation (a generator)."""
    where, params = _scope_where(holder, label, analysis)
    sql = (
        "SELECT f.analysis, f.label, f.score, f.rule, f.law, f.holder, f.kind, f.field, "
        "f.evidence_sha256, f.sheet, f.row_no, f.quote, e.file_name, "
        "coalesce(x.resolved, FALSE), x.on_ "
        f"FROM findings f LEFT JOIN evidence e ON e.sha256 = f.evidence_sha256 {REFS_JOIN}{where} "
        "ORDER BY f.label, f.score DESC NULLS LAST, f.evidence_sha256, f.sheet, f.row_no"
    )
    if limit is not None:
        sql += " LIMIT ?"
        params = [*params, limit]
    cur = con.execute(sql, params)
    while True:
        rows = cur.fetchmany(batch)
        if not rows:
            break
        for (an, lab, score, rule, law, hold, kind, fld, sha, sheet, row_no, quote, fname,
             resolved, on) in rows:
            cit = Citation(
                kind=str(kind or ""),
                sha256=str(sha or ""),
                file_name=redactor.text(str(fname)) if fname else "（证据登记中无此文件）",
                sheet=str(sheet or ""),
                row_no=int(row_no) if row_no is not None else None,
                resolved=bool(resolved),
            )
            yield Finding(
                analysis=str(an), label=str(lab), score=float(score) if score is not None else None,
                rule=str(rule or ""), law=str(law or ""), holder=str(hold or ""), field=str(fld or ""),
                quote=redactor.text(quote), citation=cit, on=on,
            )


def record_text(con: duckdb.DuckDBPyConnection, kind: str, fld: str, sha: str, sheet: str | None,
                row_no: int | None) -> str | None:
    """The original text of one field of one record, or None when the row or field is not there."""
    if kind not in KINDS or fld not in field_names(kind) or row_no is None:
        return None
    row = con.execute(
        f"SELECT {quote_ident(fld)} FROM {quote_ident(kind)} "
        "WHERE evidence_sha256 = ? AND sheet IS NOT DISTINCT FROM ? AND row_no = ? LIMIT 1",
        [sha, sheet, row_no],
    ).fetchone()
    return None if row is None or row[0] is None else str(row[0])


def segments(text: str, spans: list[tuple[int, int]], redactor: Redactor) -> tuple[list[tuple[str, bool]], str]:
    """Split ``text`` into plain and marked pieces at the (merged) spans, then mask each piece.

    If masking would change lengths across a piece boundary (a number cut by a span), the
    text is shown masked as a whole without marks, so no digits leak between pieces.
    """
    good = sorted((max(0, s), min(len(text), e)) for s, e in spans if s is not None and e is not None
                  and e > s and s < len(text))
    merged: list[list[int]] = []
    for s, e in good:
        if merged and s <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    pieces: list[tuple[str, bool]] = []
    pos = 0
    for s, e in merged:
        if s > pos:
            pieces.append((text[pos:s], False))
        pieces.append((text[s:e], True))
        pos = e
    if pos < len(text):
        pieces.append((text[pos:], False))
    if redactor.reveal:
        return pieces, ""
    masked = [(mask_text(p), m) for p, m in pieces]
    joined = "".join(p for p, _ in masked)
    if mask_text(joined) != joined:
        return [(mask_text(text), False)], "（为遮蔽个人信息，本条未标出命中位置）"
    return masked, ""


def quoted(
    con: duckdb.DuckDBPyConnection,
    redactor: Redactor,
    *,
    holder: str | None = None,
    bribery: bool = False,
    limit: int = 50,
) -> tuple[int, list[Quoted]]:
    """Records with text-detector hits (bribery hits, or all others), highest score first.

    Returns (records in scope, the first ``limit``). Needs ``prepare(con)``.
    """
    where = "WHERE f.bribe = ?"
    params: list[Any] = [bribery]
    if holder is not None:
        where += " AND f.holder = ?"
        params.append(holder)
    total_row = con.execute(f"SELECT count(*) FROM report_hits f {where}", params).fetchone()
    total = int(total_row[0]) if total_row else 0
    rows = con.execute(
        f"WITH g AS (SELECT * FROM report_hits f {where} "
        "ORDER BY s DESC NULLS LAST, evidence_sha256, sheet, row_no LIMIT ?) "
        "SELECT f.kind, f.field, f.evidence_sha256, f.sheet, f.row_no, f.holder, f.s, f.hits, e.file_name, "
        f"coalesce(x.resolved, FALSE), x.on_ FROM g f LEFT JOIN evidence e ON e.sha256 = f.evidence_sha256 "
        f"{REFS_JOIN} ORDER BY f.s DESC NULLS LAST, f.evidence_sha256, f.sheet, f.row_no",
        [*params, limit],
    ).fetchall()
    out: list[Quoted] = []
    for kind, fld, sha, sheet, row_no, hold, score, hits, fname, resolved, on in rows:
        cit = Citation(str(kind or ""), str(sha or ""), redactor.text(str(fname)) if fname else
                       "（证据登记中无此文件）", str(sheet or ""),
                       int(row_no) if row_no is not None else None, bool(resolved))
        hit_list = [Hit(str(h["label"]), str(h["rule"] or ""), str(h["law"] or ""), h["s"], h["e"],
                        str(h["q"] or "")) for h in hits]
        q = Quoted(cit, str(hold or ""), str(fld or ""), float(score) if score is not None else None,
                   hit_list, on=on)
        text = record_text(con, q.citation.kind, q.field, q.citation.sha256, sheet, q.citation.row_no)
        if text is not None:
            q.segments, q.note = segments(text, [(h.start, h.end) for h in hit_list
                                                 if h.start is not None and h.end is not None], redactor)
        else:
            q.segments = [(redactor.text(h.quote), True) for h in hit_list if h.quote][:5]
            q.note = "（未找到原始记录，仅显示检测器摘录）"
        out.append(q)
    return total, out
