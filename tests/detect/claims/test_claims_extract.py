"""The claim extractor on what intermediaries write, and on text that only looks like a claim."""

from __future__ import annotations

import pytest

from qinglian.detect.claims.extract import Claim, claims_in
from qinglian.detect.claims.numbers import chinese_numeral, parse_money, parse_number


def _one(text: str) -> Claim:
    found = claims_in(text)
    assert len(found) == 1, found
    return found[0]


@pytest.mark.parametrize(
    ("text", "value", "unit", "period"),
    [
        ("我们一天群发22万条，效果很好", 220_000, "messages", "day"),
        ("每天外呼5万通，全是精准客户", 50_000, "calls", "day"),
        ("上个月一个月发了300多万条", 3_000_000, "messages", "month"),
        ("一天二十二万条短信不在话下", 220_000, "messages", "day"),
        ("日发50万条", 500_000, "messages", "day"),
        ("我们每天能打2000个电话", 2_000, "calls", "day"),
        ("累计群发1.2亿条", 120_000_000, "messages", "total"),
        ("这批群发了8000条", 8_000, "messages", None),
    ],
)
def test_volumes(text: str, value: float, unit: str, period: str | None) -> None:
    c = _one(text)
    assert (c.kind, c.value, c.unit, c.period) == ("volume", value, unit, period)


@pytest.mark.parametrize(
    ("text", "per_record", "records", "total"),
    [
        ("名单5毛一条，要多少有多少", 0.5, None, None),
        ("资源0.3元/条", 0.3, None, None),
        ("数据一条5毛", 0.5, None, None),
        ("每条名单1块5", 1.5, None, None),
        ("一万条数据800元", 0.08, 10_000, 800),
        ("名单10万条3000块", 0.03, 100_000, 3_000),
    ],
)
def test_prices(text: str, per_record: float, records: float | None, total: float | None) -> None:
    c = _one(text)
    assert (c.kind, c.unit) == ("price", "CNY_per_record")
    assert c.value == pytest.approx(per_record)
    assert (c.records, c.total_cny) == (records, total)


@pytest.mark.parametrize(
    ("text", "rate"),
    [
        ("收费10%，先办后付", 10),
        ("服务费3个点", 3),
        ("返点2个点给你", 2),
        ("提成是5%", 5),
        ("收取5%的手续费", 5),
        ("5%的手续费", 5),
        ("收费百分之五", 5),
        ("佣金1.5%", 1.5),
    ],
)
def test_fee_rates(text: str, rate: float) -> None:
    c = _one(text)
    assert (c.kind, c.value, c.unit, c.period) == ("fee_rate", rate, "percent", None)


def test_several_claims_in_one_chat_with_their_spans() -> None:
    text = "老板放心，一天群发22万条，收费10%"
    found = claims_in(text)
    assert [(c.kind, text[c.start : c.end]) for c in found] == [
        ("volume", "一天群发22万条"), ("fee_rate", "收费10%")]


@pytest.mark.parametrize(
    "text",
    [
        "10%的客户都能下款",
        "利率3.6%，随借随还",
        "年化利率7.2%起",
        "通过率90%",
        "我们收费低，利率3.6%",
        "手续费低至月息0.5%",
        "可贷20万元，当天放款",
        "额度最高50万",
        "贷款20万，一个月还2000",
        "联系电话13812345678",
        "2023年5月1日到账",
        "我给你发了3条短信",
        "打了3个",
        "短信一条3分钱",
        "下午3点打给你",
        "回复TD退订",
    ],
)
def test_what_is_no_claim(text: str) -> None:
    assert claims_in(text) == []


@pytest.mark.parametrize(
    ("text", "value"),
    [("二十二万", 220_000), ("3.5万", 35_000), ("22万", 220_000), ("300多万", 3_000_000), ("22w", 220_000),
     ("两千", 2_000), ("十万", 100_000), ("1.2亿", 120_000_000), ("三亿五千万", 350_000_000), ("800", 800)],
)
def test_numbers(text: str, value: float) -> None:
    assert parse_number(text) == value


def test_chinese_numerals_refuse_other_text() -> None:
    assert chinese_numeral("二十二") == 22
    assert chinese_numeral("二十a") is None
    assert parse_number("abc") is None


@pytest.mark.parametrize(
    ("amount", "unit", "tail", "cny"),
    [("5", "毛", None, 0.5), ("5", "毛", "5", 0.55), ("1", "块", "5", 1.5), ("3", "分", None, 0.03),
     ("800", "元", None, 800), ("八百", "元", None, 800)],
)
def test_money(amount: str, unit: str, tail: str | None, cny: float) -> None:
    assert parse_money(amount, unit, tail) == pytest.approx(cny)


def test_two_points_is_two_percent() -> None:
    assert _one("返点2个点").value == 2


def test_texts_without_a_trigger_are_skipped_and_those_with_one_are_read() -> None:
    from qinglian.detect.claims.extract import _may_claim

    assert not _may_claim("【信合金服】您的公积金贷款已预审通过，可贷20万元，年化3.6%，请登录确认")
    assert not _may_claim("机器人：您好，这里是演示市信达网络有限公司，免手续费，秒批")
    for text in ("一天发22万条短信", "名单5毛一条", "服务费百分之五", "返点3个点", "一万条数据800元"):
        assert _may_claim(text) and claims_in(text), text
