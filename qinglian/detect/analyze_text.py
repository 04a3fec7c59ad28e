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
    cols: dict[str, list[Any]] = {c: [] for c in _COLUMNS}
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
                    _analyse_rows(kind, fld, rows, cols, result)
        if cols["analysis"]:
            table = pa.table({c: cols[c] for c in _COLUMNS})
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


def _analyse_rows(
    kind: str, fld: str, rows: list[tuple[Any, ...]], cols: dict[str, list[Any]], result: TextAnalysisResult
) -> None:
    texts = [str(r[4]) for r in rows]
    res = classify_batch(texts)
    result.texts += len(texts)
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
        for label in flagged:
            hits = [h for h in res.hits[i] if h.label == label]
            entries: list[tuple[str | None, str | None, int | None, int | None, str]] = []
            for h in hits:
                cited = cites[_RULE_INDEX[h.rule]]
                # a rule that only shows a text is commercial cites nothing (its law stays NULL)
                law: str | None = json.dumps(list(cited), ensure_ascii=False) if cited else None
                entries.append((h.rule, law, h.start, h.end, mask_text(text[h.start : h.end])))
            if not entries:
                entries.append((None, None, None, None, mask_text(text[:QUOTE_CHARS])))
            for rule, law, s, e, quote in entries:
                for c, v in zip(
                    _COLUMNS,
                    (
                        ANALYSIS,
                        label,
                        scores[label],
                        rule,
                        law,
                        holder,
                        kind,
                        fld,
                        sha,
                        sheet,
                        row_no,
                        s,
                        e,
                        quote,
                        detail,
                    ),
                    strict=True,
                ):
                    cols[c].append(v)
                result.findings += 1
                result.by_label[label] = result.by_label.get(label, 0) + 1
