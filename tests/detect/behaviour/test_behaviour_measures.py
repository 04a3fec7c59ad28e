"""Call measures on small hand-made logs: concurrency with equal start times, ids vs text keys."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pyarrow as pa

from qinglian.detect.behaviour.calls import call_measures
from qinglian.detect.behaviour.cdr import CLEAN_COLUMNS, prepare_calls
from qinglian.detect.behaviour.config import default_thresholds
from qinglian.store.engine import duckdb_engine

T0 = datetime(2025, 7, 20, 9, 0, 0)


def _calls(rows: list[tuple[str, str, int, float]]) -> pa.Table:
    return pa.table(
        {
            "caller": [r[0] for r in rows],
            "callee": [r[1] for r in rows],
            "started_at": pa.array([T0 + timedelta(seconds=r[2]) for r in rows], pa.timestamp("s")),
            "duration_s": [r[3] for r in rows],
        }
    )


def _measures(rows: list[tuple[str, str, int, float]], with_ids: bool = True) -> dict[str, dict[str, Any]]:
    th = default_thresholds()
    engine = duckdb_engine()
    prepared = prepare_calls(engine.load(_calls(rows)), th.measures, materialize=engine.materialize)
    calls = prepared.calls if with_ids else prepared.calls.select(*CLEAN_COLUMNS)
    frame = engine.to_arrow(call_measures(calls, "caller", th.measures, names=prepared.names if with_ids else None)).to_pylist()
    return {r["caller"]: r for r in frame}


ROWS = [
    # A: three calls starting in the same second (two lines at once plus one more), then one
    # starting exactly when the first ends (not concurrent with it), then an unanswered call
    ("A", "x1", 0, 30.0),
    ("A", "x2", 0, 60.0),
    ("A", "x3", 0, 10.0),
    ("A", "x4", 30, 5.0),
    ("A", "x5", 100, 0.0),
    ("A", "x5", 100, 0.0),  # the same call exported twice
    # B: calls one after another, never overlapping; x1 calls back
    ("B", "x1", 0, 20.0),
    ("B", "x2", 20, 20.0),
    ("x1", "B", 500, 20.0),
    # C: only unanswered calls
    ("C", "x1", 0, 0.0),
]


def test_concurrency_counts_equal_starts_and_not_back_to_back_calls() -> None:
    m = _measures(ROWS)
    assert m["A"]["max_concurrent"] == 3
    assert m["B"]["max_concurrent"] == 1
    assert m["C"]["max_concurrent"] == 0
    assert m["A"]["calls"] == 5  # the duplicate counted once
    assert m["B"]["outgoing_share"] == 2 / 3
    assert m["A"]["gap_median_s"] == 15.0 and m["B"]["gap_median_s"] == 20.0


def test_integer_ids_and_text_keys_give_the_same_measures() -> None:
    assert _measures(ROWS, with_ids=True) == _measures(ROWS, with_ids=False)


def _by_text(rows: list[tuple[str, str, int, float]]) -> dict[str, dict[str, Any]]:
    th = default_thresholds()
    engine = duckdb_engine()
    prepared = prepare_calls(engine.load(_calls(rows)), th.measures, materialize=engine.materialize, number_ids=False)
    frame = engine.to_arrow(call_measures(prepared.calls, "caller", th.measures)).to_pylist()
    return {r["caller"]: r for r in frame}


# the same calls between plain numbers (+, leading zeros, 17 digits) and, mixed in, texts that are not
PLAIN = {"A": "+8613800000001", "B": "013800000002", "C": "12345678901234567", "x1": "+0", "x2": "0"}


def _renamed(names: dict[str, str]) -> list[tuple[str, str, int, float]]:
    return [(names.get(a, a), names.get(b, b), t, d) for a, b, t, d in ROWS]


def test_plain_numbers_are_their_own_ids_and_read_back() -> None:
    rows = _renamed(PLAIN | {f"x{i}": f"+86139000000{i}" for i in (3, 4, 5)})
    th = default_thresholds()
    engine = duckdb_engine()
    prepared = prepare_calls(engine.load(_calls(rows)), th.measures, materialize=engine.materialize)
    assert prepared.names is None  # every number plain: no dictionary was built
    with_ids = {
        r["caller"]: r
        for r in engine.to_arrow(call_measures(prepared.calls, "caller", th.measures)).to_pylist()
    }
    assert with_ids == _by_text(rows)
    assert set(with_ids) >= {"+8613800000001", "013800000002", "12345678901234567"}


def test_numbers_that_are_not_plain_get_dictionary_ids() -> None:
    mixed = dict(PLAIN, B="010-12345678", C="123456789012345678")  # a hyphen; 18 digits
    rows = _renamed(mixed)
    th = default_thresholds()
    engine = duckdb_engine()
    prepared = prepare_calls(engine.load(_calls(rows)), th.measures, materialize=engine.materialize)
    assert prepared.names is not None
    got = {
        r["caller"]: r
        for r in engine.to_arrow(
            call_measures(prepared.calls, "caller", th.measures, names=prepared.names)
        ).to_pylist()
    }
    assert got == _by_text(rows)
    assert got["010-12345678"]["calls"] == 2 and got["+8613800000001"]["calls"] == 5


def test_spaces_around_a_number_do_not_make_it_another_number() -> None:
    rows = [("+8613800000001", "13900000001", 0, 30.0), (" +8613800000001 ", "13900000002 ", 600, 30.0)]
    rows += [("13900000002", "+8613800000001", 900, 10.0), ("  ", "13900000003", 1200, 10.0)]
    th = default_thresholds()
    engine = duckdb_engine()
    prepared = prepare_calls(engine.load(_calls(rows)), th.measures, materialize=engine.materialize)
    got = {
        r["caller"]: r
        for r in engine.to_arrow(call_measures(prepared.calls, "caller", th.measures, names=prepared.names)).to_pylist()
    }
    assert prepared.names is None
    assert set(got) == {"+8613800000001", "13900000002"}
    assert got["+8613800000001"]["calls"] == 2 and got["+8613800000001"]["distinct_callees"] == 2
    assert got["+8613800000001"]["outgoing_share"] == 2 / 3  # the call back reaches the same id
    assert engine.to_arrow(prepared.problems).to_pylist()[0]["missing_caller"] == 1
