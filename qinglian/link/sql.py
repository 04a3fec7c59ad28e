"""Small helpers shared by the link modules: table presence, output tables, inserts."""

from __future__ import annotations

from typing import Any

import duckdb

from qinglian.store.sqlident import quote_ident

OUTPUT_DDL: dict[str, str] = {
    "entities": "entity_id VARCHAR, type VARCHAR, name VARCHAR, holder VARCHAR, detail JSON",
    "links": "src VARCHAR, dst VARCHAR, relation VARCHAR, evidence_sha256 VARCHAR, sheet VARCHAR, "
    "row_no BIGINT, weight DOUBLE",
    "resolution": "cluster_id VARCHAR, record_name VARCHAR, canonical_name VARCHAR, match_weight DOUBLE, "
    "match_probability DOUBLE, source VARCHAR",
    "upstream": "entity_id VARCHAR, type VARCHAR, name VARCHAR, holders_served BIGINT, "
    "downstream_weight DOUBLE, rank BIGINT, reasons JSON",
    "list_overlaps": "list_a VARCHAR, list_b VARCHAR, size_a BIGINT, size_b BIGINT, shared BIGINT, "
    "containment_a_in_b DOUBLE, containment_b_in_a DOUBLE, jaccard DOUBLE, method VARCHAR",
    "leak_clusters": "cluster_id BIGINT, list_id VARCHAR, holder VARCHAR, file_name VARCHAR, "
    "fingerprint VARCHAR, fingerprint_detail JSON",
    "targets": "phase VARCHAR, rank BIGINT, holder VARCHAR, score DOUBLE, reasons JSON",
    # kept across `link` runs: filled by `exchange match` from other cases' exports
    "cross_case_overlaps": "source_sha256 VARCHAR, their_case VARCHAR, their_holder VARCHAR, their_file VARCHAR, "
    "their_list VARCHAR, holder VARCHAR, our_file VARCHAR, our_list VARCHAR, their_size BIGINT, our_size BIGINT, "
    "shared BIGINT, containment_theirs_in_ours DOUBLE, containment_ours_in_theirs DOUBLE, jaccard DOUBLE",
}


def reset_table(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """Drop and recreate one of the link outputs with its contract columns."""
    con.execute(f"DROP TABLE IF EXISTS {quote_ident(name)}")
    con.execute(f"CREATE TABLE {quote_ident(name)} ({OUTPUT_DDL[name]})")


def has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    row = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = ? AND table_schema = 'main'",
        [name],
    ).fetchone()
    return bool(row and row[0])


def row_count(con: duckdb.DuckDBPyConnection, name: str) -> int:
    if not has_table(con, name):
        return 0
    row = con.execute(f"SELECT count(*) FROM {quote_ident(name)}").fetchone()
    return int(row[0]) if row else 0


def fetch_dicts(
    con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None
) -> list[dict[str, Any]]:
    cur = con.execute(sql, params or [])
    names = [d[0] for d in cur.description or []]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
