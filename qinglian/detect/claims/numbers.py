"""Numbers as intermediaries write them: 22万, 3.5万, 300多万, 二十二万, 22w, 5毛, 1块5."""

from __future__ import annotations

import re

_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
           "八": 8, "九": 9}
_SMALL_UNITS = {"十": 10, "百": 100, "千": 1000}
_MULTIPLIERS = {"十": 10, "百": 100, "千": 1000, "万": 10_000, "w": 10_000, "W": 10_000, "亿": 100_000_000}

# A number as it appears in a claim: Arabic digits or Chinese numerals, then an optional 多/余
# ("more than") and magnitude characters. Used inside the claim patterns of extract.py.
NUMBER = r"(?:\d+(?:\.\d+)?|[零〇一二两三四五六七八九十百千万亿]+)(?:多|余)?[十百千万亿wW]*"
_ARABIC = re.compile(r"(\d+(?:\.\d+)?)(?:多|余)?([十百千万亿wW]*)")


def chinese_numeral(text: str) -> int | None:
    """二十二万 -> 220000, 两千 -> 2000, 三亿五千万 -> 350000000; None where it is not one."""
    if not text or any(ch not in _DIGITS and ch not in _SMALL_UNITS and ch not in "万亿" for ch in text):
        return None
    total = section = digit = 0
    for ch in text:
        if ch in _DIGITS:
            digit = _DIGITS[ch]
        elif ch in _SMALL_UNITS:
            section += (digit or 1) * _SMALL_UNITS[ch]  # 十二: the leading 一 is left out
            digit = 0
        elif ch == "万":
            total += (section + digit) * 10_000
            section = digit = 0
        else:  # 亿
            total = (total + section + digit) * 100_000_000
            section = digit = 0
    return total + section + digit


def parse_number(text: str) -> float | None:
    """The value of a ``NUMBER`` match: 22万 -> 220000, 3.5万 -> 35000, 300多万 -> 3000000 (the
    lower bound: 多 means "more than"), 二十二万 -> 220000, 22w -> 220000."""
    text = text.strip()
    m = _ARABIC.fullmatch(text)
    if m:
        value = float(m.group(1))
        for ch in m.group(2):
            value *= _MULTIPLIERS[ch]
        return value
    numeral = chinese_numeral(text.replace("多", "").replace("余", ""))
    return float(numeral) if numeral is not None else None


# Money: 800元, 800块, 5毛 (0.5), 5毛5 (0.55), 1块5 (1.5), 3分钱 (0.03), 0.3元.
MONEY = (rf"(?P<yuan>{NUMBER})\s*(?P<money_unit>元|块|毛|角|分)(?:钱)?"
         r"(?P<tail>[一二两三四五六七八九\d](?![\d万千百条个]))?")


def parse_money(amount: str, unit: str, tail: str | None = None) -> float | None:
    """CNY of a ``MONEY`` match's parts: ("5", "毛") -> 0.5, ("1", "块", "5") -> 1.5."""
    value = parse_number(amount)
    if value is None:
        return None
    scale = {"元": 1.0, "块": 1.0, "毛": 0.1, "角": 0.1, "分": 0.01}[unit]
    result = value * scale
    if tail:
        digit = int(tail) if tail.isdigit() else _DIGITS[tail]
        result += digit * scale / 10  # 1块5 = 1.5, 5毛5 = 0.55
    return round(result, 6)
