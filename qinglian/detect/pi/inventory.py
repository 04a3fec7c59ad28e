"""PI inventory of a case: distinct data subjects per holder and evidence file, by category,
with the thresholds of the 2017 interpretation that each holder crosses.

The column part runs in DuckDB (one INSERT … SELECT per mapped column, parameters only);
free text is scanned in Python over Arrow batches. All hits go to a temporary table
``_pi_hits`` (holder, evidence file, row, subject, category, sample); a phone number that
a customer list links to an ID number is counted as that ID's person.
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
from qinglian.detect.pi.textscan import Hit, scan_json_cells, scan_text
from qinglian.detect.pi.thresholds import PIThresholds, default_thresholds
from qinglian.detect.pi.validators import normalise_id, normalise_phone
from qinglian.errors import QinglianError
from qinglian.store.case import Case
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
PI_INVENTORY_DDL = """CREATE TABLE IF NOT EXISTS pi_inventory (
    holder VARCHAR NOT NULL,
    evidence_sha256 VARCHAR,
    category VARCHAR NOT NULL,
    tier INTEGER NOT NULL,
    subjects BIGINT NOT NULL
)"""


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> set[str]:
    rows = con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = ? AND table_schema = 'main'",
        [table],
    ).fetchall()
    return {str(r[0]) for r in rows}


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
        raw = spec.phone_column + "_raw"
        expr, p = S.phone_key(q(spec.phone_column), q(raw) if raw in cols else None)
        parts.append(expr)
        params += p
    if not parts:
        return "CAST(NULL AS VARCHAR)", []
    return ("COALESCE(" + ", ".join(parts) + ")" if len(parts) > 1 else parts[0]), params


def _check_sql(src: ColumnSource, cols: set[str]) -> tuple[str, list[Any]]:
    col = q(src.column)
    if src.check == "phone":
        raw = src.column + "_raw"
        expr, p = S.phone_key(col, q(raw) if raw in cols else None)
        return f"({expr}) IS NOT NULL", p
    if src.check == "id":
        expr, p = S.id_key(col)
        return f"({expr}) IS NOT NULL", p
    if src.check == "name":
        return S.plausible_name(col)
    return S.has_content(col, 4 if src.check == "address" else 2)


def _column_hits(con: duckdb.DuckDBPyConnection, holder: str | None) -> None:
    for src in COLUMN_SOURCES:
        cols = _columns(con, src.table)
        if src.column not in cols:
            continue
        subj, subj_p = _subject_sql(src.table, cols)
        ok, ok_p = _check_sql(src, cols)
        where, where_p = _holder_filter(holder)
        sample_col = src.column + "_raw" if src.check == "phone" and src.column + "_raw" in cols else src.column
        con.execute(
            "INSERT INTO _pi_hits SELECT holder, evidence_sha256, row_no, subject, ?, sample, ? FROM ("
            f"SELECT holder, evidence_sha256, row_no, {subj} AS subject,"
            f" CAST(COALESCE({q(sample_col)}, {q(src.column)}) AS VARCHAR) AS sample, {ok} AS ok"
            f" FROM {q(src.table)} WHERE {where}) WHERE ok",
            [src.category, src.mask, *subj_p, *ok_p, *where_p],
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


def _text_rows(
    con: duckdb.DuckDBPyConnection, src: TextSource, cols: set[str], holder: str | None
) -> Iterator[dict[str, Any]]:
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
        reader: pa.RecordBatchReader = cur.sql(
            f"SELECT {', '.join(select)} FROM {q(src.table)} WHERE {q(src.column)} IS NOT NULL AND {where}",
            params=where_p,
        ).to_arrow_reader(BATCH_ROWS)
        for batch in reader:
            yield from batch.to_pylist()
    finally:
        cur.close()


def _text_hits(con: duckdb.DuckDBPyConnection, holder: str | None) -> None:
    cache: dict[str, list[Hit]] = {}
    for src in TEXT_SOURCES:
        cols = _columns(con, src.table)
        if src.column not in cols:
            continue
        out: dict[str, list[Any]] = {name: [] for name in _HITS_SCHEMA.names}
        for row in _text_rows(con, src, cols, holder):
            text = row["text"]
            if not text or text in ("{}", "null"):
                continue
            anchor = _row_subject_py(src.table, row["id_value"], row["phone_value"])
            excl_phone = normalise_phone(row["exclude_value"])
            exclude = "tel:" + excl_phone if excl_phone else None
            if src.json_cells:
                hits = scan_json_cells(text, anchor)
            elif anchor is None and exclude is None:
                if text not in cache:
                    if len(cache) > 100_000:
                        cache.clear()
                    cache[text] = scan_text(text)
                hits = cache[text]
            else:
                hits = scan_text(text, anchor, exclude)
            for h in hits:
                for name, value in zip(
                    _HITS_SCHEMA.names,
                    (row["holder"], row["evidence_sha256"], row["row_no"], h.subject, h.category, h.sample, h.mask),
                    strict=True,
                ):
                    out[name].append(value)
            if len(out["holder"]) >= BATCH_ROWS:
                _insert_hits(con, out)
                out = {name: [] for name in _HITS_SCHEMA.names}
        _insert_hits(con, out)


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
    con.execute(PI_INVENTORY_DDL)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _pi_hits (holder VARCHAR, evidence_sha256 VARCHAR, row_no BIGINT,"
        " subject VARCHAR, category VARCHAR, sample VARCHAR, mask VARCHAR)"
    )
    con.execute("CREATE OR REPLACE TEMP TABLE _pi_cat (category VARCHAR, tier INTEGER)")
    con.executemany("INSERT INTO _pi_cat VALUES (?, ?)", [[k, c.tier] for k, c in th.categories.items()])
    # Phone numbers that a customer list links to an ID number: the same person.
    cols = _columns(con, "customers")
    con.execute("CREATE OR REPLACE TEMP TABLE _pi_link (phk VARCHAR, idk VARCHAR)")
    if {"id_number", "phone"} <= cols:
        idk, idp = S.id_key(q("id_number"))
        phk, php = S.phone_key(q("phone"), q("phone_raw") if "phone_raw" in cols else None)
        con.execute(
            "INSERT INTO _pi_link SELECT phk, min(idk) FROM ("
            f"SELECT {idk} AS idk, {phk} AS phk FROM customers) WHERE idk IS NOT NULL AND phk IS NOT NULL"
            " GROUP BY phk",
            [*idp, *php],
        )


def _subjects_view(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _pi_subj AS SELECT h.holder, h.evidence_sha256, h.row_no,"
        " COALESCE(l.idk, h.subject) AS subject, h.category, c.tier, h.sample, h.mask"
        " FROM _pi_hits h LEFT JOIN _pi_link l ON h.subject = l.phk JOIN _pi_cat c USING (category)"
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

    for name, n in con.execute(
        "SELECT holder, count(DISTINCT subject) FROM _pi_subj GROUP BY holder ORDER BY holder"
    ).fetchall():
        holder_of(name).subjects = int(n)
    for name, cat, n, unattributed in con.execute(
        "SELECT holder, category, count(DISTINCT subject), count(*) FILTER (WHERE subject IS NULL)"
        " FROM _pi_subj GROUP BY holder, category"
    ).fetchall():
        hi = holder_of(name)
        hi.categories[cat] = int(n)
        if unattributed:
            hi.unattributed[cat] = int(unattributed)
    by_tier: dict[str, dict[int, int]] = {}
    for name, tier, n in con.execute(
        "SELECT holder, tier, count(DISTINCT subject) FROM _pi_subj GROUP BY holder, tier"
    ).fetchall():
        by_tier.setdefault(name, {})[int(tier)] = int(n)
    combined: dict[str, dict[int, int]] = {}
    for name, tier, n in con.execute(
        "SELECT holder, tier, count(*) FROM (SELECT holder, subject, min(tier) AS tier FROM _pi_subj"
        " WHERE subject IS NOT NULL GROUP BY holder, subject) GROUP BY holder, tier"
    ).fetchall():
        combined.setdefault(name, {})[int(tier)] = int(n)
    files: dict[tuple[str, str], FileCounts] = {}
    names = dict(con.execute("SELECT sha256, file_name FROM evidence").fetchall())
    for name, sha, n in con.execute(
        "SELECT holder, evidence_sha256, count(DISTINCT subject) FROM _pi_subj"
        " GROUP BY holder, evidence_sha256 ORDER BY holder, evidence_sha256"
    ).fetchall():
        fc = FileCounts(evidence_sha256=sha, file_name=names.get(sha), subjects=int(n))
        files[(name, sha)] = fc
        holder_of(name).files.append(fc)
    for name, sha, cat, n in con.execute(
        "SELECT holder, evidence_sha256, category, count(DISTINCT subject) FROM _pi_subj"
        " GROUP BY holder, evidence_sha256, category"
    ).fetchall():
        files[(name, sha)].categories[cat] = int(n)
    for name, cat, sample, mask in con.execute(
        "SELECT holder, category, sample, mask FROM (SELECT *, row_number() OVER ("
        " PARTITION BY holder, category ORDER BY unattributed, evidence_sha256, row_no, sample) AS rn"
        " FROM (SELECT holder, category, sample, any_value(mask) AS mask, min(evidence_sha256) AS evidence_sha256,"
        " min(row_no) AS row_no, bool_and(subject IS NULL) AS unattributed FROM _pi_subj"
        " WHERE sample IS NOT NULL GROUP BY holder, category, sample))"
        " WHERE rn <= ? ORDER BY holder, category, rn",
        [SAMPLES_PER_CATEGORY],
    ).fetchall():
        holder_of(name).samples.setdefault(cat, []).append((str(mask), str(sample)))
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
        con.executemany("INSERT INTO pi_inventory VALUES (?, ?, ?, ?, ?)", rows)


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


def pi_inventory(case: Case, holder: str | None = None, *, thresholds: PIThresholds | None = None) -> Inventory:
    """Inventory the PI of a case (or one holder), store it in ``pi_inventory`` and return it."""
    th = thresholds or default_thresholds()
    with case.connect() as con:
        if holder is not None:
            _known_holder(con, holder)
        _prepare(con, th)
        _column_hits(con, holder)
        _text_hits(con, holder)
        _subjects_view(con)
        inv = _collect(con, th)
        con.execute("BEGIN")
        try:
            _store(con, inv, holder)
            con.execute(
                "INSERT INTO analysis_runs VALUES ('pi', ?, now()::TIMESTAMP, ?)",
                [__version__, json.dumps({"holder": holder}, ensure_ascii=False)],
            )
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    return inv


def run_pi(case: Case, holder: str | None = None, *, reveal: bool = False, user: str | None = None) -> Inventory:
    """The ``qinglian pi`` command: inventory, store, and write the run (and any reveal) to the log."""
    inv = pi_inventory(case, holder)
    details = {"holders": len(inv.holders), "subjects": sum(h.subjects for h in inv.holders)}
    case.log("pi", {"holder": holder, "reveal": reveal}, user=user, details=details)
    if reveal:
        case.log("pi.reveal", {"holder": holder, "what": "sample values"}, user=user, details=details)
    return inv
