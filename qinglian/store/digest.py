"""Digests of stored rows, for custody: what an ingest wrote per sheet, what an analysis wrote
per table, recomputed by ``verify``.

A digest is SHA-256 over the values column by column, in the order the rows are stored,
hashed from the binary values DuckDB hands over as Arrow: integers, times and floats as their
fixed-width little-endian bytes, text as its UTF-8 bytes with the lengths beside them. Nothing
goes through DuckDB's text formatting of values or its ``hash()``, which may change between
versions. Hashing whole column buffers costs a few vectorised calls per million rows; a
per-row md5/sha256 in SQL builds and hashes a text per row, several times the cost.

Stored order, not sorted order: a parallel INSERT does not store a sheet's rows by
``row_no``, and sorting millions of rows for every ingest would cost more than the rest of
the digest. DuckDB keeps a table's row order (deletes and updates do not move rows, and the
schema migration copies rows in stored order); a table rewritten in another order reads as
changed, which is what ``verify`` should say about a rewritten table.
"""

from __future__ import annotations

import hashlib
import itertools
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from qinglian.store.schema import rows_table
from qinglian.store.sqlident import quote_ident

METHOD = "ql-digest-1"
BATCH_ROWS = 1 << 20

_TEXT = {"VARCHAR", "JSON", "UUID", "BLOB"}
_FIXED = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT",
          "FLOAT", "DOUBLE", "BOOLEAN", "DATE", "TIMESTAMP")


@dataclass(frozen=True)
class Digest:
    rows: int
    sha256: str

    def as_json(self) -> dict[str, Any]:
        return {"rows": self.rows, "sha256": self.sha256}


def _canonical(name: str, sql_type: str) -> str:
    """Fixed-width types as they are; text as text; anything else as its exact text form."""
    col = quote_ident(name)
    t = sql_type.upper()
    if t in _TEXT or t.startswith(_FIXED):  # TIMESTAMP covers its units and time zone
        return col
    if t.startswith(("DECIMAL", "HUGEINT", "UHUGEINT", "TIME", "INTERVAL", "BIT", "ENUM")):
        return f"CAST({col} AS VARCHAR)"
    return f"CAST(to_json({col}) AS VARCHAR)"  # lists, structs, maps, unions


class _Column:
    """Running hashes of one column: the values, the text lengths (-1 for NULL) and the
    positions of NULLs among fixed-width values (whose slot bytes are then zero)."""

    def __init__(self) -> None:
        self.values = hashlib.sha256()
        self.lengths = hashlib.sha256()
        self.nulls = hashlib.sha256()

    def update(self, arr: pa.Array, base: int) -> None:
        if isinstance(arr.type, pa.ExtensionType):
            arr = arr.storage
        ty = arr.type
        n = len(arr)
        valid = None if arr.null_count == 0 else np.asarray(arr.is_valid())
        if pa.types.is_string(ty) or pa.types.is_binary(ty) or pa.types.is_large_string(ty) or pa.types.is_large_binary(ty):
            wide = pa.types.is_large_string(ty) or pa.types.is_large_binary(ty)
            bufs = arr.buffers()
            offsets = np.frombuffer(bufs[1], dtype=np.int64 if wide else np.int32)[arr.offset : arr.offset + n + 1]
            lengths = np.diff(offsets).astype("<i4")
            if valid is not None:
                lengths[~valid] = -1
            self.lengths.update(lengths.tobytes())
            if bufs[2] is not None and n:
                self.values.update(memoryview(bufs[2])[int(offsets[0]) : int(offsets[-1])])
            return
        if pa.types.is_boolean(ty):
            data = np.asarray(pc.fill_null(arr, False).cast(pa.uint8()))
        else:
            width = ty.bit_width // 8
            kind = "f" if pa.types.is_floating(ty) else ("u" if pa.types.is_unsigned_integer(ty) else "i")
            data = np.frombuffer(arr.buffers()[1], dtype=f"<{kind}{width}")[arr.offset : arr.offset + n]
            if valid is not None:
                data = np.where(valid, data, np.zeros(1, data.dtype))
        self.values.update(np.ascontiguousarray(data).tobytes())
        if valid is not None:
            self.nulls.update((np.flatnonzero(~valid) + base).astype("<i8").tobytes())

    def hexdigest(self) -> str:
        return hashlib.sha256(
            (self.values.hexdigest() + self.lengths.hexdigest() + self.nulls.hexdigest()).encode()
        ).hexdigest()


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple[str, str]]:
    rows = con.execute(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 'main' "
        "AND table_name = ? ORDER BY ordinal_position",
        [table],
    ).fetchall()
    return [(str(r[0]), str(r[1])) for r in rows]


def _digest(
    con: duckdb.DuckDBPyConnection, table: str, columns: list[tuple[str, str]], where: str, params: list[Any]
) -> Digest:
    """Hash ``columns`` of the rows of ``table`` that match ``where``, in stored order. Columns
    holding only NULLs are counted, not read."""
    src = f"{quote_ident(table)} WHERE {where}"
    counts = con.execute(
        f"SELECT count(*){''.join(f', count({quote_ident(n)})' for n, _ in columns)} FROM {src}", params
    ).fetchall()[0]
    rows = int(counts[0])
    header = [METHOD, str(rows)] + [f"{n}:{t}:{c}" for (n, t), c in zip(columns, counts[1:], strict=True)]
    live = [(n, t) for (n, t), c in zip(columns, counts[1:], strict=True) if c]
    states = {n: _Column() for n, _ in live}
    if live:
        con.execute("SET preserve_insertion_order = true")
        select = ", ".join(f"{_canonical(n, t)} AS {quote_ident(n)}" for n, t in live)
        reader = con.sql(f"SELECT {select} FROM {src}", params=params).to_arrow_reader(BATCH_ROWS)
        base = 0
        batches = iter(reader)
        head = [b for b in (next(batches, None), next(batches, None)) if b is not None]
        if len(head) < 2:
            # One batch (a small sheet): hashed here; starting threads would cost more than it saves.
            for batch in head:
                for name, arr in zip(batch.schema.names, batch.columns, strict=True):
                    states[name].update(arr, base)
        else:
            # hashlib lets go of the GIL on large buffers, and so does DuckDB while it fills the
            # next batch: the next batch is read while the columns of this one hash in parallel.
            batches = itertools.chain(head, batches)
            with ThreadPoolExecutor(max_workers=max(2, min(5, (os.cpu_count() or 1) + 1))) as pool:
                pending = pool.submit(next, batches, None)
                while (batch := pending.result()) is not None:
                    pending = pool.submit(next, batches, None)
                    jobs = [
                        pool.submit(states[name].update, arr, base)
                        for name, arr in zip(batch.schema.names, batch.columns, strict=True)
                    ]
                    for job in jobs:
                        job.result()
                    base += batch.num_rows
    h = hashlib.sha256("\n".join(header).encode())
    for n, _ in live:
        h.update(f"\n{n}={states[n].hexdigest()}".encode())
    return Digest(rows, h.hexdigest())


# What each analysis action writes, by the stage that the table declarations name as writer:
# the custody entry of the action carries the digests of those tables (``case.log``).
ACTION_STAGES: dict[str, tuple[str, ...]] = {
    "analyze": ("detect.text", "detect.pi", "detect.campaigns", "detect.behaviour", "detect.claims"),
    "analyze.behaviour": ("detect.behaviour",),
    "analyze.campaigns": ("detect.campaigns",),
    "pi": ("detect.pi",),
    "link": ("link",),
    "charges": ("charges",),
    "exchange.match": ("exchange",),
}
ACTION_TABLES: dict[str, tuple[str, ...]] = {"targets": ("targets",)}


def tables_of(action: str) -> list[str]:
    """The tables an analysis action writes (none for other actions)."""
    from qinglian.store.tables import TABLES

    stages = ACTION_STAGES.get(action, ())
    named = [t.name for t in TABLES.values() if t.writer in stages]
    return sorted({*named, *ACTION_TABLES.get(action, ())})


def sheet_digest(
    con: duckdb.DuckDBPyConnection, kind: str, sheet_id: int, columns: list[tuple[str, str]] | None = None
) -> Digest:
    """The rows one ingested sheet wrote to ``<kind>_rows``; ``columns``: what ``sheet_columns``
    gave for ``kind`` on this connection, when the caller keeps it for many sheets."""
    table = rows_table(kind)
    return _digest(con, table, columns if columns is not None else sheet_columns(con, kind), "sheet_id = ?", [sheet_id])


def sheet_columns(con: duckdb.DuckDBPyConnection, kind: str) -> list[tuple[str, str]]:
    """The (name, type) columns a sheet digest of ``kind`` hashes."""
    return [(n, t) for n, t in _columns(con, rows_table(kind)) if n != "sheet_id"]


def table_summary(con: duckdb.DuckDBPyConnection, table: str) -> Digest:
    """Row count and digest of a whole table."""
    cols = _columns(con, table)
    if not cols:
        raise LookupError(table)
    return _digest(con, table, cols, "TRUE", [])


def table_digest(con: duckdb.DuckDBPyConnection, table: str) -> str:
    """The SHA-256 digest of a table's contents (see ``table_summary`` for the row count too)."""
    return table_summary(con, table).sha256
