"""PI inventory of a case: distinct data subjects per holder and evidence file, by category,
with the thresholds of the 2017 interpretation that each holder crosses.

The column part runs in DuckDB (one INSERT … SELECT per mapped column, parameters only);
free text is scanned in Python over Arrow batches. Hits are folded into temporary tables:
distinct subject keys per holder, file and category (``_pi_keys``), unattributed hits and a
few samples. A phone number that the holder's customer lists give with an ID number is
counted as that ID's person.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import duckdb
import pyarrow as pa

from qinglian import __version__
from qinglian.detect.pi import sql as S
from qinglian.detect.pi.model import FileCounts, HolderInventory, Inventory, TierMark
from qinglian.detect.pi.sources import COLUMN_SOURCES, SUBJECTS, TEXT_SOURCES, ColumnSource, TextSource
from qinglian.detect.pi.textscan import attribute, pi_in_texts
from qinglian.detect.pi.thresholds import PIThresholds, default_thresholds
from qinglian.detect.pi.validators import normalise_id, normalise_phone
from qinglian.errors import QinglianError
from qinglian.store import tables as tbl
from qinglian.store.case import Case
from qinglian.store.db import begin, columns_of, commit, rollback
from qinglian.store.schema import raw_value
from qinglian.store.sqlident import quote_ident as q

BATCH_ROWS = 50_000
SAMPLES_PER_CATEGORY = 3
_HITS_SCHEMA = pa.schema(
    [
        ("holder", pa.string()),
        ("evidence_sha256", pa.string()),
        ("row_no", pa.int64()),
        ("subject", pa.string()),
        ("category", pa.string()),
        ("sample", pa.string()),
        ("mask", pa.string()),
    ]
)

_STORE_SCHEMA = pa.schema(
    [
        ("holder", pa.string()),
        ("evidence_sha256", pa.string()),
        ("category", pa.string()),
        ("tier", pa.int32()),
        ("subjects", pa.int64()),
    ]
)


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> set[str]:
    return set(columns_of(con, table))


def _raw(field: str, cols: set[str]) -> str | None:
    """SQL for the field's text where it could not be normalised, where the table keeps it."""
    return raw_value(field) if "raw" in cols else None


def _holder_filter(holder: str | None) -> tuple[str, list[Any]]:
    if holder is None:
        return "TRUE", []
    return "holder = ?", [holder]


def _subject_sql(table: str, cols: set[str]) -> tuple[str, list[Any]]:
    """SQL for a row's subject key ('id:…' or 'tel:…'), ID first."""
    spec = SUBJECTS.get(table)
    parts: list[str] = []
    params: list[Any] = []
    if spec and spec.id_column and spec.id_column in cols:
        expr, p = S.id_key(q(spec.id_column))
        parts.append(expr)
        params += p
    if spec and spec.phone_column and spec.phone_column in cols:
        expr, p = S.phone_key(q(spec.phone_column), _raw(spec.phone_column, cols))
        parts.append(expr)
        params += p
    if not parts:
        return "CAST(NULL AS VARCHAR)", []
    return ("COALESCE(" + ", ".join(parts) + ")" if len(parts) > 1 else parts[0]), params


def _check_sql(src: ColumnSource, cols: set[str]) -> tuple[str, list[Any]]:
    col = q(src.column)
    if src.check == "phone":
        expr, p = S.phone_key(col, _raw(src.column, cols))
        return f"({expr}) IS NOT NULL", p
    if src.check == "id":
        expr, p = S.id_key(col)
        return f"({expr}) IS NOT NULL", p
    if src.check == "name":
        return S.plausible_name(col)
    return S.has_content(col, 4 if src.check == "address" else 2)


def _column_hits(con: duckdb.DuckDBPyConnection, holder: str | None) -> None:
    """One pass per table: the row's subject and every mapped column's check, computed once."""
    for table in dict.fromkeys(src.table for src in COLUMN_SOURCES):
        cols = _columns(con, table)
        sources = [src for src in COLUMN_SOURCES if src.table == table and src.column in cols]
        if not sources:
            continue
        subj, params = _subject_sql(table, cols)
        select = [f"{subj} AS subject"]
        for i, src in enumerate(sources):
            ok, ok_p = _check_sql(src, cols)
            raw = _raw(src.column, cols) if src.check == "phone" else None
            select.append(f"{ok} AS ok_{i}")
            select.append(f"CAST(COALESCE({raw or q(src.column)}, {q(src.column)}) AS VARCHAR) AS sample_{i}")
            params += ok_p
        linked = table == "customers" and {"id_number", "phone"} <= cols
        if linked:  # the ID and phone keys of each row, for the phone -> ID links
            idk, idp = S.id_key(q("id_number"))
            phk, php = S.phone_key(q("phone"), _raw("phone", cols))
            select += [f"{idk} AS link_idk", f"{phk} AS link_phk"]
            params += [*idp, *php]
        where, where_p = _holder_filter(holder)
        con.execute(
            "CREATE OR REPLACE TEMP TABLE _pi_base AS SELECT holder, evidence_sha256, row_no, "
            + ", ".join(select)
            + f" FROM {q(table)} WHERE {where}",
            [*params, *where_p],
        )
        for i, src in enumerate(sources):
            _fold(
                con,
                f"SELECT holder, evidence_sha256, row_no, subject, ? AS category, sample_{i} AS sample,"
                f" ? AS mask FROM _pi_base WHERE ok_{i}",
                [src.category, src.mask],
            )
        if linked:
            _link(con)
    con.execute("DROP TABLE IF EXISTS _pi_base")


def _fold(con: duckdb.DuckDBPyConnection, hits_sql: str, params: list[Any]) -> None:
    """Reduce hits (holder, evidence_sha256, row_no, subject, category, sample, mask) to distinct
    subject keys, counts of unattributed hits and a few samples per holder and category."""
    con.execute(
        "INSERT INTO _pi_keys SELECT DISTINCT holder, evidence_sha256, subject, category"
        f" FROM ({hits_sql}) WHERE subject IS NOT NULL",
        params,
    )
    con.execute(
        f"INSERT INTO _pi_unattr SELECT holder, category, count(*) FROM ({hits_sql})"
        " WHERE subject IS NULL GROUP BY holder, category",
        params,
    )
    con.execute(
        "INSERT INTO _pi_samples SELECT holder, category, x.u, x.e, x.r, x.s, x.m FROM ("
        " SELECT holder, category, unnest(min_by("
        "  struct_pack(u := subject IS NULL, e := evidence_sha256, r := row_no, s := sample, m := mask),"
        f"  struct_pack(u := subject IS NULL, e := evidence_sha256, r := row_no), ?)) AS x FROM ({hits_sql})"
        " WHERE sample IS NOT NULL GROUP BY holder, category)",
        [SAMPLES_PER_CATEGORY * 4, *params],
    )


def _link(con: duckdb.DuckDBPyConnection) -> None:
    """Phone numbers that a holder's customer lists give with an ID number: that ID's person."""
    con.execute(
        "INSERT INTO _pi_link SELECT holder, link_phk, min(link_idk) FROM _pi_base"
        " WHERE link_idk IS NOT NULL AND link_phk IS NOT NULL GROUP BY holder, link_phk"
    )


def _row_subject_py(table: str, id_value: str | None, phone_value: str | None) -> str | None:
    spec = SUBJECTS.get(table)
    if spec is None:
        return None
    idn = normalise_id(id_value) if spec.id_column else None
    if idn:
        return "id:" + idn
    phone = normalise_phone(phone_value) if spec.phone_column else None
    return "tel:" + phone if phone else None


def _distinct_texts(
    con: duckdb.DuckDBPyConnection, src: TextSource, holder: str | None
) -> list[str | None]:
    where, where_p = _holder_filter(holder)
    col = q(src.column)
    rows = con.execute(
        f"SELECT DISTINCT CAST({col} AS VARCHAR) FROM {q(src.table)} WHERE {col} IS NOT NULL AND {where}", where_p
    ).fetchall()
    return [r[0] for r in rows]


def _text_rows(
    con: duckdb.DuckDBPyConnection, src: TextSource, cols: set[str], holder: str | None, texts: list[str]
) -> Iterator[tuple[list[Any], ...]]:
    """Batches of the source's rows whose text is one of ``texts``, as columns: holder,
    evidence_sha256, row_no, text, id_value, phone_value, exclude_value."""
    spec = SUBJECTS.get(src.table)
    id_col = spec.id_column if spec and spec.id_column in cols else None
    phone_col = spec.phone_column if spec and spec.phone_column in cols else None
    excl = src.exclude_phone if src.exclude_phone in cols else None
    select = [
        "holder",
        "evidence_sha256",
        "row_no",
        f"CAST({q(src.column)} AS VARCHAR) AS text",
        f"CAST({q(id_col)} AS VARCHAR) AS id_value" if id_col else "NULL AS id_value",
        f"CAST({q(phone_col)} AS VARCHAR) AS phone_value" if phone_col else "NULL AS phone_value",
        f"CAST({q(excl)} AS VARCHAR) AS exclude_value" if excl else "NULL AS exclude_value",
    ]
    where, where_p = _holder_filter(holder)
    # A cursor of its own: the caller inserts hits on ``con`` while this result is read.
    cur = con.cursor()
    try:
        cur.register("_pi_texts", pa.table({"text": pa.array(texts, pa.string())}))
        reader: pa.RecordBatchReader = cur.sql(
            f"SELECT {', '.join(select)} FROM {q(src.table)} WHERE {q(src.column)} IS NOT NULL AND {where}"
            f" AND CAST({q(src.column)} AS VARCHAR) IN (SELECT text FROM _pi_texts)",
            params=where_p,
        ).to_arrow_reader(BATCH_ROWS)
        for batch in reader:
            yield tuple(column.to_pylist() for column in batch.columns)
    finally:
        cur.close()


def _text_hits(con: duckdb.DuckDBPyConnection, holder: str | None) -> None:
    # Scripts, templates, subjects and numbers repeat from row to row: each is worked out once,
    # and only the rows whose text holds PI are read back.
    anchors: dict[tuple[str, str | None, str | None], str | None] = {}
    excluded: dict[str | None, str | None] = {}
    for src in TEXT_SOURCES:
        cols = _columns(con, src.table)
        if src.column not in cols:
            continue
        texts = [t for t in _distinct_texts(con, src, holder) if t and t not in ("{}", "null")]
        found = pi_in_texts(texts, src.json_cells)
        if not found:
            continue
        out: dict[str, list[Any]] = {name: [] for name in _HITS_SCHEMA.names}
        for holders, shas, row_nos, row_texts, id_values, phone_values, exclude_values in _text_rows(
            con, src, cols, holder, list(found)
        ):
            for i, text in enumerate(row_texts):
                matches, line_text = found[text]
                key = (src.table, id_values[i], phone_values[i])
                if key in anchors:
                    anchor = anchors[key]
                else:
                    anchor = anchors[key] = _row_subject_py(*key)
                exclude: str | None = None
                if not src.json_cells:
                    value = exclude_values[i]
                    if value in excluded:
                        exclude = excluded[value]
                    else:
                        phone = normalise_phone(value)
                        exclude = excluded[value] = "tel:" + phone if phone else None
                hits = attribute(matches, line_text, anchor, exclude)
                if not hits:
                    continue
                n = len(hits)
                out["holder"] += [holders[i]] * n
                out["evidence_sha256"] += [shas[i]] * n
                out["row_no"] += [row_nos[i]] * n
                out["subject"] += [h.subject for h in hits]
                out["category"] += [h.category for h in hits]
                out["sample"] += [h.sample for h in hits]
                out["mask"] += [h.mask for h in hits]
                if len(out["holder"]) >= BATCH_ROWS:
                    _insert_hits(con, out)
                    out = {name: [] for name in _HITS_SCHEMA.names}
        _insert_hits(con, out)
    _fold(con, "SELECT * FROM _pi_hits", [])


def _insert_hits(con: duckdb.DuckDBPyConnection, columns: dict[str, list[Any]]) -> None:
    if not columns["holder"]:
        return
    table = pa.table(columns, schema=_HITS_SCHEMA)
    con.register("_pi_batch", table)
    try:
        con.execute("INSERT INTO _pi_hits SELECT * FROM _pi_batch")
    finally:
        con.unregister("_pi_batch")


def _prepare(con: duckdb.DuckDBPyConnection, th: PIThresholds) -> None:
    tbl.create(con, tbl.PI_INVENTORY)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _pi_hits (holder VARCHAR, evidence_sha256 VARCHAR, row_no BIGINT,"
        " subject VARCHAR, category VARCHAR, sample VARCHAR, mask VARCHAR)"
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _pi_keys (holder VARCHAR, evidence_sha256 VARCHAR, subject VARCHAR,"
        " category VARCHAR)"
    )
    con.execute("CREATE OR REPLACE TEMP TABLE _pi_unattr (holder VARCHAR, category VARCHAR, n BIGINT)")
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _pi_samples (holder VARCHAR, category VARCHAR, u BOOLEAN,"
        " e VARCHAR, r BIGINT, s VARCHAR, m VARCHAR)"
    )
    con.execute("CREATE OR REPLACE TEMP TABLE _pi_cat (category VARCHAR, tier INTEGER)")
    con.executemany("INSERT INTO _pi_cat VALUES (?, ?)", [[k, c.tier] for k, c in th.categories.items()])
    con.execute("CREATE OR REPLACE TEMP TABLE _pi_link (holder VARCHAR, phk VARCHAR, idk VARCHAR)")


def _subjects_view(con: duckdb.DuckDBPyConnection) -> None:
    """Distinct (holder, file, subject, category, tier), with linked phones counted as their ID."""
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _pi_subj AS SELECT DISTINCT h.holder, h.evidence_sha256,"
        " COALESCE(l.idk, h.subject) AS subject, h.category, c.tier"
        " FROM _pi_keys h"
        " LEFT JOIN _pi_link l ON h.holder = l.holder AND h.subject = l.phk"
        " JOIN _pi_cat c USING (category)"
    )


def _marks(th: PIThresholds, by_tier: dict[int, int]) -> list[TierMark]:
    mult = th.especially_serious_multiplier
    out = []
    for tier in sorted(x.threshold for x in th.tiers):
        n = by_tier.get(tier, 0)
        out.append(TierMark(tier, n, n >= tier, n >= tier * mult))
    return out


def _collect(con: duckdb.DuckDBPyConnection, th: PIThresholds) -> Inventory:
    holders: dict[str, HolderInventory] = {}

    def holder_of(name: str) -> HolderInventory:
        if name not in holders:
            holders[name] = HolderInventory(holder=name)
        return holders[name]

    by_tier: dict[str, dict[int, int]] = {}
    files: dict[tuple[str, str], FileCounts] = {}
    names = dict(con.execute("SELECT sha256, file_name FROM evidence").fetchall())
    # _pi_subj holds each subject once per holder, file and category: there a plain count is the
    # distinct count (and GROUPING(evidence_sha256, category, tier) would be 0b001).
    rows = con.execute(
        "SELECT holder, evidence_sha256, category, tier, count(DISTINCT subject),"
        " GROUPING(evidence_sha256, category, tier) FROM _pi_subj GROUP BY GROUPING SETS ("
        " (holder), (holder, category), (holder, tier), (holder, evidence_sha256))"
        " UNION ALL SELECT holder, evidence_sha256, category, NULL, count(*), 1 FROM _pi_subj"
        " GROUP BY holder, evidence_sha256, category"
        " ORDER BY holder, evidence_sha256 NULLS FIRST, category"
    ).fetchall()
    for name, sha, cat, tier, n, grouping in rows:
        hi = holder_of(name)
        if grouping == 0b111:
            hi.subjects = int(n)
        elif grouping == 0b101:
            hi.categories[cat] = int(n)
        elif grouping == 0b110:
            by_tier.setdefault(name, {})[int(tier)] = int(n)
        elif grouping in (0b011, 0b001):
            if (name, sha) not in files:
                files[(name, sha)] = FileCounts(evidence_sha256=sha, file_name=names.get(sha), subjects=0)
                hi.files.append(files[(name, sha)])
            if grouping == 0b011:
                files[(name, sha)].subjects = int(n)
            else:
                files[(name, sha)].categories[cat] = int(n)
    combined: dict[str, dict[int, int]] = {}
    for name, tier, n in con.execute(
        "SELECT holder, tier, count(*) FROM (SELECT holder, subject, min(tier) AS tier FROM _pi_subj"
        " GROUP BY holder, subject) GROUP BY holder, tier"
    ).fetchall():
        combined.setdefault(name, {})[int(tier)] = int(n)
    for name, cat, n in con.execute(
        "SELECT holder, category, sum(n) FROM _pi_unattr GROUP BY holder, category"
    ).fetchall():
        holder_of(name).unattributed[cat] = int(n)
    # Samples: the first rows of each holder and category, rows with a subject first.
    picked: dict[tuple[str, str], dict[str, str]] = {}
    for name, cat, sample, mask in con.execute(
        "SELECT holder, category, s, m FROM _pi_samples ORDER BY holder, category, u, e, r, s"
    ).fetchall():
        seen = picked.setdefault((name, cat), {})
        if len(seen) < SAMPLES_PER_CATEGORY:
            seen.setdefault(str(sample), str(mask))
    for (name, cat), seen in picked.items():
        holder_of(name).samples[cat] = [(m, v) for v, m in seen.items()]
    for name, hi in holders.items():
        hi.tiers = _marks(th, by_tier.get(name, {}))
        hi.combined = sum(n / tier for tier, n in combined.get(name, {}).items())
        hi.combined_crossed = hi.combined >= 1
        hi.combined_especially_serious = hi.combined >= th.especially_serious_multiplier
    return Inventory(holders=sorted(holders.values(), key=lambda h: (-h.subjects, h.holder)), thresholds=th)


def _store(con: duckdb.DuckDBPyConnection, inv: Inventory, holder: str | None) -> None:
    """Replace the stored inventory of the holders in scope (evidence_sha256 NULL = all files)."""
    if holder is None:
        con.execute("DELETE FROM pi_inventory")
    else:
        con.execute("DELETE FROM pi_inventory WHERE holder = ?", [holder])
    rows: list[list[Any]] = []
    for hi in inv.holders:
        for cat, n in sorted(hi.categories.items()):
            rows.append([hi.holder, None, cat, inv.thresholds.tier_of(cat), n])
        for fc in hi.files:
            for cat, n in sorted(fc.categories.items()):
                rows.append([hi.holder, fc.evidence_sha256, cat, inv.thresholds.tier_of(cat), n])
    if rows:
        # one INSERT from Arrow: a parameterised INSERT per row costs about a millisecond each
        tbl.create(con, tbl.PI_INVENTORY)
        names = ("holder", "evidence_sha256", "category", "tier", "subjects")
        con.register("_pi_rows", pa.table(list(zip(*rows, strict=True)), schema=_STORE_SCHEMA))
        try:
            con.execute(f"INSERT INTO pi_inventory ({', '.join(names)}) SELECT {', '.join(names)} FROM _pi_rows")
        finally:
            con.unregister("_pi_rows")


def _known_holder(con: duckdb.DuckDBPyConnection, holder: str) -> None:
    tables = [t for t in ("customers", "calls", "sms", "chats", "complaints", "accounts", "payments")
              if "holder" in _columns(con, t)]
    for table in tables:
        if con.execute(f"SELECT 1 FROM {q(table)} WHERE holder = ? LIMIT 1", [holder]).fetchone():
            return
    raise QinglianError(
        "案件中没有该被检查单位的数据",
        "the case holds no data for this holder",
        hint_zh="检查 --holder 的拼写；不加 --holder 可列出全部单位",
        hint_en="check the spelling of --holder; without --holder every holder is listed",
    )


def pi_inventory(case: Case, holder: str | None = None, *, thresholds: PIThresholds | None = None,
                 con: duckdb.DuckDBPyConnection | None = None) -> Inventory:
    """Inventory the PI of a case (or one holder), store it in ``pi_inventory`` and return it.

    With ``con`` (a write connection to the case) it runs there, inside the caller's transaction
    where one is open; without, on a connection of its own, in a transaction of its own."""
    th = thresholds or default_thresholds()
    if con is None:
        with case.connect() as own:
            return _inventory(own, holder, th)
    return _inventory(con, holder, th)


def _inventory(con: duckdb.DuckDBPyConnection, holder: str | None, th: PIThresholds) -> Inventory:
    if holder is not None:
        _known_holder(con, holder)
    _prepare(con, th)
    _column_hits(con, holder)
    _text_hits(con, holder)
    _subjects_view(con)
    inv = _collect(con, th)
    own = begin(con)
    try:
        _store(con, inv, holder)
        con.execute(
            "INSERT INTO analysis_runs VALUES ('pi', ?, now()::TIMESTAMP, ?)",
            [__version__, json.dumps({"holder": holder}, ensure_ascii=False)],
        )
        commit(con, own)
    except BaseException:
        rollback(con, own)
        raise
    return inv


def run_pi(case: Case, holder: str | None = None, *, reveal: bool = False, user: str | None = None,
           reason: str | None = None) -> Inventory:
    """The ``qinglian pi`` command: inventory, store, and write the run (and any reveal, with its
    reason, before anything is shown) to the log."""
    from qinglian.privacy import reveal_reason

    why = reveal_reason(reveal, reason)
    inv = pi_inventory(case, holder)
    details = {"holders": len(inv.holders), "subjects": sum(h.subjects for h in inv.holders)}
    case.log("pi", {"holder": holder, "reveal": reveal}, user=user, details=details)
    if reveal:
        case.log("pi.reveal", {"holder": holder, "what": "sample values", "reason": why}, user=user,
                 details=details)
    return inv
