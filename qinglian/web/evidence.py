"""The evidence browser (file -> sheet -> rows, keyset paging on row number) and text search, PI masked."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from qinglian.errors import QinglianError
from qinglian.ingest.mapping import match_headers
from qinglian.labels import LABEL_ZH, LABELS
from qinglian.privacy import mask_text, reveal_reason
from qinglian.report.privacy import Redactor
from qinglian.store.case import Case
from qinglian.store.db import columns_of
from qinglian.store.schema import (
    KINDS,
    TEXT_FIELDS,
    fields,
    has_raw_column,
    raw_value,
    row_columns,
    rows_table,
)
from qinglian.store.sqlident import quote_ident
from qinglian.web import search_index
from qinglian.web.original import OriginalRow, original_row
from qinglian.web.reads import StoreCache, connect, present, redactor
from qinglian.web.search_index import SEARCHED

PAGE = 50
SEARCH_LIMIT = 50
SNIPPET = 60


def files(case: Case) -> list[dict[str, Any]]:
    with connect(case) as con:
        if not columns_of(con, "evidence"):
            return []
        cur = con.execute("SELECT sha256, file_name, holder, site, kind, rows, size_bytes, ingested_at "
                          "FROM evidence ORDER BY holder, file_name, sha256")
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def sheets(case: Case, sha256: str) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """The file's row and its sheets with their row counts (None when the case has no such file)."""
    with connect(case) as con:
        cur = con.execute("SELECT sha256, file_name, holder, site, kind, rows FROM evidence WHERE sha256 = ?", [sha256])
        names = [d[0] for d in cur.description]
        row = cur.fetchone()
        if row is None:
            return None, []
        out = []
        for sheet_id, kind, sheet in con.execute(
                "SELECT sheet_id, kind, sheet FROM record_sheets WHERE evidence_sha256 = ? ORDER BY sheet_id",
                [sha256]).fetchall():
            n = con.execute(f"SELECT count(*) FROM {quote_ident(rows_table(str(kind)))} WHERE sheet_id = ?",
                            [sheet_id]).fetchone()
            out.append({"sheet_id": int(sheet_id), "kind": str(kind), "sheet": sheet, "rows": int(n[0]) if n else 0})
        return dict(zip(names, row, strict=True)), out


# The record's own time, for a date range (customer lists have none).
TIME_FIELD: dict[str, str] = {"calls": "started_at", "sms": "sent_at", "chats": "sent_at", "complaints": "received_at",
                              "accounts": "opened_at", "payments": "paid_at"}
# Who a record is from or about, short of its numbers: accounts, signatures, senders, payers.
PARTY_FIELDS: dict[str, tuple[str, ...]] = {
    "calls": ("account", "task"), "sms": ("account", "signature"), "customers": ("name", "employer", "source"),
    "chats": ("chat", "sender", "receiver"), "complaints": ("respondent", "complaint_id"),
    "accounts": ("account", "customer", "province"), "payments": ("payer", "payee"),
}
# Spacing people type inside a number; the store keeps numbers without it.
_NUMBER_NOISE = re.compile(r"[\s\-()（）]")


def number_fields(kind: str) -> list[str]:
    """The fields a number filter looks in: phone numbers and ID numbers (PI by definition)."""
    return [f.name for f in fields(kind) if f.type in ("phone", "id_number")]


class BadFilter(ValueError):
    """A filter value that cannot be read (a date that is not a date, an unknown label)."""


@dataclass(frozen=True)
class Filters:
    """The rows page's filters, all combined (AND); empty ones do nothing."""
    q: str = ""  # free text (TEXT_FIELDS) contains
    who: str = ""  # a party field (PARTY_FIELDS) contains
    number: str = ""  # a phone or ID number field contains (spacing removed)
    since: date | None = None  # the record's time on or after this day
    until: date | None = None  # ... on or before this day
    finding: str = ""  # "any": rows with a text finding; a label: rows with that finding

    @classmethod
    def parse(cls, q: str = "", who: str = "", number: str = "", since: str = "", until: str = "",
              finding: str = "") -> Filters:
        finding = finding.strip()
        if finding and finding != "any" and finding not in LABELS:
            raise BadFilter("finding")
        return cls(q.strip(), who.strip(), _NUMBER_NOISE.sub("", number), _day(since), _day(until), finding)

    def query(self) -> list[tuple[str, str]]:
        """The URL parameters that give these filters again (for the next page and sharing)."""
        pairs = [("q", self.q), ("who", self.who), ("number", self.number),
                 ("since", self.since.isoformat() if self.since else ""),
                 ("until", self.until.isoformat() if self.until else ""), ("finding", self.finding)]
        return [(k, v) for k, v in pairs if v]

    def masked(self) -> str:
        """The filters for a log line, PI masked (a number filter is shown by its length only)."""
        return " ".join(f"{k}={'*' * len(v) if k == 'number' else mask_text(v)}" for k, v in self.query())


def _day(v: str) -> date | None:
    v = v.strip()
    if not v:
        return None
    try:
        return date.fromisoformat(v[:10])
    except ValueError as exc:
        raise BadFilter("date") from exc


@dataclass
class Page:
    sheet: dict[str, Any]
    columns: list[str]
    rows: list[list[Any]]
    next_after: int | None
    filters: Filters = Filters()
    labels: list[tuple[str, str, int]] | None = None  # (label, Chinese name, rows) with findings on this sheet


@dataclass(frozen=True)
class _SheetMeta:
    """What every page of a sheet needs besides its rows; kept per state of the store."""
    sheet: dict[str, Any]
    columns: list[str]
    has_findings: bool
    labels: list[tuple[str, str, int]]
    redactor: Redactor


_sheets: StoreCache[_SheetMeta | None] = StoreCache(256)


def _sheet_meta(case: Case, con: Any, sheet_id: int) -> _SheetMeta | None:
    found = con.execute("SELECT s.sheet_id, s.kind, s.holder, s.sheet, s.evidence_sha256, e.file_name "
                        "FROM record_sheets s LEFT JOIN evidence e ON e.sha256 = s.evidence_sha256 "
                        "WHERE s.sheet_id = ?", [sheet_id]).fetchone()
    if found is None or str(found[1]) not in KINDS:
        return None
    sheet = dict(zip(("sheet_id", "kind", "holder", "sheet", "evidence_sha256", "file_name"), found, strict=True))
    kind = str(found[1])
    has_findings = bool(columns_of(con, "findings"))
    return _SheetMeta(sheet, [c for c, _ in row_columns(kind) if c != "sheet_id"], has_findings,
                      _labels(con, kind, sheet) if has_findings else [], redactor(case, con))


def rows(case: Case, sheet_id: int, after: int = 0, page: int = PAGE, reveal: bool = False,
         q: str = "", filters: Filters | None = None) -> Page | None:
    """One page of a sheet's rows after row number ``after`` (keyset: as fast on the last page as
    on the first), every cell masked by its column's meaning unless ``reveal`` (see ``reveal_rows``);
    only rows that pass ``filters`` (``q`` alone: free text contains it); None when there is no such sheet.
    Filters only add conditions to the same keyset scan (``sheet_id``, ``row_no > after``, ordered by
    ``row_no``): a filtered page reads on from where the last one stopped."""
    f = filters if filters is not None else Filters(q=q.strip())
    with connect(case) as con:
        meta = _sheets.get(case, sheet_id, lambda: _sheet_meta(case, con, sheet_id))
        if meta is None:
            return None
        sheet, kind, cols = meta.sheet, str(meta.sheet["kind"]), meta.columns
        red = Redactor(reveal=True) if reveal else meta.redactor
        where, params = _where(kind, sheet, f, meta.has_findings)
        got = con.execute(
            f"SELECT {', '.join(quote_ident(c) for c in cols)} FROM {quote_ident(rows_table(kind))} "
            f"WHERE sheet_id = ? AND row_no > ?{where} ORDER BY row_no LIMIT ?",
            [sheet_id, after, *params, page + 1]).fetchall()
        labels = meta.labels
    more = len(got) > page
    got = got[:page]
    shown = [[red.cell(c, _json_text(v) if c in ("raw", "extra") else v) for c, v in zip(cols, r, strict=True)]
             for r in got]
    next_after = int(got[-1][cols.index("row_no")]) if more and got else None
    return Page(sheet, cols, shown, next_after, f, labels)


_pages: StoreCache[Page | None] = StoreCache(512)


def rows_page(case: Case, sheet_id: int, after: int = 0, page: int = PAGE, filters: Filters | None = None) -> Page | None:
    """A masked page of ``rows``, kept per state of the store (the same for every member)."""
    f = filters if filters is not None else Filters()
    return _pages.get(case, ("rows", sheet_id, after, page, f), lambda: rows(case, sheet_id, after, page, filters=f))


def _where(kind: str, sheet: dict[str, Any], f: Filters, has_findings: bool) -> tuple[str, list[object]]:
    """The filters as conditions added to the keyset scan (`` AND ...``) and their parameters."""
    where = ""
    params: list[object] = []

    def any_of(cols: list[str], value: str) -> None:
        nonlocal where
        if not cols:  # a filter this kind has no field for matches nothing
            where += " AND FALSE"
            return
        where += " AND (" + " OR ".join(f"{c} ILIKE ? ESCAPE '\\'" for c in cols) + ")"
        params.extend([_like(value)] * len(cols))

    if f.q:
        any_of([quote_ident(c) for c in TEXT_FIELDS.get(kind, ())], f.q)
    if f.who:
        any_of([quote_ident(c) for c in PARTY_FIELDS.get(kind, ())], f.who)
    if f.number:
        # A number the intake could not normalise is kept as written in ``raw``: look there too.
        nums = number_fields(kind)
        any_of([quote_ident(c) for c in nums] + ([raw_value(c) for c in nums] if has_raw_column(kind) else []),
               f.number)
    if f.since or f.until:
        t = TIME_FIELD.get(kind)
        if t is None:
            where += " AND FALSE"
        else:
            if f.since:
                where += f" AND {quote_ident(t)} >= ?"
                params.append(datetime.combine(f.since, datetime.min.time()))
            if f.until:
                where += f" AND {quote_ident(t)} < ?"
                params.append(datetime.combine(f.until + timedelta(days=1), datetime.min.time()))
    if f.finding:
        if not has_findings:
            where += " AND FALSE"
        else:
            # Findings cite a record by file, sheet and row number, as the report does.
            where += (" AND row_no IN (SELECT row_no FROM findings WHERE evidence_sha256 = ? "
                      "AND sheet IS NOT DISTINCT FROM ? AND kind = ?" + (" AND label = ?" if f.finding != "any" else "")
                      + ")")
            params += [sheet["evidence_sha256"], sheet["sheet"], kind]
            if f.finding != "any":
                params.append(f.finding)
    return where, params


def _labels(con: Any, kind: str, sheet: dict[str, Any]) -> list[tuple[str, str, int]]:
    """The finding labels on this sheet with how many rows carry each, for the filter's choice."""
    got = dict(con.execute("SELECT label, count(DISTINCT row_no) FROM findings WHERE evidence_sha256 = ? "
                           "AND sheet IS NOT DISTINCT FROM ? AND kind = ? GROUP BY label",
                           [sheet["evidence_sha256"], sheet["sheet"], kind]).fetchall())
    return [(lab, LABEL_ZH[lab], int(got[lab])) for lab in LABELS if lab in got]


def reveal_rows(case: Case, sheet_id: int, after: int, user: str, reason: str | None,
                filters: Filters | None = None) -> Page | None:
    """A page of rows unmasked (the same filters as the page it was asked from): refused without a
    reason (``reveal_reason``); the reveal goes into the custody log with the user's name, reason
    and filters (masked) before anything is read."""
    why = reveal_reason(True, reason)
    f = filters or Filters()
    with connect(case) as con:
        if con.execute("SELECT 1 FROM record_sheets WHERE sheet_id = ?", [sheet_id]).fetchone() is None:
            return None
    args: dict[str, Any] = {"sheet_id": sheet_id, "after": after, "rows": PAGE}
    if f.query():
        args["filters"] = f.masked()
    case.log("web.reveal", args, user=user, details={"reason": why})
    return rows(case, sheet_id, after, reveal=True, filters=f)


@dataclass
class RowView:
    sheet: dict[str, Any]
    row_no: int
    fields: list[tuple[str, Any]]  # the normalised record, field -> value
    original: OriginalRow | None  # the stored file's own row (None: the file has no such row, or none is stored)
    original_error: tuple[str, str] | None = None  # why the stored file could not be read (zh, en)


def row(case: Case, sheet_id: int, row_no: int, reveal: bool = False) -> RowView | None:
    """One normalised record and, beside it, the original file's row it was read from (same sheet and
    row number), both masked unless ``reveal`` (see ``reveal_row``): the normalised fields by their
    meaning, the original cells by the field their header maps to (others as free text). None when
    the sheet has no such row."""
    with connect(case) as con:
        found = con.execute(
            "SELECT s.sheet_id, s.kind, s.holder, s.sheet, s.evidence_sha256, e.file_name, e.stored_path, e.encoding "
            "FROM record_sheets s LEFT JOIN evidence e ON e.sha256 = s.evidence_sha256 WHERE s.sheet_id = ?",
            [sheet_id]).fetchone()
        if found is None or str(found[1]) not in KINDS:
            return None
        sheet = dict(zip(("sheet_id", "kind", "holder", "sheet", "evidence_sha256", "file_name", "stored_path",
                          "encoding"), found, strict=True))
        kind = str(sheet["kind"])
        cols = [c for c, _ in row_columns(kind) if c != "sheet_id"]
        got = con.execute(f"SELECT {', '.join(quote_ident(c) for c in cols)} FROM {quote_ident(rows_table(kind))} "
                          "WHERE sheet_id = ? AND row_no = ?", [sheet_id, row_no]).fetchone()
        if got is None:
            return None
        red = Redactor(reveal=True) if reveal else redactor(case, con)
    fields = [(c, red.cell(c, _json_text(v) if c in ("raw", "extra") else v)) for c, v in zip(cols, got, strict=True)]
    original, error = None, None
    if sheet["stored_path"]:
        try:
            original = original_row(case, str(sheet["stored_path"]), str(sheet["file_name"] or ""),
                                    sheet["encoding"], sheet["sheet"], row_no)
        except QinglianError as exc:  # the record is still worth showing without its original
            error = (exc.render("zh"), exc.render("en"))
    if original is not None:
        # the case's packs name columns too (a real-estate list's 小区名称 is an address): mask them as intake read them
        meaning = match_headers(kind, [h for _, h, _ in original.cells], None, case.packs)
        original.cells = [(i, red.text(h) or h, red.cell(meaning.get(j, h), v))
                          for j, (i, h, v) in enumerate(original.cells)]
    return RowView(sheet, row_no, fields, original, error)


def sheet_of(case: Case, sha256: str, sheet: str | None, kind: str | None = None) -> int | None:
    """The sheet_id of a file's sheet (a CSV's is None), as charges and search hits cite rows by
    file, sheet and row number; with ``kind`` where the same sheet was read as more than one kind."""
    with connect(case) as con:
        row = con.execute("SELECT min(sheet_id) FROM record_sheets WHERE evidence_sha256 = ? "
                          "AND sheet IS NOT DISTINCT FROM ? AND (? IS NULL OR kind = ?)",
                          [sha256, sheet, kind, kind]).fetchone()
    return int(row[0]) if row and row[0] is not None else None


def reveal_row(case: Case, sheet_id: int, row_no: int, user: str, reason: str | None) -> RowView | None:
    """One record and its original row unmasked: refused without a reason; written to the custody
    log (``web.reveal``, user, reason) before anything is read, as a page of rows is."""
    why = reveal_reason(True, reason)
    with connect(case) as con:
        if con.execute("SELECT 1 FROM record_sheets WHERE sheet_id = ?", [sheet_id]).fetchone() is None:
            return None
    case.log("web.reveal", {"sheet_id": sheet_id, "row_no": row_no, "rows": 1, "original": True}, user=user,
             details={"reason": why})
    return row(case, sheet_id, row_no, reveal=True)


def _json_text(v: Any) -> str | None:
    """A JSON cell as 'key: value' pairs (empty objects shown as nothing)."""
    if v is None:
        return None
    try:
        d = json.loads(v) if isinstance(v, str) else v
    except ValueError:
        return str(v)
    if isinstance(d, dict):
        return "; ".join(f"{k}: {val}" for k, val in d.items()) or None
    return str(d)


def _like(q: str) -> str:
    return "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


Found = tuple[list[dict[str, Any]], bool, str]
_found: StoreCache[Found] = StoreCache(512)


def search_page(case: Case, q: str, index: Path | None = None,
                submit: Callable[[Callable[[], None]], object] | None = None) -> Found:
    """``search``, kept per state of the store where it is final: found by the index, or a short
    query scanned while the index is fresh (a scan that stands in for a stale index is not kept,
    so the query goes to the index once it is built)."""
    q = q.strip()

    def final(got: Found) -> bool:
        return got[2] == "index" or index is None or (len(q) < search_index.MIN_CHARS
                                                      and search_index.fresh(index, case))

    return _found.get(case, ("search", q, str(index)), lambda: search(case, q, index=index, submit=submit), keep=final)


def highlight(text: str, q: str) -> list[tuple[str, bool]]:
    """The text around its first match cut to a snippet, as (piece, is_match) pairs: the template
    marks the matches, escaping every piece (seized text is never trusted as markup)."""
    low, ql = text.lower(), q.lower()
    first = low.find(ql)
    if first < 0:
        return [(text[: 2 * SNIPPET], False)]
    start = max(0, first - SNIPPET)
    end = min(len(text), first + len(q) + SNIPPET)
    pieces: list[tuple[str, bool]] = [("…", False)] if start else []
    at = start
    while True:
        i = low.find(ql, at, end)
        if i < 0:
            break
        if i > at:
            pieces.append((text[at:i], False))
        pieces.append((text[i : i + len(q)], True))
        at = i + len(q)
    pieces.append((text[at:end], False))
    if end < len(text):
        pieces.append(("…", False))
    return pieces


def search(case: Case, q: str, limit: int = SEARCH_LIMIT, index: Path | None = None,
           submit: Callable[[Callable[[], None]], object] | None = None) -> tuple[list[dict[str, Any]], bool, str]:
    """Texts of the case containing ``q`` (case-insensitive substring), masked, with the matches
    marked; whether more than ``limit`` matched; and how they were found: "index" (the case's
    FTS5 trigram index, for three characters or more) or "scan" (DuckDB ILIKE over the store, for
    shorter queries and while the index is missing or stale; ``submit`` then schedules its build)."""
    q = q.strip()
    if not q:
        return [], False, ""
    got: list[tuple[Any, ...]] | None = None
    how = "scan"
    if index is not None:
        if search_index.fresh(index, case):
            if len(q) >= search_index.MIN_CHARS:
                got, how = search_index.query(index, q, limit + 1), "index"
        elif submit is not None:
            submit(lambda: search_index.build_once(case, index))
    with connect(case) as con:
        if got is None:
            parts, params = [], []
            have = present(con)
            for kind, col in SEARCHED:
                if kind in have:
                    c = quote_ident(col)
                    parts.append(f"SELECT '{kind}' AS kind, holder, evidence_sha256, sheet, row_no, {c} AS text "
                                 f"FROM {quote_ident(kind)} WHERE {c} ILIKE ? ESCAPE '\\'")
                    params.append(_like(q))
            got = con.execute(" UNION ALL ".join(parts) + " LIMIT ?", [*params, limit + 1]).fetchall() if parts else []
        files_by_sha = dict(con.execute("SELECT sha256, file_name FROM evidence").fetchall())
        red = redactor(case, con)
    out = []
    for kind, holder, sha, sheet, row_no, text in got[:limit]:
        masked = red.text(str(text))
        out.append({"kind": kind, "holder": holder, "evidence_sha256": sha, "file_name": files_by_sha.get(sha, ""),
                    "sheet": sheet, "row_no": row_no, "pieces": highlight(masked, q)})
    return out, len(got) > limit, how
