"""Bring a case made by an earlier qinglian up to the current store layout, in one transaction.

- Schema 2: the per-field ``<field>_raw`` columns of the record tables became one JSON column
  ``raw`` (``{"callee": "138****5678"}`` where a value could not be normalised, NULL where every
  value was).
- Schema 3: each record kind's rows moved to ``<kind>_rows``, with a ``sheet_id`` into
  ``record_sheets`` in place of ``holder``, ``site``, ``evidence_sha256`` and ``sheet``; the
  kind's name is now a view that reads exactly the columns the table had.

Both are done by one rebuild: each record table that is still a plain table is renamed, the
current declaration created, and its rows copied over in their stored order, so column types,
constraints and order are exactly those of a new case.
"""

from __future__ import annotations

import duckdb

from qinglian.store.db import columns_of, one
from qinglian.store.schema import (
    KINDS,
    SHEET_COLUMNS,
    SHEETS_DDL,
    field_names,
    record_ddl,
    row_columns,
    rows_table,
)
from qinglian.store.sqlident import quote_ident as q


def _is_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    row = one(
        con,
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'main' AND table_name = ? "
        "AND table_type = 'BASE TABLE'",
        [name],
    )
    return bool(row and row[0])


def rebuild_record_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Schema 1 or 2 -> 3 on an open transaction; the kinds that were rebuilt."""
    con.execute(SHEETS_DDL)
    rebuilt: list[str] = []
    for kind in KINDS:
        if not _is_table(con, kind):
            continue
        have = columns_of(con, kind)
        old = f"__ql_old_{kind}"
        con.execute(f"ALTER TABLE {q(kind)} RENAME TO {q(old)}")
        for ddl in record_ddl(kind):
            con.execute(ddl)
        # One record_sheets row per (holder, site, file, sheet) the old table holds.
        keys = ", ".join(q(c) for c in SHEET_COLUMNS)
        con.execute(
            f"INSERT INTO record_sheets SELECT (SELECT coalesce(max(sheet_id), 0) FROM record_sheets) "
            f"+ row_number() OVER (ORDER BY first), ?, {keys} "
            f"FROM (SELECT {keys}, min(rowid) AS first FROM {q(old)} GROUP BY ALL)",
            [kind],
        )
        select = []
        for name, _ in row_columns(kind):
            if name == "sheet_id":
                select.append("s.sheet_id")
            elif name == "raw" and name not in have:
                raws = [f for f in field_names(kind) if f + "_raw" in have]
                if raws:
                    pairs = ", ".join(f"'{f}', o.{q(f + '_raw')}" for f in raws)
                    any_raw = " OR ".join(f"o.{q(f + '_raw')} IS NOT NULL" for f in raws)
                    select.append(f"CASE WHEN {any_raw} THEN json_merge_patch('{{}}', json_object({pairs})) END")
                else:
                    select.append("NULL")
            else:
                select.append(f"o.{q(name)}" if name in have else "NULL")
        on = " AND ".join(f"s.{q(c)} IS NOT DISTINCT FROM o.{q(c)}" for c in SHEET_COLUMNS)
        cols = ", ".join(q(name) for name, _ in row_columns(kind))
        con.execute(
            f"INSERT INTO {q(rows_table(kind))} ({cols}) SELECT {', '.join(select)} FROM {q(old)} o "
            f"JOIN record_sheets s ON s.kind = ? AND {on} ORDER BY o.rowid",
            [kind],
        )
        con.execute(f"DROP TABLE {q(old)}")
        rebuilt.append(kind)
    return rebuilt
