"""Contract: the same measures on DuckDB and Spark over the same 100,000-call sample."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pytest

from qinglian.detect.behaviour.calls import INT_MEASURES, MEASURE_COLUMNS
from qinglian.detect.behaviour.pipeline import measure_files
from qinglian.store.case import Case
from qinglian.store.engine import duckdb_engine, spark_engine
from qinglian.training.behaviour_synth import generate


def _sample_csv(tmp: Path) -> Path:
    """100,000 synthetic calls written as text, plus bad rows, split over two files."""
    calls = generate(140_000, days=3, seed=11).calls.slice(0, 100_000)
    assert calls.num_rows == 100_000
    text = calls.set_column(2, "started_at", pc.strftime(calls["started_at"], "%Y-%m-%d %H:%M:%S"))
    text = text.set_column(3, "duration_s", pc.cast(calls["duration_s"], pa.string()))
    bad = pa.table(
        {
            "caller": ["+8617000000000"] * 5,
            "callee": ["+8613000000001", "", "+8613000000002", "+8613000000003", "+8613000000004"],
            "started_at": [
                "2025-07-14T01:00:00Z",
                "2025-07-14 10:00:00",
                "not a time",
                "2025-07-14 10:00:00+09:00",
                "2025-07-14 10:05:00",
            ],
            "duration_s": ["-3", "12", "5", "99999", "7"],
            "handset": [None] * 5,
            "account": [None] * 5,
        },
        schema=text.schema,
    )
    folder = tmp / "cdr"
    folder.mkdir()
    half = text.num_rows // 2
    pacsv.write_csv(pa.concat_tables([text.slice(0, half), bad]), folder / "part1.csv")
    pacsv.write_csv(text.slice(half), folder / "part2.csv")
    return folder


def _assert_same(left: list[dict[str, Any]], right: list[dict[str, Any]]) -> None:
    assert len(left) == len(right)
    for a, b in zip(left, right, strict=True):
        assert a["number"] == b["number"]
        for col in MEASURE_COLUMNS:
            x, y = a[col], b[col]
            if x is None or (isinstance(x, float) and math.isnan(x)):
                assert y is None or (isinstance(y, float) and math.isnan(y)), (a["number"], col, x, y)
            elif col in INT_MEASURES:
                assert x == y, (a["number"], col, x, y)
            else:  # the same value up to the order floating-point sums were added in
                assert x == pytest.approx(y, rel=1e-9, abs=1e-12), (a["number"], col, x, y)
        assert (a["score"], a["flag"], a["reasons"]) == (b["score"], b["flag"], b["reasons"])


@pytest.mark.spark
def test_duckdb_and_spark_give_identical_measures(tmp_path: Path) -> None:
    folder = _sample_csv(tmp_path)
    on_duck = measure_files(folder, duckdb_engine())
    spark = spark_engine("local[2]", shuffle_partitions=2)
    on_spark = measure_files(folder, spark)
    duck_rows = on_duck.numbers.to_dict("records")
    spark_rows = on_spark.numbers.to_dict("records")
    assert len(duck_rows) > 10_000
    assert any(r["flag"] for r in duck_rows)  # the sample has robocallers, so flags are compared too
    _assert_same(duck_rows, spark_rows)
    assert on_duck.notes.to_dict("records") == on_spark.notes.to_dict("records")
    problems = dict(zip(on_duck.notes["problem"], on_duck.notes["count"], strict=True))
    assert problems["rows_in"] == 100_005
    assert problems["negative_duration"] == 1 and problems["absurd_duration"] == 1
    assert problems["missing_start"] == 1 and problems["missing_callee"] == 1
    assert problems["foreign_offset"] == 2 and "mixed_time_zones" in problems


@pytest.mark.spark
def test_case_analysis_on_spark_matches_duckdb(behaviour_case: Case) -> None:
    from qinglian.detect.behaviour import analyze_behaviour

    with behaviour_case.connect() as con:
        on_duck = analyze_behaviour(behaviour_case, con, "duckdb")
        on_spark = analyze_behaviour(behaviour_case, con, "spark", spark_master="local[2]")
        runs = con.execute("SELECT params FROM analysis_runs WHERE analysis = 'behaviour'").fetchall()
    assert len(runs) == 1 and '"spark"' in runs[0][0]
    _assert_same(on_duck.numbers.to_dict("records"), on_spark.numbers.to_dict("records"))
    for attr in ("list_order", "intent", "notes"):
        left, right = getattr(on_duck, attr), getattr(on_spark, attr)
        pd.testing.assert_frame_equal(
            left.reset_index(drop=True), right.reset_index(drop=True), check_dtype=False
        )
    pd.testing.assert_frame_equal(on_duck.sms, on_spark.sms, check_dtype=False)
