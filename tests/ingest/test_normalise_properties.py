"""Property tests: every written form of the same phone, duration or time normalises to one value."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qinglian.ingest.normalise import install_macros


@pytest.fixture(scope="module")
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    c = duckdb.connect()
    install_macros(c)
    yield c
    c.close()


def one(con: duckdb.DuckDBPyConnection, sql: str, value: object) -> object:
    return con.execute(sql, [value]).fetchall()[0][0]


mobiles = st.builds(lambda p, r: f"1{p}{r:09d}", st.sampled_from("3456789"), st.integers(0, 10**9 - 1))


@settings(max_examples=60, deadline=None)
@given(number=mobiles, form=st.integers(0, 4))
def test_phone_forms(con: duckdb.DuckDBPyConnection, number: str, form: int) -> None:
    written = [
        number,
        f"+86{number}",
        f"+86 {number[:3]}-{number[3:7]}-{number[7:]}",
        f"0086{number}",
        f"{number}.0",
    ][form]
    assert one(con, "SELECT ql_phone(?)", written) == "+86" + number


@settings(max_examples=60, deadline=None)
@given(seconds=st.integers(0, 5 * 3600))
def test_duration_forms(con: duckdb.DuckDBPyConnection, seconds: int) -> None:
    h, m, s = seconds // 3600, seconds % 3600 // 60, seconds % 60
    forms = [
        str(seconds),
        f"{seconds}秒",
        f"{h:02d}:{m:02d}:{s:02d}",
        f"{seconds // 60}分{s}秒",
        (f"{h}小时" if h else "") + (f"{m}分" if m else "") + f"{s}秒",
    ]
    for f in forms:
        assert one(con, "SELECT ql_duration(?)", f) == float(seconds), f


@settings(max_examples=60, deadline=None)
@given(ts=st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2035, 12, 31)).map(lambda d: d.replace(microsecond=0)))
def test_timestamp_forms(con: duckdb.DuckDBPyConnection, ts: datetime) -> None:
    forms = [
        ts.strftime("%Y-%m-%d %H:%M:%S"),
        f"{ts.year}/{ts.month}/{ts.day} {ts.hour}:{ts.minute:02d}:{ts.second:02d}",
        f"{ts.year}年{ts.month}月{ts.day}日 {ts.hour}时{ts.minute}分{ts.second}秒",
        ts.strftime("%Y%m%d%H%M%S"),
        ts.strftime("%Y-%m-%dT%H:%M:%S+08:00"),
    ]
    for f in forms:
        assert one(con, "SELECT ql_ts(?)", f) == ts, f


def test_excel_serial_and_epoch(con: duckdb.DuckDBPyConnection) -> None:
    assert one(con, "SELECT ql_ts(?)", "45858.375") == datetime(2025, 7, 20, 9, 0)
    assert one(con, "SELECT ql_ts(?)", "1753000000") == datetime(2025, 7, 20, 16, 26, 40)
    assert one(con, "SELECT ql_ts(?)", "2025-07-20T01:01:00Z") == datetime(2025, 7, 20, 9, 1)


@pytest.mark.parametrize("bad", ["138****5678", "12345", "abc", "1.38123E+10", ""])
def test_unparsable_phones_are_null(con: duckdb.DuckDBPyConnection, bad: str) -> None:
    assert one(con, "SELECT ql_phone(nullif(?, ''))", bad) is None


# The fast paths (exact forms checked first) must give what the general normalisers give.
_dur_text = st.text(alphabet="0123456789:分秒小时 .sm", max_size=12)
_int_text = st.text(alphabet="0123456789 -.次", max_size=22)
_bool_text = st.sampled_from(["1", "0", "是", "否", "已接通", "未接通", " 接通", "YES", "No", "忙", "x", "", "t"])


@settings(max_examples=300, deadline=None)
@given(text=_dur_text)
def test_duration_fast_paths_agree_with_general(con: duckdb.DuckDBPyConnection, text: str) -> None:
    fast, general = con.execute("SELECT ql_duration(?), ql_dur_t(ql_dur_text(?))", [text, text]).fetchall()[0]
    assert fast == general, text


@settings(max_examples=300, deadline=None)
@given(text=_int_text)
def test_int_fast_path_agrees_with_general(con: duckdb.DuckDBPyConnection, text: str) -> None:
    fast, general = con.execute("SELECT ql_int(?), ql_int_any(?)", [text, text]).fetchall()[0]
    assert fast == general, text


@settings(max_examples=60, deadline=None)
@given(text=_bool_text)
def test_bool_fast_path_agrees_with_general(con: duckdb.DuckDBPyConnection, text: str) -> None:
    fast, general = con.execute("SELECT ql_bool(?), ql_bool_any(?)", [text, text]).fetchall()[0]
    assert fast == general, text


# Shapes the fast paths take, with out-of-range parts (minutes or seconds over 59, long hours)
# that DuckDB's TIME cast and strptime reject and the cut-by-position fallback reads.
_part = st.builds(lambda n, pad: f"{n:0{pad}d}", st.integers(0, 99), st.integers(1, 2))
_hms = st.builds(lambda h, m, s: f"{h}:{m}:{s}", st.sampled_from(["0", "00", "1", "09", "23", "24", "25", "123", "999999"]), _part, _part)
_ms = st.builds(lambda m, s: f"{m}分{s}秒", st.sampled_from(["0", "3", "03", "59", "60", "75", "123456"]), _part)


@settings(max_examples=300, deadline=None)
@given(text=st.one_of(_hms, _ms))
def test_duration_time_shaped_fast_paths_agree_with_general(con: duckdb.DuckDBPyConnection, text: str) -> None:
    fast, general = con.execute("SELECT ql_duration(?), ql_dur_t(ql_dur_text(?))", [text, text]).fetchall()[0]
    assert fast is not None and fast == general, text


@settings(max_examples=200, deadline=None)
@given(text=st.one_of(st.text(alphabet="0123456789+-* ()", max_size=16), st.from_regex(r"\A[01][0-9]{8,12}\Z")))
def test_phone_fast_path_agrees_with_general(con: duckdb.DuckDBPyConnection, text: str) -> None:
    fast, general = con.execute(
        "SELECT ql_phone(?), CASE WHEN contains(?, '*') THEN NULL ELSE ql_phone_core(ql_phone_digits(?)) END",
        [text, text, text],
    ).fetchall()[0]
    assert fast == general, text


@pytest.mark.parametrize("landline", ["02112345678", "0755123456789"[:12], "01012345678", "0571123456"])
def test_landlines_with_area_code(con: duckdb.DuckDBPyConnection, landline: str) -> None:
    assert one(con, "SELECT ql_phone(?)", landline) == "+86" + landline[1:]


# Date-time shapes the ql_ts fast paths read ('-' and '/' forms), with unpadded, padded and
# out-of-range parts, spaces around and between, and trailing text that must fall through.
_ts_part = st.sampled_from(["0", "00", "1", "01", "7", "07", "12", "13", "23", "24", "29", "30", "31", "59", "60", "99"])
_ts_text = st.builds(
    lambda y, mo, d, h, mi, s, sep, mid, tail: f"{y}{sep}{mo}{sep}{d}{mid}{h}:{mi}:{s}{tail}",
    st.sampled_from(["2025", "1999", "25", "0001", "99999"]), _ts_part, _ts_part, _ts_part, _ts_part, _ts_part,
    st.sampled_from(["-", "/"]), st.sampled_from([" ", "  ", "\t", "T"]),
    st.sampled_from(["", " ", ".5", ":", "Z", "+08:00", " PM", "\u3000"]),
)


@settings(max_examples=300, deadline=None)
@given(text=st.one_of(_ts_text, st.builds(lambda t: " " + t, _ts_text)))
def test_timestamp_fast_paths_agree_with_general(con: duckdb.DuckDBPyConnection, text: str) -> None:
    fast, general = con.execute("SELECT ql_ts(?), ql_ts_any(?)", [text, text]).fetchall()[0]
    assert fast == general, text
