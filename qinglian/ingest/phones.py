"""归属地: province, city and carrier per 7-digit mobile prefix, from phonenumbers' offline tables.

Looked up once per distinct prefix (never per row) and stored in ``phone_prefixes``; queries
join on ``substr(number, 4, 7)`` (a prefix that is not there has no known region). The lookup
reads phonenumbers' own prefix tables (the data behind ``geocoder.description_for_number`` and
``carrier.name_for_number``) with the same longest-prefix rule, much faster than parsing a
number per prefix.
"""

from __future__ import annotations

import hashlib
import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import duckdb
import phonenumbers
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.ipc as ipc

from qinglian.store.db import one

# Province part of a phonenumbers description: '广东省深圳市', '广西百色市', '内蒙古自治区…'.
PROVINCE_PATTERN = "^(.+?(?:省|自治区|特别行政区)|广西|新疆|西藏|宁夏|内蒙古)"
_PROVINCE = re.compile(PROVINCE_PATTERN + "?(.*)$")
_MUNICIPALITIES = ("北京市", "天津市", "上海市", "重庆市")


def _data() -> tuple[dict[str, dict[str, str]], dict[str, dict[str, str]]]:
    """phonenumbers' geocoding and carrier prefix tables (imported on first use: ~2 s)."""
    from phonenumbers.carrierdata import CARRIER_DATA
    from phonenumbers.geodata import GEOCODE_DATA

    return GEOCODE_DATA, CARRIER_DATA


def _longest(table: dict[str, dict[str, str]], key: str) -> str | None:
    for n in range(len(key), 1, -1):
        entry = table.get(key[:n])
        if entry is not None:
            return entry.get("zh") or entry.get("en")
    return None


def split_region(description: str | None) -> tuple[str | None, str | None]:
    """'广东省深圳市' -> ('广东省', '深圳市'); '北京市' -> ('北京市', '北京市')."""
    if not description:
        return None, None
    if description in _MUNICIPALITIES:
        return description, description
    m = _PROVINCE.match(description)
    if m and m.group(1):
        return m.group(1), (m.group(2) or None)
    return description, None


def lookup_prefix(prefix7: str) -> tuple[str | None, str | None, str | None]:
    """(province, city, carrier) of a 7-digit mobile prefix such as '1381234'."""
    key = "86" + prefix7
    geodata, carrierdata = _data()
    province, city = split_region(_longest(geodata, key))
    return province, city, _longest(carrierdata, key)


@lru_cache(maxsize=1)
def _tables() -> tuple[pa.Table, pa.Table]:
    """phonenumbers' Chinese geocoding and carrier prefixes as Arrow tables (built once)."""
    geodata, carrierdata = _data()
    geo = [(k, v.get("zh") or v.get("en")) for k, v in geodata.items() if k.startswith("861")]
    car = [(k, v.get("zh") or v.get("en")) for k, v in carrierdata.items() if k.startswith("861")]

    def table(rows: list[tuple[str, str | None]]) -> pa.Table:
        return pa.table({"k": pa.array([r[0] for r in rows]), "v": pa.array([r[1] for r in rows])})

    return table(geo), table(car)


# Longest-prefix match of the 7-digit prefixes in ``new`` (column p) against phonenumbers'
# tables; parameters: PROVINCE_PATTERN three times.
_RESOLVE = (
    "cand AS (SELECT p, '86' || substr(p, 1, n) AS k, n FROM new, range(2, 8) r(n)), "
    "geo AS (SELECT p, arg_max(v, n) AS d FROM cand JOIN __ql_geo USING (k) GROUP BY p), "
    "car AS (SELECT p, arg_max(v, n) AS carrier FROM cand JOIN __ql_car USING (k) GROUP BY p), "
    "looked AS (SELECT p, d, carrier FROM new LEFT JOIN geo USING (p) LEFT JOIN car USING (p)) "
    "SELECT p AS prefix, "
    "  CASE WHEN d IN ('北京市', '天津市', '上海市', '重庆市') THEN d "
    "       ELSE coalesce(nullif(regexp_extract(d, ?, 1), ''), d) END AS province, "
    "  CASE WHEN d IN ('北京市', '天津市', '上海市', '重庆市') THEN d "
    "       WHEN regexp_matches(d, ?) THEN nullif(regexp_replace(d, ?, ''), '') END AS city, "
    "  carrier FROM looked"
)
_CACHE_COLUMNS = ["prefix", "province", "city", "carrier"]


def _resolve(con: duckdb.DuckDBPyConnection, new_sql: str, params: list[Any]) -> str:
    """Register phonenumbers' tables on ``con``; the SQL that resolves the prefixes of ``new_sql``."""
    geo, car = _tables()
    con.register("__ql_geo", geo)
    con.register("__ql_car", car)
    params += [PROVINCE_PATTERN] * 3
    return f"WITH new AS ({new_sql}), {_RESOLVE}"


def _cache_file() -> Path:
    base = os.environ.get("QINGLIAN_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(Path.home(), ".cache"), "qinglian"
    )
    key = hashlib.sha256((_RESOLVE + PROVINCE_PATTERN).encode()).hexdigest()[:12]
    return Path(base) / f"cn-mobile-prefixes-{phonenumbers.__version__}-{key}.arrow"


@lru_cache(maxsize=1)
def resolved_prefixes() -> pa.Table | None:
    """Province, city and carrier of every prefix 1000000-1999999 that phonenumbers knows.

    Resolving all of them takes seconds (mostly loading phonenumbers' tables), so it is done
    once per phonenumbers version and kept in the user's cache folder; None when that folder
    cannot be written (callers then resolve just the prefixes they need)."""
    path = _cache_file()
    try:
        with pa.memory_map(str(path)) as source:
            table = ipc.open_file(source).read_all()
        if table.column_names == _CACHE_COLUMNS:
            return table
    except (OSError, pa.ArrowException):
        pass
    with duckdb.connect() as mem:
        params: list[Any] = []
        sql = _resolve(mem, "SELECT CAST(i AS VARCHAR) AS p FROM range(1000000, 2000000) t(i)", params)
        table = mem.sql(
            f"SELECT * FROM ({sql}) WHERE province IS NOT NULL OR city IS NOT NULL OR carrier IS NOT NULL "
            "ORDER BY prefix",
            params=params,
        ).to_arrow_table()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        # Arrow IPC, memory-mapped when read (a parquet file is decoded again on every read);
        # the repeated region names dictionary-encoded.
        table = table.set_column(1, "province", pc.dictionary_encode(table.column("province")))
        table = table.set_column(2, "city", pc.dictionary_encode(table.column("city")))
        table = table.set_column(3, "carrier", pc.dictionary_encode(table.column("carrier")))
        with ipc.new_file(str(tmp), table.schema) as writer:
            writer.write_table(table)
        os.replace(tmp, path)
    except OSError:
        return None
    return table


def register_prefixes(
    con: duckdb.DuckDBPyConnection, table: str, columns: list[str], sheet_id: int, *, loaded: bool = False
) -> int:
    """Make sure ``phone_prefixes`` covers the mobile numbers of one ingested sheet (the rows of
    ``table``, a ``<kind>_rows`` table, with that ``sheet_id``); the number of prefixes added.

    With the resolved cache (the usual case) the case gets every 7-digit prefix phonenumbers
    knows, once (cheaper than finding and resolving a large file's distinct prefixes:
    docs/decisions.md), and a prefix that is not there has no known region. Only
    numbers too short for a 7-digit prefix (never written by ingest, but a table may hold them)
    are then looked up one by one. Without the cache, each sheet's distinct prefixes are
    resolved with the vectorised longest-prefix match (the rule ``lookup_prefix`` applies).
    ``loaded``: the caller knows the case (or its open transaction) already has the resolved
    cache, from an earlier call on the same connection."""
    from qinglian.store.sqlident import quote_ident

    if not columns:
        return 0
    cached = resolved_prefixes()
    added = 0 if cached is None or loaded else _load_resolved(con, cached)
    # With the cache, only prefixes shorter than 7 digits can be missing, and they are compared
    # with the table's few short prefixes: NOT IN over all of them built a hash table of every
    # prefix for every sheet, a large share of a small case's ingest.
    known = "SELECT prefix FROM phone_prefixes" + ("" if cached is None else " WHERE length(prefix) < 7")
    parts = []
    for c in map(quote_ident, columns):
        short = "" if cached is None else f" AND length({c}) < 10"
        parts.append(
            f"SELECT substr({c}, 4, 7) AS p FROM {quote_ident(table)} WHERE sheet_id = ? AND {c} LIKE '+861%'{short}"
        )
    candidates = " UNION ALL ".join(parts)
    new = f"SELECT DISTINCT p FROM ({candidates}) WHERE p NOT IN ({known})"
    # With the cache almost no sheet has a short number: a look at the sheet's own rows tells,
    # before the prefixes are read or a temporary table is made.
    if cached is not None and one(con, f"SELECT EXISTS ({candidates})", [sheet_id] * len(columns)) != (True,):
        return added
    con.execute("CREATE OR REPLACE TEMP TABLE __ql_new AS " + new, [sheet_id] * len(columns))
    try:
        if one(con, "SELECT count(*) FROM __ql_new") != (0,):
            params: list[Any] = []
            sql = _resolve(con, "SELECT p FROM __ql_new", params)
            try:
                row = one(con, f"INSERT INTO phone_prefixes {sql}", params)
            finally:
                con.unregister("__ql_geo")
                con.unregister("__ql_car")
            added += int(row[0]) if row else 0
    finally:
        con.execute("DROP TABLE IF EXISTS __ql_new")
    return added


def _load_resolved(con: duckdb.DuckDBPyConnection, cached: pa.Table) -> int:
    """Add the resolved prefixes the case does not have yet, once per cache (phonenumbers
    version and resolving rule), as recorded in ``phone_prefix_sources``."""
    source = _cache_file().stem
    if one(con, "SELECT count(*) FROM phone_prefix_sources WHERE source = ?", [source]) != (0,):
        return 0
    con.register("__ql_pfx", cached)
    try:
        row = one(
            con,
            "INSERT INTO phone_prefixes SELECT c.prefix, c.province, c.city, c.carrier FROM __ql_pfx c "
            "ANTI JOIN phone_prefixes p ON p.prefix = c.prefix",
        )
    finally:
        con.unregister("__ql_pfx")
    con.execute("INSERT INTO phone_prefix_sources VALUES (?, ?)", [source, cached.num_rows])
    return int(row[0]) if row else 0
