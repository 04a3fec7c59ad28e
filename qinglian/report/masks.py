"""The masked form of every record text and quote the appendices print, made once per report.

The XLSX and the FtM export print the same transcripts, SMS, chats and quotes, and masking them is
the costly part of writing either. ``record_masks`` gives a table (v, m): each distinct text and its
masked form. The report makes it once (half of it in a helper process where there is one) and
hands it to both appendices; each appendix covers what the table lacks (a text added to the case
since) by masking it there, so a text is never printed unmasked for want of an entry.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass

import duckdb
import pyarrow as pa

from qinglian.privacy import NameMatcher, mask_texts
from qinglian.report.privacy import Redactor, case_names
from qinglian.report.tables import schema_tables
from qinglian.store.case import Case
from qinglian.store.schema import TEXT_FIELDS
from qinglian.store.sqlident import quote_ident

SCHEMA = pa.schema([("v", pa.string()), ("m", pa.string())])


def texts_sql(con: duckdb.DuckDBPyConnection, holder: str | None) -> tuple[str, list[str]]:
    """SQL for every distinct record text (TEXT_FIELDS) and finding quote (of one holder), as ``v``."""
    tables = schema_tables(con)
    selects: list[str] = []
    params: list[str] = []
    sources = [(k, f) for k, fields in TEXT_FIELDS.items() for f in fields] + [("findings", "quote")]
    for table, column in sources:
        if column not in tables.get(table, []):
            continue
        where = ""
        if holder is not None and "holder" in tables[table]:
            where = " WHERE holder = ?"
            params.append(holder)
        selects.append(f"SELECT CAST({quote_ident(column)} AS VARCHAR) AS v FROM {quote_ident(table)}{where}")
    if not selects:
        return "SELECT NULL::VARCHAR AS v WHERE FALSE", []
    return f"SELECT DISTINCT v FROM ({' UNION ALL '.join(selects)}) WHERE v IS NOT NULL AND v <> ''", params


def _mask(values: list[str], reveal: bool, names: NameMatcher | None) -> list[str]:
    return list(values) if reveal else mask_texts(values, names)


def record_masks(con: duckdb.DuckDBPyConnection, redactor: Redactor, holder: str | None,
                 known: pa.Table | None = None, helper: Executor | None = None) -> pa.Table:
    """(v, m) for every text ``texts_sql`` finds: taken from ``known`` where it has the text, else
    masked here, the first half by ``helper`` (a process pool) when one is given."""
    sql, params = texts_sql(con, holder)
    if known is not None:
        con.register("report_masks_known", known)
        try:
            missing = [str(r[0]) for r in con.execute(
                f"SELECT v FROM ({sql}) WHERE v NOT IN (SELECT v FROM report_masks_known)", params).fetchall()]
        finally:
            con.unregister("report_masks_known")
    else:
        missing = [str(r[0]) for r in con.execute(sql, params).fetchall()]
    half = len(missing) // 2 if helper is not None else 0
    theirs = helper.submit(_mask, missing[:half], redactor.reveal, redactor.matcher) if helper and half else None
    mine = _mask(missing[half:], redactor.reveal, redactor.matcher)
    masked = (theirs.result() if theirs is not None else []) + mine
    made = pa.table({"v": pa.array(missing, pa.string()), "m": pa.array(masked, pa.string())}, schema=SCHEMA)
    return made if known is None else pa.concat_tables([known.select(["v", "m"]).cast(SCHEMA), made])


@dataclass(frozen=True)
class Premasked:
    """Texts masked ahead of a report (while the last stages ran) and the names they were masked with."""

    table: pa.Table
    names_key: str  # NameMatcher.key: used only by a report whose matcher is the same

    def usable(self, names: NameMatcher | None) -> pa.Table | None:
        return self.table if names is not None and names.key == self.names_key else None


def mask_ahead(case: Case, holder: str | None, pool: Executor) -> Callable[[], Premasked]:
    """Start masking the case's texts for a masked report in ``pool``; the call returned waits for them."""
    with case.connect(read_only=True) as con:
        names = case_names(con)
        sql, params = texts_sql(con, holder)
        values = [str(r[0]) for r in con.execute(sql, params).fetchall()]
    future = pool.submit(_mask, values, False, names)

    def wait() -> Premasked:
        return Premasked(pa.table({"v": pa.array(values, pa.string()), "m": pa.array(future.result(), pa.string())},
                                  schema=SCHEMA), names.key)
    return wait
