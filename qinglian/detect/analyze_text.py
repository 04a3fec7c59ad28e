"""Text analysis of a case: run the eight detectors over every free-text field and store findings.

One finding row per (record, label at or above 0.5, supporting rule hit); a label that only the
model supports gets one row without a rule. Quotes are masked (``privacy.mask_text``); the law
cited is the text in force on the record's own date (send/call/chat/complaint/payment time).
Idempotent: earlier ``analysis='text'`` rows are replaced, in one transaction.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import duckdb
import pyarrow as pa

from qinglian.detect.text.engine import classify_batch, rule_citations
from qinglian.detect.text.model import shipped_model
from qinglian.detect.text.rules import LABELS, RULES
from qinglian.i18n import t
from qinglian.laws import catalog
from qinglian.privacy import mask_text
from qinglian.store.case import Case
from qinglian.store.schema import TEXT_FIELDS
from qinglian.store.sqlident import quote_ident

ANALYSIS = "text"
THRESHOLD = 0.5
BATCH = 10_000
QUOTE_CHARS = 200
DATE_FIELD = {
    "calls": "started_at",
    "sms": "sent_at",
    "chats": "sent_at",
    "complaints": "received_at",
    "payments": "paid_at",
}
_RULE_INDEX = {r.id: i for i, r in enumerate(RULES)}

_SCHEMA = pa.schema([
    ("analysis", pa.string()), ("label", pa.string()), ("score", pa.float64()), ("rule", pa.string()),
    ("law", pa.string()), ("holder", pa.string()), ("kind", pa.string()), ("field", pa.string()),
    ("evidence_sha256", pa.string()), ("sheet", pa.string()), ("row_no", pa.int64()), ("span_start", pa.int64()),
    ("span_end", pa.int64()), ("quote", pa.string()), ("detail", pa.string()),
])
_COLUMNS = (
    "analysis",
    "label",
    "score",
    "rule",
    "law",
    "holder",
    "kind",
    "field",
    "evidence_sha256",
    "sheet",
    "row_no",
    "span_start",
    "span_end",
    "quote",
    "detail",
)


@dataclass
class TextAnalysisResult:
    texts: int = 0
    flagged: int = 0
    findings: int = 0
    by_label: dict[str, int] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        return {
            "texts": self.texts,
            "flagged": self.flagged,
            "findings": self.findings,
            "by_label": self.by_label,
        }

    def lines(self) -> list[str]:
        out = [
            t(
                f"文本分析：{self.texts} 条文本，{self.flagged} 条有发现，共 {self.findings} 条发现",
                f"text analysis: {self.texts} texts, {self.flagged} with findings, {self.findings} findings",
            )
        ]
        for label in LABELS:
            if self.by_label.get(label):
                out.append(f"  {label}: {self.by_label[label]}")
        return out


def _day(value: object) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return None


def _rows(con: duckdb.DuckDBPyConnection, kind: str, fld: str) -> duckdb.DuckDBPyConnection:
    date_col = DATE_FIELD.get(kind)
    when = quote_ident(date_col) if date_col else "NULL"
    sql = (
        f"SELECT holder, evidence_sha256, sheet, row_no, {quote_ident(fld)}, {when} "
        f"FROM {quote_ident(kind)} WHERE {quote_ident(fld)} IS NOT NULL AND trim({quote_ident(fld)}) <> '' "
        "ORDER BY evidence_sha256, sheet, row_no"
    )
    return con.execute(sql)


def analyze_text(case: Case, con: duckdb.DuckDBPyConnection) -> TextAnalysisResult:
    """Run the text detectors over every text field of the case and store the findings."""
    del case  # the connection is the case store; kept in the signature shared by all analyses
    result = TextAnalysisResult()
    batches: list[pa.RecordBatch] = []
    writer = _Writer()
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("DELETE FROM findings WHERE analysis = ?", [ANALYSIS])
        for kind, fields in TEXT_FIELDS.items():
            for fld in fields:
                cur = _rows(con, kind, fld)
                while True:
                    rows = cur.fetchmany(BATCH)
                    if not rows:
                        break
                    found = _analyse_rows(kind, fld, rows, writer, result)
                    if found:
                        # columns of Python values become Arrow per batch, so they do not pile up
                        batches.append(pa.RecordBatch.from_arrays(
                            [pa.array(list(c), type=t) for c, t in zip(zip(*found, strict=True), _SCHEMA.types, strict=True)],
                            schema=_SCHEMA))
        if batches:
            table = pa.Table.from_batches(batches, schema=_SCHEMA)
            con.register("_text_findings", table)
            try:
                names = ", ".join(quote_ident(c) for c in _COLUMNS)
                con.execute(f"INSERT INTO findings ({names}) SELECT {names} FROM _text_findings")
            finally:
                con.unregister("_text_findings")
        model = shipped_model()
        params = {
            "threshold": THRESHOLD,
            "model": model.version,
            "rules": [r.id for r in RULES],
            "catalog": catalog().catalog_version,
        }
        con.execute(
            "INSERT INTO analysis_runs VALUES (?, ?, ?, ?)",
            [
                ANALYSIS,
                f"{model.version}+catalog-{catalog().catalog_version}",
                datetime.now(),
                json.dumps(params),
            ],
        )
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return result


class _Writer:
    """What repeats from finding to finding, made once: masked quotes (scripts repeat) and law lists."""

    def __init__(self, size: int = 100_000) -> None:
        self.size = size
        self.quotes: dict[str, str] = {}
        self.laws: dict[tuple[str, ...], str | None] = {}

    def quote(self, text: str) -> str:
        q = self.quotes.get(text)
        if q is None:
            if len(self.quotes) >= self.size:
                self.quotes.clear()
            q = self.quotes[text] = mask_text(text)
        return q

    def law(self, cited: tuple[str, ...]) -> str | None:
        if cited not in self.laws:
            # a rule that only shows a text is commercial cites nothing (its law stays NULL)
            self.laws[cited] = json.dumps(list(cited), ensure_ascii=False) if cited else None
        return self.laws[cited]


def _analyse_rows(
    kind: str, fld: str, rows: list[tuple[Any, ...]], writer: _Writer, result: TextAnalysisResult
) -> list[tuple[Any, ...]]:
    """The findings of one batch of texts, one tuple per row of ``findings`` (columns as _COLUMNS)."""
    texts = [str(r[4]) for r in rows]
    res = classify_batch(texts)
    result.texts += len(texts)
    out: list[tuple[Any, ...]] = []
    add = out.append
    by_label = result.by_label
    for i, row in enumerate(rows):
        holder, sha, sheet, row_no, _, when = row
        scores = res.labels(i)
        flagged = [lb for lb in LABELS if scores[lb] >= THRESHOLD]
        if not flagged:
            continue
        result.flagged += 1
        cites = rule_citations(_day(when))
        text = texts[i]
        detail = json.dumps({"labels": {k: round(v, 4) for k, v in scores.items()}}, ensure_ascii=False)
        hits = res.hits[i]
        for label in flagged:
            score = scores[label]
            n = 0
            for h in hits:
                if h.label != label:
                    continue
                add((ANALYSIS, label, score, h.rule, writer.law(cites[_RULE_INDEX[h.rule]]), holder, kind, fld,
                     sha, sheet, row_no, h.start, h.end, writer.quote(text[h.start : h.end]), detail))
                n += 1
            if not n:
                add((ANALYSIS, label, score, None, None, holder, kind, fld, sha, sheet, row_no, None, None,
                     writer.quote(text[:QUOTE_CHARS]), detail))
                n = 1
            result.findings += n
            by_label[label] = by_label.get(label, 0) + n
    return out
