"""The evidence browser (file -> sheet -> rows, keyset paging on row number) and text search, PI masked."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qinglian.errors import QinglianError
from qinglian.ingest.mapping import match_headers
from qinglian.privacy import reveal_reason
from qinglian.report.privacy import Redactor
from qinglian.store.case import Case
from qinglian.store.db import columns_of
from qinglian.store.schema import KINDS, TEXT_FIELDS, row_columns, rows_table
from qinglian.store.sqlident import quote_ident
from qinglian.web import search_index
from qinglian.web.original import OriginalRow, original_row
from qinglian.web.reads import present, redactor
from qinglian.web.search_index import SEARCHED

PAGE = 50
SEARCH_LIMIT = 50
SNIPPET = 60


def files(case: Case) -> list[dict[str, Any]]:
    with case.connect(read_only=True) as con:
        if not columns_of(con, "evidence"):
            return []
        cur = con.execute("SELECT sha256, file_name, holder, site, kind, rows, size_bytes, ingested_at "
                          "FROM evidence ORDER BY holder, file_name, sha256")
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def sheets(case: Case, sha256: str) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """The file's row and its sheets with their row counts (None when the case has no such file)."""
    with case.connect(read_only=True) as con:
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


@dataclass
class Page:
    sheet: dict[str, Any]
    columns: list[str]
    rows: list[list[Any]]
    next_after: int | None


def rows(case: Case, sheet_id: int, after: int = 0, page: int = PAGE, reveal: bool = False,
         q: str = "") -> Page | None:
    """One page of a sheet's rows after row number ``after`` (keyset: as fast on the last page as
    on the first), every cell masked by its column's meaning unless ``reveal`` (see ``reveal_rows``);
    with ``q``, only rows whose free text (``TEXT_FIELDS``) contains it; None when there is no such sheet."""
    with case.connect(read_only=True) as con:
        found = con.execute("SELECT s.sheet_id, s.kind, s.holder, s.sheet, s.evidence_sha256, e.file_name "
                            "FROM record_sheets s LEFT JOIN evidence e ON e.sha256 = s.evidence_sha256 "
                            "WHERE s.sheet_id = ?", [sheet_id]).fetchone()
        if found is None or str(found[1]) not in KINDS:
            return None
        sheet = dict(zip(("sheet_id", "kind", "holder", "sheet", "evidence_sha256", "file_name"), found, strict=True))
        cols = [c for c, _ in row_columns(str(found[1])) if c != "sheet_id"]
        red = Redactor(reveal=True) if reveal else redactor(case, con)
        where = "sheet_id = ? AND row_no > ?"
        params: list[object] = [sheet_id, after]
        texts = [c for c in TEXT_FIELDS.get(str(found[1]), ()) if c in cols]
        if q.strip() and texts:
            where += " AND (" + " OR ".join(f"{quote_ident(c)} ILIKE ? ESCAPE '\\'" for c in texts) + ")"
            params += [_like(q.strip())] * len(texts)
        elif q.strip():
            where += " AND FALSE"
        got = con.execute(
            f"SELECT {', '.join(quote_ident(c) for c in cols)} FROM {quote_ident(rows_table(str(found[1])))} "
            f"WHERE {where} ORDER BY row_no LIMIT ?", [*params, page + 1]).fetchall()
    more = len(got) > page
    got = got[:page]
    shown = [[red.cell(c, _json_text(v) if c in ("raw", "extra") else v) for c, v in zip(cols, r, strict=True)]
             for r in got]
    next_after = int(got[-1][cols.index("row_no")]) if more and got else None
    return Page(sheet, cols, shown, next_after)


def reveal_rows(case: Case, sheet_id: int, after: int, user: str, reason: str | None) -> Page | None:
    """A page of rows unmasked: refused without a reason (``reveal_reason``); the reveal goes into
    the custody log with the user's name and reason before anything is read."""
    why = reveal_reason(True, reason)
    with case.connect(read_only=True) as con:
        if con.execute("SELECT 1 FROM record_sheets WHERE sheet_id = ?", [sheet_id]).fetchone() is None:
            return None
    case.log("web.reveal", {"sheet_id": sheet_id, "after": after, "rows": PAGE}, user=user, details={"reason": why})
    return rows(case, sheet_id, after, reveal=True)


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
    with case.connect(read_only=True) as con:
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
        meaning = match_headers(kind, [h for _, h, _ in original.cells])
        original.cells = [(i, red.text(h) or h, red.cell(meaning.get(j, h), v))
                          for j, (i, h, v) in enumerate(original.cells)]
    return RowView(sheet, row_no, fields, original, error)


def sheet_of(case: Case, sha256: str, sheet: str | None, kind: str | None = None) -> int | None:
    """The sheet_id of a file's sheet (a CSV's is None), as charges and search hits cite rows by
    file, sheet and row number; with ``kind`` where the same sheet was read as more than one kind."""
    with case.connect(read_only=True) as con:
        row = con.execute("SELECT min(sheet_id) FROM record_sheets WHERE evidence_sha256 = ? "
                          "AND sheet IS NOT DISTINCT FROM ? AND (? IS NULL OR kind = ?)",
                          [sha256, sheet, kind, kind]).fetchone()
    return int(row[0]) if row and row[0] is not None else None


def reveal_row(case: Case, sheet_id: int, row_no: int, user: str, reason: str | None) -> RowView | None:
    """One record and its original row unmasked: refused without a reason; written to the custody
    log (``web.reveal``, user, reason) before anything is read, as a page of rows is."""
    why = reveal_reason(True, reason)
    with case.connect(read_only=True) as con:
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
    with case.connect(read_only=True) as con:
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
