"""Evidence citations, and the resolution of the records that findings cite.

A citation names the evidence file (hash prefix and file name), sheet and row, and says
whether that row exists in its record table — a citation that does not resolve is shown as
such, never as if it did.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from qinglian.report.privacy import hash_text
from qinglian.store.schema import KINDS
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
    """Resolve every cited record once (a temp table), so the queries that cite stay cheap.

    ``report_refs``: each distinct (kind, sha, sheet, row) that findings cite, whether that row
    exists in its record table and the record's date. Done once per connection.
    """
    done = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE temporary AND table_name = 'report_refs'"
    ).fetchone()
    if done and done[0] == 1:
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


def finding_types(con: duckdb.DuckDBPyConnection, holder: str | None = None) -> list[tuple[str, str, int]]:
    """(analysis, label, count) of the findings of the case or of one holder, most frequent first."""
    params = [holder] if holder is not None else []
    where = " WHERE holder = ?" if params else ""
    rows = con.execute(
        f"SELECT analysis, label, count(*) n FROM findings{where} GROUP BY ALL ORDER BY n DESC, 1, 2",
        params,
    ).fetchall()
    return [(str(a), str(b), int(n)) for a, b, n in rows]
