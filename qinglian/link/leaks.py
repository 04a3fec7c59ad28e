"""Leak sources: which customer lists share consumers, and what each list's fields look like.

Overlaps are exact (a DuckDB self-join on the consumers) up to ``exact_limit`` list
memberships. Above it each list is reduced to a bottom-k MinHash sketch (its k smallest
64-bit consumer hashes); lists are candidates when their sketches share a hash (the LSH
step: only lists with a common sketch value are ever compared), and the number of
consumers they share is estimated from the sketch values under both lists' k-th hash,
where both sketches hold every member: shared ≈ matches × 2^64 / τ.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import duckdb
import pyarrow as pa

from qinglian.link.sql import reset_table

EXACT_LIMIT = 2_000_000
SKETCH_K = 2048
MIN_SHARED = 3  # consumers (exact) or sketch matches (MinHash) before a pair is reported
CLUSTER_CONTAINMENT = 0.05  # lists join a cluster when one holds this share of the other

REGISTRY_HEADERS: tuple[str, ...] = (
    "法定代表人", "法人代表", "注册资本", "实缴资本", "企业名称", "成立日期", "经营范围",
    "统一社会信用代码", "企业状态", "登记状态", "企业类型", "注册号", "登记机关",
)
REGISTRY_SOURCES = "企查查|天眼查|爱企查|启信宝|工商|企业信息|企业名录|黄页"
LOAN_HEADERS: tuple[str, ...] = (
    "贷款", "借款", "额度", "负债", "征信", "公积金", "社保", "房产", "车产", "保单", "逾期",
)


@dataclass(frozen=True)
class LeakSummary:
    lists: int
    memberships: int
    method: str
    pairs: int
    clusters: int


def compute(
    con: duckdb.DuckDBPyConnection,
    *,
    exact_limit: int = EXACT_LIMIT,
    threshold: float = CLUSTER_CONTAINMENT,
    sketch_k: int = SKETCH_K,
) -> LeakSummary:
    row = con.execute("SELECT count(*) FROM customers WHERE phone IS NOT NULL").fetchone()
    memberships = int(row[0]) if row else 0
    method = "exact" if memberships <= exact_limit else "minhash_bottom_k"
    sketch = (
        ", approx_count_distinct(phone) AS approx_size, min(hash(phone), ?) AS mins"
        if method != "exact" else ""
    )
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE lists AS
        SELECT (row_number() OVER (ORDER BY evidence_sha256, sheet) - 1)::INTEGER AS idx,
               evidence_sha256 || ':' || coalesce(sheet, '') AS list_id,
               evidence_sha256, sheet, any_value(holder) AS holder, count(*) AS rows,
               min(row_no) AS first_row,
               count(name) / count(*) AS fill_name, count(phone) / count(*) AS fill_phone,
               count(id_number) / count(*) AS fill_id_number, count(address) / count(*) AS fill_address,
               count(employer) / count(*) AS fill_employer,
               count(credit_info) / count(*) AS fill_credit_info, count(source) / count(*) AS fill_source
               {sketch}
        FROM customers GROUP BY evidence_sha256, sheet""",
        [sketch_k] if sketch else [],
    )
    if method == "exact":
        con.execute(
            """CREATE OR REPLACE TEMP TABLE list_members AS
            SELECT DISTINCT l.idx, hash(c.phone) AS h
            FROM customers c JOIN lists l
              ON l.evidence_sha256 = c.evidence_sha256 AND l.sheet IS NOT DISTINCT FROM c.sheet
            WHERE c.phone IS NOT NULL"""
        )
        con.execute(
            """CREATE OR REPLACE TEMP TABLE list_sizes AS
            SELECT l.idx, l.list_id, coalesce(m.n, 0) AS size
            FROM lists l LEFT JOIN (SELECT idx, count(*) AS n FROM list_members GROUP BY idx) m USING (idx)"""
        )
        con.execute(
            """CREATE OR REPLACE TEMP TABLE pair_counts AS
            SELECT a.idx AS ia, b.idx AS ib, count(*)::DOUBLE AS shared
            FROM list_members a JOIN list_members b ON a.h = b.h AND a.idx < b.idx
            GROUP BY a.idx, b.idx HAVING count(*) >= ?""",
            [MIN_SHARED],
        )
    else:
        _sketch_pairs(con, sketch_k)
    reset_table(con, "list_overlaps")
    con.execute(
        """INSERT INTO list_overlaps
        SELECT sa.list_id, sb.list_id, sa.size, sb.size, s.shared,
               s.shared / nullif(sa.size, 0), s.shared / nullif(sb.size, 0),
               s.shared / nullif(sa.size + sb.size - s.shared, 0), ?
        FROM (SELECT ia, ib, round(shared)::BIGINT AS shared FROM pair_counts) s
        JOIN list_sizes sa ON sa.idx = s.ia JOIN list_sizes sb ON sb.idx = s.ib
        ORDER BY sa.list_id, sb.list_id""",
        [method],
    )
    clusters = _clusters(con, threshold)
    row = con.execute("SELECT count(*) FROM list_overlaps").fetchone()
    lists_row = con.execute("SELECT count(*) FROM lists").fetchone()
    return LeakSummary(
        lists=int(lists_row[0]) if lists_row else 0, memberships=memberships, method=method,
        pairs=int(row[0]) if row else 0, clusters=clusters,
    )


def _sketch_pairs(con: duckdb.DuckDBPyConnection, k: int) -> None:
    """Bottom-k sketches (the k smallest consumer hashes of each list, taken in the same scan
    that counts the list) and the pairs of lists whose sketches share a value."""
    con.execute(
        """CREATE OR REPLACE TEMP TABLE sketches AS
        SELECT DISTINCT idx, unnest(mins) AS h FROM lists WHERE mins IS NOT NULL"""
    )
    con.execute(
        """CREATE OR REPLACE TEMP TABLE list_sizes AS
        SELECT l.idx, l.list_id, greatest(coalesce(s.n, 0), least(l.approx_size, l.rows)) AS size,
               CASE WHEN coalesce(s.n, 0) < ? THEN 18446744073709551615::UBIGINT ELSE s.tau END AS tau
        FROM lists l LEFT JOIN (SELECT idx, count(*) AS n, max(h) AS tau FROM sketches GROUP BY idx) s USING (idx)""",
        [k],
    )
    con.execute(
        """CREATE OR REPLACE TEMP TABLE pair_counts AS
        SELECT ia, ib,
               least(count(*) * (18446744073709551616.0 / (tau::DOUBLE + 1.0)), min_size) AS shared
        FROM (SELECT a.idx AS ia, b.idx AS ib, least(za.tau, zb.tau) AS tau,
                     least(za.size, zb.size)::DOUBLE AS min_size
              FROM sketches a JOIN sketches b ON a.h = b.h AND a.idx < b.idx
              JOIN list_sizes za ON za.idx = a.idx JOIN list_sizes zb ON zb.idx = b.idx
              WHERE a.h <= least(za.tau, zb.tau))
        GROUP BY ia, ib, tau, min_size HAVING count(*) >= ?""",
        [MIN_SHARED],
    )


def _clusters(con: duckdb.DuckDBPyConnection, threshold: float) -> int:
    """Connected components of lists whose containment (either way) reaches the threshold."""
    ids = [str(r[0]) for r in con.execute("SELECT list_id FROM lists ORDER BY list_id").fetchall()]
    parent = {i: i for i in ids}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    edges = con.execute(
        """SELECT list_a, list_b FROM list_overlaps
        WHERE greatest(containment_a_in_b, containment_b_in_a) >= ?""",
        [threshold],
    ).fetchall()
    for a, b in edges:
        ra, rb = find(str(a)), find(str(b))
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    roots = sorted({find(i) for i in ids})
    number = {root: n + 1 for n, root in enumerate(roots)}
    cluster_rows = [(number[find(i)], i) for i in ids]
    table = pa.table(
        {"cluster_id": [c for c, _ in cluster_rows], "list_id": [i for _, i in cluster_rows]},
        schema=pa.schema([("cluster_id", pa.int64()), ("list_id", pa.string())]),
    )
    con.register("list_cluster_arrow", table)
    con.execute("CREATE OR REPLACE TEMP TABLE list_cluster AS SELECT * FROM list_cluster_arrow")
    con.unregister("list_cluster_arrow")
    reset_table(con, "leak_clusters")
    _fingerprints(con)
    return len(roots)


def _fingerprints(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        """CREATE OR REPLACE TEMP TABLE list_keys AS
        WITH head AS (
            SELECT l.list_id, c.extra, c.source
            FROM customers c JOIN lists l
              ON l.evidence_sha256 = c.evidence_sha256 AND l.sheet IS NOT DISTINCT FROM c.sheet
            WHERE c.row_no <= (SELECT max(first_row) FROM lists) + 200 AND c.row_no <= l.first_row + 200)
        SELECT list_id,
               list(DISTINCT k) FILTER (WHERE k IS NOT NULL) AS extra_keys,
               list(DISTINCT source) FILTER (WHERE source IS NOT NULL)[1:3] AS sources
        FROM (SELECT list_id, unnest(coalesce(json_keys(extra), []::VARCHAR[])) AS k, source FROM head
              UNION ALL SELECT list_id, NULL, source FROM head)
        GROUP BY list_id"""
    )
    rows = con.execute(
        """SELECT c.cluster_id, c.list_id, l.holder, e.file_name, e.sheets::VARCHAR,
                  l.fill_name, l.fill_phone, l.fill_id_number, l.fill_address, l.fill_employer,
                  l.fill_credit_info, l.fill_source, k.extra_keys, k.sources
        FROM list_cluster c JOIN lists l USING (list_id)
        LEFT JOIN evidence e ON e.sha256 = l.evidence_sha256
        LEFT JOIN list_keys k USING (list_id)
        ORDER BY c.cluster_id, c.list_id"""
    ).fetchall()
    out: dict[str, list[Any]] = {name: [] for name in ("cluster_id", "list_id", "holder", "file_name",
                                                      "fingerprint", "fingerprint_detail")}
    for cid, list_id, holder, file_name, sheets, *fill, extra_keys, sources in rows:
        fill_rates = dict(
            zip(("name", "phone", "id_number", "address", "employer", "credit_info", "source"),
                [round(float(v or 0), 3) for v in fill], strict=True)
        )
        fingerprint, detail = fingerprint_list(fill_rates, list(extra_keys or []), list(sources or []),
                                               str(sheets or ""))
        for name, value in zip(out, (cid, list_id, holder, file_name, fingerprint, _json(detail)), strict=True):
            out[name].append(value)
    table = pa.table(out, schema=pa.schema([
        ("cluster_id", pa.int64()), ("list_id", pa.string()), ("holder", pa.string()),
        ("file_name", pa.string()), ("fingerprint", pa.string()), ("fingerprint_detail", pa.string()),
    ]))
    con.register("leak_clusters_arrow", table)
    con.execute("INSERT INTO leak_clusters SELECT cluster_id, list_id, holder, file_name, fingerprint, "
                "fingerprint_detail::JSON FROM leak_clusters_arrow")
    con.unregister("leak_clusters_arrow")


def fingerprint_list(
    fill: dict[str, float], extra_keys: list[str], sources: list[str], header_text: str = ""
) -> tuple[str, dict[str, Any]]:
    """Name the kind of list from its fields: an enterprise-registry scrape (legal representatives
    with registered phones), loan applicants, identity records, or a plain contact list."""
    import re

    headers = " ".join(extra_keys) + " " + header_text
    registry = [h for h in REGISTRY_HEADERS if h in headers]
    registry_source = [s for s in sources if re.search(REGISTRY_SOURCES, s)]
    loan = [h for h in LOAN_HEADERS if h in headers]
    detail: dict[str, Any] = {"fill": fill, "extra_keys": sorted(extra_keys)[:30], "sources": sources}
    if len(registry) >= 2 or registry_source or (registry and fill.get("employer", 0) >= 0.8):
        kind = "enterprise_registry"
        detail["why_en"] = "legal representatives with registered phones (enterprise-information site)"
        detail["why_zh"] = "法定代表人及登记电话，疑似爬取自企业信息查询网站"
        detail["matched"] = registry + registry_source
    elif fill.get("credit_info", 0) >= 0.3 or loan:
        kind = "loan_applicants"
        detail["why_en"] = "debts and credit records of loan applicants"
        detail["why_zh"] = "含负债、征信等贷款申请信息"
        detail["matched"] = loan or ["credit_info"]
    elif fill.get("id_number", 0) >= 0.5:
        kind = "identity_records"
        detail["why_en"] = "resident ID numbers with phones"
        detail["why_zh"] = "含身份证号与手机号"
        detail["matched"] = ["id_number"]
    else:
        kind = "contact_list"
        detail["why_en"] = "names and phones only"
        detail["why_zh"] = "仅有姓名与电话"
        detail["matched"] = []
    return kind, detail


def _json(value: Any) -> str:
    import json

    return json.dumps(value, ensure_ascii=False, default=str)
