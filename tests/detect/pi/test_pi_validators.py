from __future__ import annotations

from datetime import date, timedelta

import duckdb
from hypothesis import given, settings
from hypothesis import strategies as st

from qinglian.detect.pi import sql as S
from qinglian.detect.pi.validators import (
    has_content,
    id_check_char,
    is_plausible_name,
    luhn_ok,
    normalise_card,
    normalise_fixed,
    normalise_id,
    normalise_mobile,
    normalise_phone,
)

from .factory import make_card, make_id

# The example of GB 11643-1999 itself.
GB_EXAMPLE = "11010519491231002X"


def test_id_18_check_digit() -> None:
    assert normalise_id(GB_EXAMPLE) == GB_EXAMPLE
    assert normalise_id(GB_EXAMPLE.lower()) == GB_EXAMPLE
    assert normalise_id(" " + GB_EXAMPLE + " ") == GB_EXAMPLE
    for wrong in "0123456789":
        assert normalise_id(GB_EXAMPLE[:17] + wrong) is None
    # One changed digit breaks the check digit.
    assert normalise_id("11010519491231003X") is None


def test_id_18_birth_date_and_region() -> None:
    assert normalise_id(make_id(birth="19900229")) is None  # 1990 is not a leap year
    assert normalise_id(make_id(birth="20000229")) == make_id(birth="20000229")
    assert normalise_id(make_id(birth="19901301")) is None
    assert normalise_id(make_id(birth="18991231")) is None
    tomorrow = (date.today() + timedelta(days=1)).strftime("%Y%m%d")
    assert normalise_id(make_id(birth=tomorrow)) is None
    assert normalise_id(make_id(region="990101")) is None
    assert normalise_id(make_id(region="810000")) is not None  # Hong Kong residents


def test_id_15_old_form() -> None:
    assert normalise_id("110105491231002") == GB_EXAMPLE
    assert normalise_id("110105490230002") is None  # 1949-02-30
    assert normalise_id("11010549123100") is None
    assert normalise_id("11010549123100X") is None


def test_check_char_matches_standard_weights() -> None:
    assert id_check_char("11010519491231002") == "X"
    assert id_check_char("44052418800101001") == "4"


def test_bank_cards_luhn_length_and_bin() -> None:
    card = make_card()
    assert len(card) == 19 and normalise_card(card) == card
    assert normalise_card(" ".join(card[i : i + 4] for i in range(0, 19, 4))) == card
    bad = card[:-1] + str((int(card[-1]) + 1) % 10)
    assert not luhn_ok(bad) and normalise_card(bad) is None
    assert normalise_card(make_card("4", 16)) is not None
    assert normalise_card(make_card("5", 16)) is not None
    assert normalise_card(make_card("9", 16)) is None  # no such BIN
    assert normalise_card(make_card("62", 15)) is None  # too short
    assert normalise_card(make_card("62", 20)) is None  # too long
    assert normalise_card("4" * 16) is None


def test_mobiles() -> None:
    for form in ("13812345678", "+8613812345678", "86 138 1234 5678", "+86-138-1234-5678"):
        assert normalise_mobile(form) == "+8613812345678", form
    for bad in ("12812345678", "1381234567", "138123456789", "", None):
        assert normalise_mobile(bad) is None


def test_fixed_lines() -> None:
    assert normalise_fixed("010-62345678") == "+861062345678"
    assert normalise_fixed("(0571)87654321") == "+8657187654321"
    assert normalise_fixed("0571-8765432") == "+865718765432"
    assert normalise_fixed("010-12345678") is None  # local numbers do not start with 1
    assert normalise_fixed("62345678") is None  # no area code
    assert normalise_phone("+8657187654321") == "+8657187654321"


def test_names_and_content() -> None:
    assert is_plausible_name("张三") and is_plausible_name("欧阳娜娜")
    assert is_plausible_name("买买提·艾力")
    for bad in ("未知", "客户", "张三123", "张", "", None, "某某科技有限公司"):
        assert not is_plausible_name(bad), bad
    assert has_content("负债20万")
    for empty in ("", " ", "无", "0", "-", "暂无", None):
        assert not has_content(empty)


def _sql_ids(values: list[str]) -> list[str | None]:
    con = duckdb.connect()
    con.execute("CREATE TABLE t (i INTEGER, x VARCHAR)")
    con.executemany("INSERT INTO t VALUES (?, ?)", list(enumerate(values)))
    expr, params = S.id_key("x")
    rows = con.execute(f"SELECT {expr} FROM t ORDER BY i", params).fetchall()
    return [r[0] for r in rows]


_digits = st.text(alphabet="0123456789", min_size=17, max_size=17)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.one_of(
            _digits.map(lambda d: d + id_check_char(d)),
            st.builds(
                lambda region, day, seq: make_id(region, day.strftime("%Y%m%d"), seq),
                st.sampled_from(["110105", "310101", "440524", "990101"]),
                st.dates(date(1890, 1, 1), date(2030, 1, 1)),
                st.text(alphabet="0123456789", min_size=3, max_size=3),
            ),
            st.text(alphabet="0123456789X", min_size=15, max_size=18),
        ),
        min_size=1,
        max_size=20,
    )
)
def test_sql_id_key_agrees_with_python(values: list[str]) -> None:
    expected = [("id:" + n) if (n := normalise_id(v)) else None for v in values]
    assert _sql_ids(values) == expected


def test_sql_phone_key_and_name() -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE t (i INTEGER, p VARCHAR, raw VARCHAR, name VARCHAR)")
    con.executemany(
        "INSERT INTO t VALUES (?, ?, ?, ?)",
        [
            [1, "+8613812345678", None, "张三"],
            [2, None, "138 1234 5678", "未知"],
            [3, None, "12345", "张三1"],
            [4, "13812345678", None, "Li Lei"],
        ],
    )
    pk, pp = S.phone_key("p", "raw")
    nk, npar = S.plausible_name("name")
    rows = con.execute(f"SELECT {pk}, {nk} FROM t ORDER BY i", [*pp, *npar]).fetchall()
    assert rows == [
        ("tel:+8613812345678", True),
        ("tel:+8613812345678", False),
        (None, False),
        ("tel:+8613812345678", True),  # a mobile left un-normalised still counts
    ]
