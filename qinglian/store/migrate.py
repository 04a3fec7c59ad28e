"""Bring a case made by an earlier qinglian up to the current store layout, in one transaction.

Schema 2: the per-field ``<field>_raw`` columns of the record tables became one JSON column
``raw`` (``{"callee": "138****5678"}`` where a value could not be normalised, NULL where every
value was); see ``schema.py``. Each table is rebuilt with the current declaration and its rows
copied over, so column types, constraints and order are exactly those of a new case.
"""

from __future__ import annotations

import duckdb

from qinglian.store.db import columns_of
from qinglian.store.schema import KINDS, columns, field_names, record_ddl
from qinglian.store.sqlident import quote_ident as q


def raw_columns_to_json(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Schema 1 -> 2 on an open transaction; the tables that were rebuilt."""
    rebuilt: list[str] = []
    for kind in KINDS:
        have = columns_of(con, kind)
        raws = [f for f in field_names(kind) if f + "_raw" in have]
        if not have or not raws:
            continue
        old = f"__ql_old_{kind}"
        con.execute(f"ALTER TABLE {q(kind)} RENAME TO {q(old)}")
        con.execute(record_ddl(kind))
        pairs = ", ".join(f"'{f}', {q(f + '_raw')}" for f in raws)
        any_raw = " OR ".join(f"{q(f + '_raw')} IS NOT NULL" for f in raws)
        select = []
        for name, _ in columns(kind):
            if name == "raw":
                select.append(f"CASE WHEN {any_raw} THEN json_merge_patch('{{}}', json_object({pairs})) END")
            else:
                select.append(q(name) if name in have else "NULL")
        cols = ", ".join(q(name) for name, _ in columns(kind))
        con.execute(f"INSERT INTO {q(kind)} ({cols}) SELECT {', '.join(select)} FROM {q(old)}")
        con.execute(f"DROP TABLE {q(old)}")
        rebuilt.append(kind)
    return rebuilt
