"""Benchmark: behaviour measures and the mass-calling flag on a synthetic 10,000,000-call log.

Prints the seconds and peak RSS for computing every call measure (per number and per
account) on DuckDB, precision and recall of the flags against the known robocallers,
and Spark's time next to DuckDB's on a 1,000,000-call slice.
Targets (2-core machine): <= 30 s, <= 4 GB peak RSS, precision >= 0.99 at recall >= 0.9.

    .venv/bin/python bench/behaviour.py [--calls 10000000] [--slice 1000000] [--seed 7] [--no-spark]
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from functools import partial

import pandas as pd
import pyarrow as pa

from qinglian.detect.behaviour.calls import call_measures
from qinglian.detect.behaviour.cdr import prepare_calls, release_table
from qinglian.detect.behaviour.config import default_thresholds
from qinglian.detect.behaviour.pipeline import scored
from qinglian.store.engine import Engine, duckdb_engine, spark_engine
from qinglian.training.behaviour_synth import generate


def peak_rss_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024


def cpu_seconds() -> float:
    """User + system CPU time of this process (all threads): a figure that load from other work on
    a shared machine does not inflate, unlike wall-clock seconds."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def measure(engine: Engine, calls: pa.Table, accounts: bool = True) -> tuple[float, pd.DataFrame]:
    th = default_thresholds()
    start = time.perf_counter()
    raw = engine.load(calls)
    prepared = prepare_calls(
        raw, th.measures, materialize=engine.materialize, release=partial(release_table, engine),
        number_ids=engine.name == "duckdb",
    )
    clean = prepared.calls
    numbers = engine.to_arrow(call_measures(clean, "caller", th.measures, names=prepared.names)).to_pandas()
    if accounts:
        engine.to_arrow(call_measures(clean, "account", th.measures))
    engine.to_arrow(prepared.problems)
    result = scored(numbers.rename(columns={"caller": "number"}), "number", th)
    return time.perf_counter() - start, result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--calls", type=int, default=10_000_000)
    ap.add_argument("--slice", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=7, help="generator seed (check a second one too)")
    ap.add_argument("--no-spark", action="store_true")
    args = ap.parse_args(argv)

    t0 = time.perf_counter()
    synth = generate(args.calls, seed=args.seed)
    print(
        f"generated {synth.calls.num_rows:,} calls, {len(synth.robocallers):,} robocallers "
        f"in {time.perf_counter() - t0:.1f} s"
    )

    engine = duckdb_engine()
    engine.backend.raw_sql("SET threads = 2")
    engine.backend.raw_sql("SET memory_limit = '2.5GB'")
    engine.backend.raw_sql("SET preserve_insertion_order = false")  # every result is ordered explicitly
    cpu0 = cpu_seconds()
    seconds, result = measure(engine, synth.calls)
    cpu = cpu_seconds() - cpu0
    frame = result
    flagged = set(frame.loc[frame["flag"], "number"])
    known = synth.robocallers
    tp = len(flagged & known)
    precision = tp / len(flagged) if flagged else 0.0
    recall = tp / len(known)
    print(
        f"duckdb: {len(frame):,} numbers measured in {seconds:.1f} s wall, {cpu:.1f} s CPU (2 threads); "
        f"peak RSS {peak_rss_gb():.2f} GB"
    )
    print(f"flags: {len(flagged):,} flagged, {tp:,} true; precision {precision:.4f}, recall {recall:.4f}")
    legit = frame[~frame["number"].isin(known)]
    top = legit.nlargest(1, "score")
    if len(top):  # the legitimate number closest to a flag (in the synthetic set: a courier)
        print(
            f"highest score outside the known set: {float(top['score'].iloc[0]):.4f} "
            f"(flag_score {default_thresholds().flag_score})"
        )
    ok = seconds <= 30 and peak_rss_gb() <= 4 and precision >= 0.99 and recall >= 0.9
    print("targets (<= 30 s, <= 4 GB, precision >= 0.99, recall >= 0.9):", "met" if ok else "NOT met")

    if not args.no_spark:
        part = synth.calls.slice(0, args.slice)
        d_sec, _ = measure(duckdb_engine(), part)
        spark = spark_engine("local[2]", shuffle_partitions=4)
        s_sec, _ = measure(spark, part)
        print(f"{part.num_rows:,}-call slice: duckdb {d_sec:.1f} s, spark local[2] {s_sec:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
