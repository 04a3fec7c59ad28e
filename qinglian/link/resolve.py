"""Company and person name resolution with Splink on DuckDB.

The model is fixed, not trained: a handful of names per case gives EM nothing to learn
from, and fixed m/u probabilities make every decision reproducible. Each comparison
level below states how much it says about two names being the same party; Splink turns
that into the match weight kept in the ``resolution`` table.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from typing import Any

import duckdb
import pyarrow as pa

from qinglian.link.names import normalise

THRESHOLD = 0.7
PRIOR = 0.05


def _level(label: str, sql: str, m: float, u: float) -> dict[str, Any]:
    return {"sql_condition": sql, "label_for_charts": label, "m_probability": m, "u_probability": u}


def _null(sql: str) -> dict[str, Any]:
    return {"sql_condition": sql, "label_for_charts": "null", "is_null_level": True}


NAME_COMPARISON: dict[str, Any] = {
    "output_column_name": "name",
    "comparison_description": "normalised name (legal form, region and brackets removed)",
    "comparison_levels": [
        _null("core_l IS NULL OR core_r IS NULL"),
        _level("same core name", "core_l = core_r", 0.90, 0.0005),
        _level(
            "abbreviation (简称)",
            "core_l = brand_r OR core_r = brand_l "
            "OR (length(core_r) >= 3 AND starts_with(core_l, core_r)) "
            "OR (length(core_l) >= 3 AND starts_with(core_r, core_l))",
            0.05, 0.0006,
        ),
        _level("same brand, other trade", "brand_l = brand_r", 0.02, 0.002),
        _level("similar core (Jaro-Winkler ≥ 0.92)", "jaro_winkler_similarity(core_l, core_r) >= 0.92",
               0.02, 0.001),
        _level("different", "ELSE", 0.01, 0.9964),
    ],
}
REGION_COMPARISON: dict[str, Any] = {
    "output_column_name": "region",
    "comparison_description": "region named in the name (深圳市…, （深圳）)",
    "comparison_levels": [
        _null("region_l IS NULL OR region_r IS NULL"),
        _level("same region", "region_l = region_r", 0.85, 0.4),
        # 演示市东湖区X公司 and 演示市西岭区X公司 are two registered companies
        _level("different region", "ELSE", 0.005, 0.6),
    ],
}
SETTINGS: dict[str, Any] = {
    "link_type": "dedupe_only",
    "unique_id_column_name": "unique_id",
    "probability_two_random_records_match": PRIOR,
    "comparisons": [NAME_COMPARISON, REGION_COMPARISON],
    "blocking_rules_to_generate_predictions": [
        "l.brand = r.brand",
        "substr(l.core, 1, 2) = substr(r.core, 1, 2)",
        "l.core = r.brand OR r.core = l.brand",
    ],
    "retain_intermediate_calculation_columns": False,
}


@dataclass(frozen=True)
class Decision:
    cluster_id: str
    record_name: str
    canonical_name: str
    match_weight: float | None
    match_probability: float | None
    source: str


def resolve_names(
    names: dict[str, str], preferred: set[str] | None = None, threshold: float = THRESHOLD
) -> list[Decision]:
    """Cluster names (name -> where it came from); the canonical name of a cluster is a
    preferred name (a seized-from holder) when it has one, else its most complete spelling.
    ``match_weight`` is the best Splink weight linking the name into its cluster (None alone)."""
    preferred = preferred or set()
    items = sorted(n for n in names if n and n.strip())
    if not items:
        return []
    parts = [normalise(n) for n in items]
    best: dict[int, tuple[float, float]] = {}
    cluster_of: dict[int, int] = {i: i for i in range(len(items))}
    if len(items) > 1:
        pairs = _predict(parts)
        for left, right, weight, prob in pairs:
            for node in (left, right):
                if node not in best or weight > best[node][0]:
                    best[node] = (weight, prob)
        edges = _unambiguous([(a, b) for a, b, _w, p in pairs if p >= threshold], parts)
        cluster_of = _components(len(items), edges)
    members: dict[int, list[int]] = {}
    for idx, root in cluster_of.items():
        members.setdefault(root, []).append(idx)
    decisions: list[Decision] = []
    for group in members.values():
        canonical = _canonical([items[i] for i in group], preferred)
        cluster_id = "N" + format(min(group), "05d")
        for idx in group:
            pair = best.get(idx) if len(group) > 1 else None
            decisions.append(Decision(
                cluster_id, items[idx], canonical, pair[0] if pair else None, pair[1] if pair else None,
                names[items[idx]],
            ))
    decisions.sort(key=lambda d: (d.cluster_id, d.record_name))
    return decisions


def _canonical(group: list[str], preferred: set[str]) -> str:
    chosen = [n for n in group if n in preferred] or group
    counts = Counter(chosen)
    return max(chosen, key=lambda n: (counts[n], len(n), n))


def _predict(parts: list[Any]) -> list[tuple[int, int, float, float]]:
    from splink import DuckDBAPI, Linker

    table = pa.table({
        "unique_id": list(range(len(parts))),
        "core": [p.core for p in parts],
        "brand": [p.brand for p in parts],
        "region": [p.region for p in parts],
    })
    con = duckdb.connect()
    try:
        db_api = DuckDBAPI(connection=con)
        sdf = db_api.register(table)
        linker = Linker(sdf, SETTINGS, log_level=logging.WARNING)
        logging.getLogger("splink").setLevel(logging.WARNING)
        pred = linker.inference.predict(warning_mode="never")
        rows = pred.as_duckdbpyrelation().select(
            "unique_id_l, unique_id_r, match_weight, match_probability"
        ).fetchall()
    finally:
        con.close()
    return [(int(a), int(b), float(w), float(p)) for a, b, w, p in rows]


def _unambiguous(edges: list[tuple[int, int]], parts: list[Any]) -> list[tuple[int, int]]:
    """Drop the links of a less specific name that fits more than one party: '华信' must not
    join 华信科技 and 华信网络科技, nor 'X信息咨询有限公司' join X of 东湖区 and X of 西岭区."""
    fits: dict[int, set[tuple[str, str | None]]] = {}
    for a, b in edges:
        pa_, pb_ = parts[a], parts[b]
        if (pa_.core, pa_.region) == (pb_.core, pb_.region):
            continue
        if (pa_.region is None) != (pb_.region is None):
            vague, exact = (a, b) if pa_.region is None else (b, a)
        else:
            vague, exact = (a, b) if len(pa_.core) <= len(pb_.core) else (b, a)
        fits.setdefault(vague, set()).add((parts[exact].core, parts[exact].region))
    ambiguous = {
        node for node, keys in fits.items()
        if len({core for core, _ in keys}) > 1 or len({r for _, r in keys if r is not None}) > 1
    }
    return [(a, b) for a, b in edges if a not in ambiguous and b not in ambiguous]


def _components(n: int, edges: list[tuple[int, int]]) -> dict[int, int]:
    parent = list(range(n))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in edges:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return {i: find(i) for i in range(n)}
