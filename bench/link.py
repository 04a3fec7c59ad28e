"""Benchmark: `link` and `targets` on 1,000 customer lists totalling 10,000,000 rows.

Lists are drawn partly from known leak sources (planted overlaps) and partly from random
numbers. The rows go straight into a fresh case's customers table through Arrow (this
measures link/targets, not ingest). `link` and `targets` then run in a child process, so
the seconds and peak RSS printed are theirs alone. Overlap pairs found are compared with
the generator's truth: pairs of lists sharing at least --min-shared consumers through a
common source. Target (2-core machine): <= 60 s and peak RSS <= 4 GB.

    .venv/bin/python bench/link.py [--lists 1000] [--rows 10000000] [--sources 40] [--seed 7]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from qinglian.store.case import init_case

CHILD = """
import sys, time, resource
from qinglian.link.run import link_case, targets_case
from qinglian.pipeline import analyze
from qinglian.store.case import open_case
case = open_case(sys.argv[1])
analyze(case)  # targets reads the detect stages' tables; not part of the figure
t0 = time.perf_counter()
r = link_case(case, key=b"bench-key", sketch_k=int(sys.argv[2]))
t1 = time.perf_counter()
targets_case(case)
t2 = time.perf_counter()
print(f"{t1 - t0:.2f} {t2 - t1:.2f} {r.leaks.method} {r.leaks.pairs}")
"""


def generate(lists: int, rows: int, sources: int, seed: int) -> tuple[pa.Table, dict[tuple[int, int], int]]:
    """Customer rows and the true shared-consumer count of every pair of lists with a common source."""
    rng = np.random.default_rng(seed)
    sizes = rng.lognormal(mean=0.0, sigma=0.6, size=lists)
    sizes = np.maximum(200, (sizes / sizes.sum() * rows).astype(np.int64))
    sizes[-1] += rows - sizes.sum()
    source_sizes = rng.integers(20_000, 200_000, size=sources)
    source_base = np.cumsum(np.concatenate([[0], source_sizes[:-1]])) + 13_000_000_000
    drawn: list[list[tuple[int, np.ndarray]]] = []
    phones: list[np.ndarray] = []
    for size in sizes:
        picks: list[tuple[int, np.ndarray]] = []
        roll = rng.random()
        n_src = 0 if roll < 0.3 else (1 if roll < 0.85 else 2)
        left = int(size)
        parts = []
        for s in rng.choice(sources, size=n_src, replace=False):
            take = min(int(left * rng.uniform(0.3, 0.9) / max(n_src, 1)), int(source_sizes[s]))
            members = source_base[s] + rng.choice(int(source_sizes[s]), size=take, replace=False)
            picks.append((int(s), np.sort(members)))
            parts.append(members)
            left -= take
        parts.append(rng.integers(15_000_000_000, 19_999_999_999, size=left))
        drawn.append(picks)
        phones.append(np.concatenate(parts))
    truth: dict[tuple[int, int], int] = {}
    by_source: dict[int, list[tuple[int, np.ndarray]]] = {}
    for idx, picks in enumerate(drawn):
        for s, members in picks:
            by_source.setdefault(s, []).append((idx, members))
    for members_of in by_source.values():
        for i, (a, ma) in enumerate(members_of):
            for b, mb in members_of[i + 1:]:
                shared = int(np.intersect1d(ma, mb, assume_unique=True).size)
                key = (min(a, b), max(a, b))
                truth[key] = truth.get(key, 0) + shared
    list_idx = np.repeat(np.arange(lists), sizes)
    row_no = np.concatenate([np.arange(2, n + 2) for n in sizes])
    all_phones = np.concatenate(phones)
    table = pa.table({
        "list_idx": pa.array(list_idx, pa.int32()),
        "row_no": pa.array(row_no, pa.int64()),
        "phone": pa.array(all_phones, pa.int64()),
    })
    return table, truth


def load(case_root: Path, table: pa.Table, lists: int) -> None:
    case = init_case(case_root, "bench", "bench")
    with case.connect() as con:
        meta = pa.table({
            "list_idx": pa.array(np.arange(lists), pa.int32()),
            "sha": [f"{i:064x}" for i in range(lists)],
            "holder": [f"中介{i % 200:03d}信息咨询有限公司" for i in range(lists)],
        })
        con.register("bench_meta", meta)
        con.register("bench_rows", table)
        con.execute(
            """INSERT INTO evidence (sha256, file_name, stored_path, size_bytes, holder, kind, sheets, ingested_at)
            SELECT sha, 'list_' || list_idx || '.csv', 'evidence/' || sha, 0, holder, 'customers', '[]', now()
            FROM bench_meta"""
        )
        con.execute(
            """INSERT INTO record_sheets (sheet_id, kind, holder, evidence_sha256)
            SELECT list_idx + 1, 'customers', holder, sha FROM bench_meta"""
        )
        con.execute(
            """INSERT INTO customers_rows (sheet_id, row_no, name, phone)
            SELECT r.list_idx + 1, r.row_no, '客户', '+86' || r.phone::VARCHAR FROM bench_rows r"""
        )
        con.unregister("bench_rows")
        con.unregister("bench_meta")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--lists", type=int, default=1000)
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--sources", type=int, default=40)
    ap.add_argument("--min-shared", type=int, default=20)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--sketch-k", type=int, default=2048, help="bottom-k sketch size")
    ap.add_argument("--dir", type=Path, default=None, help="keep the bench case here")
    args = ap.parse_args(argv)

    t0 = time.perf_counter()
    table, truth = generate(args.lists, args.rows, args.sources, args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        root = args.dir or Path(tmp) / "case"
        load(root, table, args.lists)
        del table
        print(f"generated and loaded {args.rows:,} rows in {args.lists} lists: {time.perf_counter() - t0:.1f} s")
        start = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-c", CHILD, str(root), str(args.sketch_k)],
            capture_output=True, text=True, env={**os.environ, "QINGLIAN_LANG": "en"},
        )
        wall = time.perf_counter() - start
        if proc.returncode != 0:
            print(proc.stdout, proc.stderr, file=sys.stderr)
            return 1
        link_s, targets_s, method, pairs = proc.stdout.strip().splitlines()[-1].split()
        rss_gb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024 / 1024
        with duckdb.connect(str(root / "case.duckdb"), read_only=True) as con:
            found_rows = con.execute(
                "SELECT list_a, list_b FROM list_overlaps WHERE shared >= ?", [args.min_shared]
            ).fetchall()
            clusters = con.execute("SELECT count(DISTINCT cluster_id) FROM leak_clusters").fetchone()
    found = {tuple(sorted((int(a.split(":")[0], 16), int(b.split(":")[0], 16)))) for a, b in found_rows}
    true_pairs = {k for k, v in truth.items() if v >= args.min_shared}
    hit = len(found & true_pairs)
    precision = hit / len(found) if found else 0.0
    recall = hit / len(true_pairs) if true_pairs else 0.0
    print(f"link: {float(link_s):.1f} s  targets: {float(targets_s):.1f} s  child wall (analyze+link+targets): {wall:.1f} s")
    print(f"peak RSS of the child (analyze+link+targets): {rss_gb:.2f} GB")
    print(f"overlap method: {method}; pairs reported: {pairs}; clusters: {clusters[0] if clusters else 0}")
    print(f"overlap pairs with >= {args.min_shared} shared consumers: found {len(found)}, true {len(true_pairs)}, "
          f"precision {precision:.3f}, recall {recall:.3f}")
    ok = wall <= 60 and rss_gb <= 4
    print("target (<= 60 s, <= 4 GB): " + ("met" if ok else "NOT met"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
