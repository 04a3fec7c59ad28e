"""Text analysis of a case: run the eight detectors over every free-text field and store findings.

One finding row per (record, label at or above 0.5, supporting rule hit); a label that only the
model supports gets one row without a rule. Each distinct text is classified once. Quotes are masked (``privacy.mask_text``); the law
cited is the text in force on the record's own date (send/call/chat/complaint/payment time).
Idempotent: earlier ``analysis='text'`` rows are replaced, in one transaction.
"""

from __future__ import annotations

import json
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from typing import Any

import duckdb
import pyarrow as pa

from qinglian.detect.text.engine import classify_batch, rule_citations
from qinglian.detect.text.model import shipped_model
from qinglian.detect.text.packs import pack_rules
from qinglian.detect.text.packs import rule_citations as pack_citations
from qinglian.detect.text.rules import LABELS, RULES
from qinglian.i18n import t
from qinglian.laws import catalog
from qinglian.privacy import mask_text
from qinglian.store.case import Case
from qinglian.store.db import begin, commit, rollback
from qinglian.store.schema import TEXT_FIELDS
from qinglian.store.sqlident import quote_ident
from qinglian.workers import spawn_pool, worker_count

ANALYSIS = "text"
THRESHOLD = 0.5
BATCH = 10_000
PARALLEL_TEXTS = 20_000  # distinct texts of a case below which helper processes cost more than they save
QUOTE_CHARS = 200
DATE_FIELD = {
    "calls": "started_at",
    "sms": "sent_at",
    "chats": "sent_at",
    "complaints": "received_at",
    "payments": "paid_at",
}
_RULE_INDEX = {r.id: i for i, r in enumerate(RULES)}

# The hits of one distinct text; the join in _insert adds the record's provenance and the law.
_HITS = pa.schema([
    ("text", pa.string()), ("label", pa.string()), ("score", pa.float64()), ("rule", pa.string()),
    ("span_start", pa.int64()), ("span_end", pa.int64()), ("quote", pa.string()), ("detail", pa.string()),
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


def _distinct_texts(con: duckdb.DuckDBPyConnection, kind: str, fld: str) -> duckdb.DuckDBPyConnection:
    col = quote_ident(fld)
    return con.execute(f"SELECT DISTINCT {col} FROM {quote_ident(kind)} WHERE {col} IS NOT NULL AND trim({col}) <> ''")


def _rule_laws(con: duckdb.DuckDBPyConnection, kind: str, writer: _Writer, packs: tuple[str, ...] = ()) -> pa.Table:
    """Per rule (the packs' too) and per day the kind's records carry, the provisions in force that day (JSON)."""
    date_col = DATE_FIELD.get(kind)
    days: list[date | None] = [None]
    if date_col:
        days = [_day(d) for (d,) in con.execute(
            f"SELECT DISTINCT CAST({quote_ident(date_col)} AS DATE) FROM {quote_ident(kind)}").fetchall()]
    rules, on, laws = [], [], []
    for day in days:
        cites = rule_citations(day)
        for r in RULES:
            rules.append(r.id)
            on.append(day)
            laws.append(writer.law(cites[_RULE_INDEX[r.id]]))
        extra = pack_rules(packs)
        if extra is not None:
            for r, cited in zip(extra.rules, pack_citations(packs, day), strict=True):
                rules.append(r.id)
                on.append(day)
                laws.append(writer.law(cited))
    return pa.table({"rule": pa.array(rules, pa.string()), "day": pa.array(on, pa.date32()),
                     "law": pa.array(laws, pa.string())})


def analyze_text(case: Case, con: duckdb.DuckDBPyConnection, workers: int | None = None) -> TextAnalysisResult:
    """Run the text detectors over every text field of the case and store the findings.

    Scripts and templates repeat from record to record: each distinct text is classified once,
    and its hits reach every record that carries it through one join in the store. A field with
    many distinct texts is classified by ``workers`` processes (default: one per core), this one
    included.
    """
    packs = case.packs  # the case's industry packs add their rules (qinglian/packs)
    result = TextAnalysisResult()
    writer = _Writer()
    n_workers = worker_count() if workers is None else workers
    pool: ProcessPoolExecutor | None = None
    own = begin(con)
    try:
        con.execute("DELETE FROM findings WHERE analysis = ?", [ANALYSIS])
        if n_workers > 1 and _distinct_total(con) >= PARALLEL_TEXTS:
            pool = spawn_pool(n_workers - 1)  # started first: it loads the model while this process works
        dealt = 0
        # one chunk's hits go into the store (DuckDB, without the GIL) while the next is classified
        with ThreadPoolExecutor(1) as inserter:
            for kind, fields in TEXT_FIELDS.items():
                laws: pa.Table | None = None
                for fld in fields:
                    texts = [str(r[0]) for r in _distinct_texts(con, kind, fld).fetchall()]
                    result.texts += _count(con, kind, fld)
                    chunks = [texts[i:i + BATCH] for i in range(0, len(texts), BATCH)]
                    # every n-th chunk of the stage (counted over all fields) is this process's share;
                    # the others go to the helpers
                    every = n_workers if pool is not None else 1
                    theirs = {k: pool.submit(_hits_batch, chunk, None, packs) for k, chunk in enumerate(chunks)
                              if pool is not None and (dealt + k) % every}
                    dealt += len(chunks)
                    inserting: Future[None] | None = None
                    for k, chunk in enumerate(chunks):
                        batch = theirs[k].result() if k in theirs else _hits_batch(chunk, writer, packs)
                        if not batch.num_rows:
                            continue
                        if inserting is not None:
                            inserting.result()  # the connection serves one statement at a time
                        if laws is None:
                            laws = _rule_laws(con, kind, writer, packs)
                        inserting = inserter.submit(_insert, con, kind, fld, pa.Table.from_batches([batch]), laws)
                    if inserting is not None:
                        inserting.result()
        _totals(con, result)
        model = shipped_model()
        params = {
            "threshold": THRESHOLD,
            "model": model.version,
            "rules": [r.id for r in RULES],
            "catalog": catalog().catalog_version,
            "packs": list(packs),
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
        commit(con, own)
    except BaseException:
        rollback(con, own)
        raise
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
    return result


def _distinct_total(con: duckdb.DuckDBPyConnection) -> int:
    """Distinct texts over every text field: what decides whether helper processes pay."""
    total = 0
    for kind, fields in TEXT_FIELDS.items():
        for fld in fields:
            col = quote_ident(fld)
            rows = con.execute(f"SELECT count(DISTINCT {col}) FROM {quote_ident(kind)}").fetchall()
            total += int(rows[0][0])
    return total


def _count(con: duckdb.DuckDBPyConnection, kind: str, fld: str) -> int:
    col = quote_ident(fld)
    rows = con.execute(f"SELECT count(*) FROM {quote_ident(kind)} WHERE {col} IS NOT NULL AND trim({col}) <> ''").fetchall()
    return int(rows[0][0])


def _insert(con: duckdb.DuckDBPyConnection, kind: str, fld: str, hits: pa.Table, laws: pa.Table) -> None:
    """One findings row per record carrying a flagged text and per hit of that text."""
    date_col = DATE_FIELD.get(kind)
    day = f"CAST(r.{quote_ident(date_col)} AS DATE)" if date_col else "NULL::DATE"
    con.register("_text_hits", hits)
    con.register("_rule_laws", laws)
    try:
        names = ", ".join(quote_ident(c) for c in _COLUMNS)
        con.execute(
            f"INSERT INTO findings ({names}) "
            f"SELECT ?, h.label, h.score, h.rule, l.law, r.holder, ?, ?, r.evidence_sha256, r.sheet, r.row_no, "
            f"h.span_start, h.span_end, h.quote, h.detail "
            f"FROM {quote_ident(kind)} r JOIN _text_hits h ON h.text = r.{quote_ident(fld)} "
            f"LEFT JOIN _rule_laws l ON l.rule = h.rule AND l.day IS NOT DISTINCT FROM {day}",
            [ANALYSIS, kind, fld],
        )
    finally:
        con.unregister("_text_hits")
        con.unregister("_rule_laws")


def _totals(con: duckdb.DuckDBPyConnection, result: TextAnalysisResult) -> None:
    for label, n in con.execute(
        "SELECT label, count(*) FROM findings WHERE analysis = ? GROUP BY label", [ANALYSIS]
    ).fetchall():
        result.by_label[str(label)] = int(n)
    result.findings = sum(result.by_label.values())
    row = con.execute(
        "SELECT count(*) FROM (SELECT DISTINCT kind, field, evidence_sha256, sheet, row_no FROM findings "
        "WHERE analysis = ?)", [ANALYSIS]).fetchall()
    result.flagged = int(row[0][0])


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


@lru_cache(maxsize=1)
def _helper_writer() -> _Writer:
    """A helper process's own writer (its quote memory), made on its first chunk."""
    return _Writer()


def _hits_batch(texts: list[str], writer: _Writer | None = None, packs: tuple[str, ...] = ()) -> pa.RecordBatch:
    """The hits of a chunk of distinct texts as one batch (columns as _HITS); in a helper or here."""
    found = _analyse_texts(texts, writer or _helper_writer(), packs)
    columns = list(zip(*found, strict=True)) if found else [() for _ in _HITS]
    return pa.RecordBatch.from_arrays(
        [pa.array(list(c), type=t) for c, t in zip(columns, _HITS.types, strict=True)], schema=_HITS)


def _analyse_texts(texts: list[str], writer: _Writer, packs: tuple[str, ...] = ()) -> list[tuple[Any, ...]]:
    """The hits of a batch of distinct texts, one tuple per future findings row (columns as _HITS)."""
    res = classify_batch(texts, packs=packs)
    out: list[tuple[Any, ...]] = []
    add = out.append
    for i, text in enumerate(texts):
        scores = res.labels(i)
        flagged = [lb for lb in LABELS if scores[lb] >= THRESHOLD]
        if not flagged:
            continue
        detail = json.dumps({"labels": {k: round(v, 4) for k, v in scores.items()}}, ensure_ascii=False)
        hits = res.hits[i]
        for label in flagged:
            score = scores[label]
            n = 0
            for h in hits:
                if h.label == label:
                    add((text, label, score, h.rule, h.start, h.end, writer.quote(text[h.start : h.end]), detail))
                    n += 1
            if not n:
                add((text, label, score, None, None, None, writer.quote(text[:QUOTE_CHARS]), detail))
    return out
