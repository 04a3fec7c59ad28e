"""Plain numbers packed into integer ids: one-to-one and read back exactly (property test)."""

from __future__ import annotations

import ibis
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from qinglian.detect.behaviour.cdr import number_id, number_text
from qinglian.store.engine import duckdb_engine

plain = st.from_regex(r"\A\+?[0-9]{1,17}\Z")
other = st.one_of(
    st.from_regex(r"\A\+?[0-9]{18,20}\Z"),
    st.from_regex(r"\A[0-9]{1,4}[-_. e][0-9]{1,8}\Z"),
    st.sampled_from(["+", "", "0x10", "1e3", "1_000", "-5", "A", "＋86138"]),
)


@settings(max_examples=30, deadline=None)
@given(st.lists(plain, min_size=1, max_size=40, unique=True), st.lists(other, max_size=10))
def test_ids_are_one_to_one_and_read_back(numbers: list[str], odd: list[str]) -> None:
    engine = duckdb_engine()
    t = engine.load(pa.table({"x": numbers + odd}))
    rows = engine.to_arrow(t.select(t.x, nid=number_id(t.x)).mutate(back=number_text(ibis._.nid))).to_pylist()
    ids = {r["x"]: r["nid"] for r in rows}
    assert all(ids[n] is not None and ids[n] >= 0 for n in numbers)
    assert len({ids[n] for n in numbers}) == len(numbers)
    assert all(r["back"] == r["x"] for r in rows if r["x"] in numbers)
    assert all(ids[o] is None for o in odd)
