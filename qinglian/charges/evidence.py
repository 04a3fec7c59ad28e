"""The supporting set of a charge as stored queries: run them, digest them, pick representative rows.

Every query selects the same columns (``COLUMNS``) from the case's own tables, with values as
parameters, so it can be stored with the charge and run again by ``qinglian charges --evidence``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import duckdb

COLUMNS = ("kind", "evidence_sha256", "sheet", "row_no", "ts", "quote", "grp")


@dataclass
class Query:
    """SQL selecting COLUMNS, its parameters, and what the rows show."""

    sql: str
    params: list[Any] = field(default_factory=list)
    what_zh: str = ""
    what_en: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"sql": self.sql, "params": self.params, "what_zh": self.what_zh, "what_en": self.what_en}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Query:
        return cls(str(d["sql"]), list(d.get("params") or []), str(d.get("what_zh", "")), str(d.get("what_en", "")))


def union(queries: list[Query]) -> tuple[str, list[Any]]:
    cols = ", ".join(COLUMNS)
    parts = [f"SELECT {cols} FROM ({q.sql})" for q in queries]
    params: list[Any] = []
    for q in queries:
        params += q.params
    return " UNION ALL ".join(parts), params


@dataclass
class Summary:
    rows: int
    first_at: datetime | None
    last_at: datetime | None
    digest: str


def summarise(con: duckdb.DuckDBPyConnection, queries: list[Query]) -> Summary:
    """Distinct supporting rows, period and a digest of their (kind, file, sheet, row) keys."""
    if not queries:
        return Summary(0, None, None, "")
    sql, params = union(queries)
    row = con.execute(
        f"""SELECT count(*), min(ts), max(ts), sha256(coalesce(string_agg(k, ';' ORDER BY k), ''))
            FROM (SELECT kind || '|' || evidence_sha256 || '|' || coalesce(sheet, '') || '|' || row_no AS k,
                         min(ts) AS ts
                  FROM ({sql}) GROUP BY k)""",
        params,
    ).fetchone()
    assert row is not None
    return Summary(int(row[0]), row[1], row[2], str(row[3]))


def representative(con: duckdb.DuckDBPyConnection, queries: list[Query], n: int = 5) -> list[dict[str, Any]]:
    """Up to n rows spread over groups (campaign, template, script, list): the first of each
    group, largest groups first, then second rows, and so on."""
    if not queries:
        return []
    sql, params = union(queries)
    rows = con.execute(
        f"""SELECT u.kind, u.evidence_sha256, e.file_name, u.sheet, u.row_no, u.quote, u.grp
            FROM (SELECT *, row_number() OVER (PARTITION BY grp ORDER BY ts NULLS LAST, evidence_sha256, row_no) AS rn,
                         count(*) OVER (PARTITION BY grp) AS gn
                  FROM ({sql})) u
            LEFT JOIN evidence e ON e.sha256 = u.evidence_sha256
            ORDER BY u.rn, u.gn DESC, u.grp, u.evidence_sha256, u.row_no
            LIMIT {int(n)}""",
        params,
    ).fetchall()
    keys = ("kind", "evidence_sha256", "file_name", "sheet", "row_no", "quote", "group_key")
    return [dict(zip(keys, r, strict=True)) for r in rows]


def rows(con: duckdb.DuckDBPyConnection, queries: list[Query], limit: int | None = None) -> list[dict[str, Any]]:
    """The full supporting set, in file and row order (for ``--evidence``)."""
    if not queries:
        return []
    sql, params = union(queries)
    cap = f" LIMIT {int(limit)}" if limit else ""
    out = con.execute(
        f"""SELECT DISTINCT u.kind, e.file_name, u.evidence_sha256, u.sheet, u.row_no, u.ts, u.quote
            FROM ({sql}) u LEFT JOIN evidence e ON e.sha256 = u.evidence_sha256
            ORDER BY e.file_name, u.sheet NULLS FIRST, u.row_no{cap}""",
        params,
    ).fetchall()
    keys = ("kind", "file_name", "evidence_sha256", "sheet", "row_no", "ts", "quote")
    return [dict(zip(keys, r, strict=True)) for r in out]


# -- every candidate at once: the rows staged by detect.Context, joined to their candidates --------

# ``parts`` (cand, tag, holder) says which staged rows support which candidate; ``support`` holds
# them (tag, holder and COLUMNS). The key and ordering match summarise() and representative().
_KEY = "kind || '|' || evidence_sha256 || '|' || coalesce(sheet, '') || '|' || row_no"


def summarise_all(con: duckdb.DuckDBPyConnection, support: str, parts: str) -> dict[int, Summary]:
    """summarise() for every candidate in ``parts`` (those without rows are left out)."""
    out: dict[int, Summary] = {}
    for cand, n, first, last, digest in con.execute(
        f"""SELECT cand, count(*), min(ts), max(ts), sha256(coalesce(string_agg(k, ';' ORDER BY k), ''))
            FROM (SELECT p.cand, {_KEY} AS k, min(s.ts) AS ts
                  FROM {support} s JOIN {parts} p ON p.tag = s.tag AND p.holder = s.holder
                  GROUP BY p.cand, k)
            GROUP BY cand"""
    ).fetchall():
        out[int(cand)] = Summary(int(n), first, last, str(digest))
    return out


def representative_all(con: duckdb.DuckDBPyConnection, support: str, parts: str, n: int = 5) -> dict[int, list[dict[str, Any]]]:
    """representative() for every candidate in ``parts``, plus each row's ``tag``: the first n rows
    of each group by a top-n aggregate (no sort of whole groups), then ranked across groups."""
    keys = ("tag", "kind", "evidence_sha256", "file_name", "sheet", "row_no", "quote", "group_key")
    out: dict[int, list[dict[str, Any]]] = {}
    for r in con.execute(
        f"""WITH g AS (
                SELECT p.cand, s.grp, count(*) AS gn,
                       min_by(s.rowid, (coalesce(s.ts, 'infinity'::TIMESTAMP), s.evidence_sha256, s.row_no), {int(n)}) AS rids
                FROM {support} s JOIN {parts} p ON p.tag = s.tag AND p.holder = s.holder
                GROUP BY p.cand, s.grp),
            u AS (SELECT cand, grp, gn, unnest(rids) AS rid, generate_subscripts(rids, 1) AS rn FROM g),
            top AS (
                SELECT u.cand, u.rid, row_number() OVER (
                           PARTITION BY u.cand ORDER BY u.rn, u.gn DESC, u.grp, s.evidence_sha256, s.row_no) AS rank
                FROM u JOIN {support} s ON s.rowid = u.rid
                QUALIFY rank <= {int(n)})
            SELECT top.cand, s.tag, s.kind, s.evidence_sha256, e.file_name, s.sheet, s.row_no, s.quote, s.grp
            FROM top JOIN {support} s ON s.rowid = top.rid LEFT JOIN evidence e ON e.sha256 = s.evidence_sha256
            ORDER BY top.cand, top.rank"""
    ).fetchall():
        out.setdefault(int(r[0]), []).append(dict(zip(keys, r[1:], strict=True)))
    return out
