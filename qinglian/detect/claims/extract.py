"""Claims about scale and money in one text: volumes, prices per record, fee rates.

Precision first. A volume needs a sending or calling verb and a count unit (条, 通); a price needs
a list or record noun (名单, 数据, 资源) and a money unit; a fee rate needs a fee word (收费,
服务费, 返点, ...) right beside the percentage, so "10%的客户", "利率3.6%", "通过率90%" and a
consumer's loan amount ("可贷20万元") are no claims. No pattern crosses a clause boundary.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from qinglian.detect.claims.numbers import MONEY, NUMBER, parse_money, parse_number

ClaimKind = Literal["volume", "price", "fee_rate"]
Unit = Literal["messages", "calls", "records", "CNY", "CNY_per_record", "percent"]
Period = Literal["day", "month", "total"]


@dataclass(frozen=True)
class Claim:
    kind: ClaimKind
    start: int
    end: int
    value: float
    unit: Unit
    period: Period | None = None
    records: float | None = None  # a bulk price's record count ("一万条数据800元": 10000)
    total_cny: float | None = None  # a bulk price as quoted (800)


# Characters that may sit between the parts of one claim: anything but a clause boundary.
_GAP = r"[^，,。；;！!？?\n]"
_PERIODS: dict[str, Period] = {
    **dict.fromkeys(("一天", "每天", "每日", "天天", "一日", "单日", "日均", "日"), "day"),
    **dict.fromkeys(("一个月", "每个月", "每月", "一月", "月均", "包月"), "month"),
    **dict.fromkeys(("累计", "总共", "一共", "共计", "总计"), "total"),
}
_PERIOD = "|".join(sorted(_PERIODS, key=len, reverse=True))
_SMS_VERBS = r"群发|发送|推送|发"
_CALL_VERBS = r"外呼|呼出|拨打|打"
# Verbs that on their own say "mass": a count after them is a claim even without a period.
_MASS_VERBS = frozenset({"群发", "外呼", "推送", "呼出"})
_RECORD_NOUNS = r"名单|数据|资源|号码|客户资料|资料|客户信息"

_VOLUME = re.compile(
    rf"(?:(?P<period>{_PERIOD}){_GAP}{{0,6}}?)?"
    rf"(?P<verb>{_SMS_VERBS}|{_CALL_VERBS})(?:了|出|出去|过)?(?:量|量达|量有)?(?:达到|有|约|近|超过|上)?"
    rf"(?P<num>{NUMBER})\s*(?P<unit>条|通|个电话|个)(?P<noun>短信|信息|电话|{_RECORD_NOUNS})?"
)
# "一天22万条短信": a period and a count with no verb.
_VOLUME_NO_VERB = re.compile(
    rf"(?P<period>{_PERIOD})(?:能|可以|可)?(?:发|打|出)?(?P<num>{NUMBER})\s*"
    rf"(?P<unit>条|通|个电话)(?P<noun>短信|信息|电话|{_RECORD_NOUNS})"
)
# "名单5毛一条", "资源0.3元/条", "数据一条5毛", "每条名单1块".
_PER = r"(?:一条|每条|/条|／条|1条|一个|每个)"
_PRICES_PER_RECORD = tuple(re.compile(p) for p in (
    rf"(?:{_RECORD_NOUNS}){_GAP}{{0,6}}?{MONEY}\s*{_PER}",
    rf"(?:{_RECORD_NOUNS}){_GAP}{{0,4}}?{_PER}(?:{_RECORD_NOUNS})?\s*(?:要|收|卖|只要|才)?{MONEY}",
    rf"{_PER}(?:{_RECORD_NOUNS})\s*(?:要|收|卖|只要|才)?{MONEY}",
))
# "一万条数据800元", "名单10万条3000块".
_PRICE_BULK = re.compile(
    rf"(?:(?P<noun_before>{_RECORD_NOUNS}){_GAP}{{0,2}}?)?(?P<count>{NUMBER})\s*条(?P<noun_after>{_RECORD_NOUNS})?"
    rf"\s*[，,]?\s*(?:要|收|卖|只要|才|共|一共|总共)?\s*(?P<amount>{NUMBER})\s*(?P<bulk_unit>元|块)(?:钱)?"
)
_FEE_WORDS = r"收费|收取|服务费|手续费|中介费|咨询费|返点|返佣|提成|佣金|抽成|费率|点位|分成"
# Between a fee word and its number, nothing that turns it into a rate of something else.
_FEE_GAP = r"(?:(?!利|率|息|年化|通过|成功|下款|额度)[^，,。；;！!？?\n\d])"
_PERCENT = r"(?P<pct>\d+(?:\.\d+)?)\s*(?P<pct_unit>%|％|个点|个百分点)|百分之(?P<pct_cn>[零一二两三四五六七八九十]+(?:点[零一二两三四五六七八九]+)?)"
_FEE_BEFORE = re.compile(rf"(?P<word>{_FEE_WORDS}){_FEE_GAP}{{0,6}}?(?:{_PERCENT})")
_FEE_AFTER = re.compile(rf"(?:{_PERCENT})(?:的)?(?P<word>服务费|手续费|中介费|咨询费|返点|返佣|提成|佣金|抽成)")

# Necessary conditions, one per family of patterns above: a text that meets none can match no
# claim pattern, and most texts (templated SMS, scripts) meet none, so the patterns are skipped.
_COUNT_TRIGGER = re.compile(r"[\d零〇一二两三四五六七八九十百千万亿wW多余]\s*(?:[条通]|个电话)")  # volumes, bulk prices
_PER_TRIGGER = re.compile(r"[一每/／1][条个]")  # with a record noun: prices per record
_RECORD_TRIGGER = re.compile(_RECORD_NOUNS)
_PERCENT_TRIGGER = re.compile(r"\d\s*(?:[%％]|个点|个百分点)|百分之")  # with a fee word: fee rates
_FEE_TRIGGER = re.compile(_FEE_WORDS)


def _may_claim(text: str) -> bool:
    return bool(
        _COUNT_TRIGGER.search(text)
        or (_PER_TRIGGER.search(text) and _RECORD_TRIGGER.search(text))
        or (_PERCENT_TRIGGER.search(text) and _FEE_TRIGGER.search(text))
    )


MIN_VOLUME = 100  # fewer is talk about single messages ("发了3条"), not scale
MIN_VOLUME_NO_PERIOD = 1000


def claims_in(text: str) -> list[Claim]:
    """Every claim in ``text``, in order of position; overlapping matches keep the first found."""
    if not text or not _may_claim(text):
        return []
    found: list[Claim] = [*_volumes(text), *_prices(text), *_fees(text)]
    found.sort(key=lambda c: (c.start, -c.end))
    out: list[Claim] = []
    for c in found:
        if out and c.start < out[-1].end:
            continue
        out.append(c)
    return out


def _volume_unit(verb: str | None, unit: str, noun: str | None) -> Unit:
    if noun and re.fullmatch(_RECORD_NOUNS, noun):
        return "records"
    if unit in ("通", "个电话") or noun == "电话" or (verb and re.fullmatch(_CALL_VERBS, verb)):
        return "calls"
    return "messages"


def _volumes(text: str) -> list[Claim]:
    out: list[Claim] = []
    for m in _VOLUME.finditer(text):
        verb, unit = m.group("verb"), m.group("unit")
        if unit == "个" and m.group("noun") != "电话":
            continue  # "打了3个" is no count of calls without 电话
        value = parse_number(m.group("num"))
        period = _PERIODS.get(m.group("period") or "")
        if value is None or value < MIN_VOLUME:
            continue
        if period is None and verb not in _MASS_VERBS and value < MIN_VOLUME_NO_PERIOD:
            continue
        start = m.start("period") if m.group("period") else m.start("verb")
        out.append(Claim("volume", start, m.end(), value, _volume_unit(verb, unit, m.group("noun")), period))
    for m in _VOLUME_NO_VERB.finditer(text):
        value = parse_number(m.group("num"))
        if value is None or value < MIN_VOLUME:
            continue
        out.append(Claim("volume", m.start(), m.end(), value, _volume_unit(None, m.group("unit"), m.group("noun")),
                         _PERIODS[m.group("period")]))
    return out


def _prices(text: str) -> list[Claim]:
    out: list[Claim] = []
    for m in (m for p in _PRICES_PER_RECORD for m in p.finditer(text)):
        value = parse_money(m.group("yuan"), m.group("money_unit"), m.group("tail"))
        if value is not None and 0 < value <= 100:  # per record: cents to a few yuan
            out.append(Claim("price", m.start(), m.end(), value, "CNY_per_record"))
    for m in _PRICE_BULK.finditer(text):
        if not (m.group("noun_before") or m.group("noun_after")):
            continue
        count, amount = parse_number(m.group("count")), parse_number(m.group("amount"))
        if not count or not amount or count < 10:
            continue
        out.append(Claim("price", m.start(), m.end(), round(amount / count, 6), "CNY_per_record",
                         records=count, total_cny=amount))
    return out


def _percent(m: re.Match[str]) -> float | None:
    digits, chinese = m.group("pct"), m.group("pct_cn")
    if digits is not None:
        return float(digits)
    if chinese is None:
        return None
    whole, _, frac = chinese.partition("点")
    value = parse_number(whole)
    if value is None:
        return None
    if frac:
        value += float("0." + "".join(str(int(parse_number(ch) or 0)) for ch in frac))
    return value


def _fees(text: str) -> list[Claim]:
    out: list[Claim] = []
    for pattern in (_FEE_BEFORE, _FEE_AFTER):
        for m in pattern.finditer(text):
            value = _percent(m)
            if value is not None and 0 < value <= 100:
                out.append(Claim("fee_rate", m.start(), m.end(), value, "percent"))
    return out
