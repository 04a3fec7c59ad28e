from __future__ import annotations

import random
from pathlib import Path

import duckdb
import pytest

from qinglian.ingest import phones
from qinglian.ingest.phones import lookup_prefix, register_prefixes, split_region
from qinglian.store.schema import all_ddl
from tests.helpers import cli, query


def test_split_region() -> None:
    assert split_region("广东省深圳市") == ("广东省", "深圳市")
    assert split_region("北京市") == ("北京市", "北京市")
    assert split_region("广西百色市") == ("广西", "百色市")
    assert split_region(None) == (None, None)


def test_sql_prefix_lookup_agrees_with_one_by_one_lookup(case_dir: Path, tmp_path: Path) -> None:
    prefixes = ["1381234", "1527867", "1816496", "1772608", "1700000", "1990000", "1391234", "1860755"]
    f = tmp_path / "c.csv"
    f.write_text("姓名,手机号\n" + "".join(f"某{i},{p}{i:04d}\n" for i, p in enumerate(prefixes)))
    assert cli("ingest", case_dir, f, "--holder", "甲") == 0
    got = {r[0]: tuple(r[1:]) for r in query(case_dir, "SELECT * FROM phone_prefixes")}
    for p in prefixes:
        assert got.get(p, (None, None, None)) == lookup_prefix(p), p
    assert got["1381234"][2] == "中国移动"
    # the region of each ingested number, joined on its prefix as readers do
    regions = query(
        case_dir,
        "SELECT c.phone, p.province, p.city, p.carrier FROM customers c "
        "LEFT JOIN phone_prefixes p ON p.prefix = substr(c.phone, 4, 7) ORDER BY c.row_no",
    )
    assert [r[1:] for r in regions] == [lookup_prefix(p) for p in prefixes]


def _store() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    for ddl in all_ddl():
        if "phone_prefix" in ddl:
            con.execute(ddl)
    return con


def _register(prefixes: list[str]) -> dict[str, tuple[object, ...]]:
    con = _store()
    try:
        con.execute(
            "CREATE TABLE calls AS SELECT 1 AS sheet_id, '+86' || p || '0000' AS callee FROM unnest(?) t(p)",
            [prefixes],
        )
        register_prefixes(con, "calls", ["callee"], 1)
        return {r[0]: tuple(r[1:]) for r in con.execute("SELECT * FROM phone_prefixes").fetchall()}
    finally:
        con.close()


@pytest.mark.parametrize("cache", ["fresh", "corrupt", "unwritable"])
def test_prefix_cache_gives_the_one_by_one_lookup(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cache: str
) -> None:
    """The resolved-prefix cache (built once per phonenumbers version) changes nothing: a fresh,
    a corrupt (rebuilt) and an unwritable cache folder all give ``lookup_prefix``'s answers."""
    folder = tmp_path / "cache"
    if cache == "unwritable":
        folder.write_text("a file where the folder should be")
    monkeypatch.setenv("QINGLIAN_CACHE_DIR", str(folder))
    phones.resolved_prefixes.cache_clear()
    if cache == "corrupt":
        folder.mkdir()
        phones._cache_file().write_bytes(b"not parquet")
    rng = random.Random(7)
    prefixes = sorted({str(rng.randrange(1000000, 2000000)) for _ in range(300)} | {"1381234", "1010000"})
    try:
        got = _register(prefixes)
    finally:
        phones.resolved_prefixes.cache_clear()
    for p in prefixes:
        assert got.get(p, (None, None, None)) == lookup_prefix(p), p
    if cache == "unwritable":
        # without the cache: exactly the file's prefixes, unknown ones with no region
        assert set(got) == set(prefixes)
    else:
        # with it: every prefix phonenumbers knows, whether the file has it or not
        known = phones.resolved_prefixes()
        assert known is not None and len(got) == known.num_rows > 100_000
        assert all(any(v) for v in got.values())
        for p in rng.sample(sorted(got), 200):
            assert got[p] == lookup_prefix(p), p
    assert phones._cache_file().is_file() == (cache != "unwritable")


def test_each_prefix_is_registered_once_across_files(case_dir: Path, tmp_path: Path) -> None:
    first = tmp_path / "a.csv"
    first.write_text("姓名,手机号\n" + "".join(f"某{i},1381234{i:04d}\n" for i in range(5)))
    second = tmp_path / "b.csv"
    second.write_text("姓名,手机号\n某,13812349999\n某某,15278670000\n某某某,15278670001\n")
    for f in (first, second):
        assert cli("ingest", case_dir, f, "--holder", "甲") == 0
    counts = dict(query(case_dir, "SELECT prefix, count(*) FROM phone_prefixes GROUP BY prefix"))
    assert counts["1381234"] == counts["1527867"] == 1
    assert set(counts.values()) == {1}
    assert query(case_dir, "SELECT count(*) FROM phone_prefix_sources") == [(1,)]


def test_prefixes_that_are_not_seven_digits_are_looked_up_too() -> None:
    """Numbers too short for a 7-digit prefix (never written by ingest, but a table may hold
    them) take the general longest-prefix path, beside the 7-digit ones, once each."""
    con = _store()
    try:
        con.execute(
            "CREATE TABLE calls AS SELECT 1 AS sheet_id, c AS callee "
            "FROM unnest(['+861381', '+861381', '+8613812345678', '+8613812349999', '+8621123456']) t(c)"
        )
        assert register_prefixes(con, "calls", ["callee"], 1) > 100_000  # the resolved table, and '1381'
        assert register_prefixes(con, "calls", ["callee"], 1) == 0
        got = {r[0]: tuple(r[1:]) for r in con.execute("SELECT * FROM phone_prefixes").fetchall()}
        counts = con.execute("SELECT count(*), count(DISTINCT prefix) FROM phone_prefixes").fetchall()
    finally:
        con.close()
    assert counts[0][0] == counts[0][1]
    assert {"1381", "1381234"} <= set(got)
    assert got["1381"] == lookup_prefix("1381") and got["1381234"] == lookup_prefix("1381234")
