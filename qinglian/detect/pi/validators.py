"""Validators and normalisers for single PI values: ID numbers, bank cards, phones, names.

Each returns the normalised value (the form used as a data-subject key) or ``None`` when the
value is not what it claims to be. They are the reference for the SQL versions in
``qinglian.detect.pi.sql``; a test checks that both agree.
"""

from __future__ import annotations

import re
from datetime import date

# GB 11643-1999: weight of position i (0-based, 17 digits) is 2^(17-i) mod 11.
ID_WEIGHTS: tuple[int, ...] = tuple(pow(2, 17 - i, 11) for i in range(17))
ID_CHECK_CHARS = "10X98765432"
# First two digits of the administrative division code (provinces; 71 Taiwan; 81, 82 HK, Macau;
# 83 residence permits of Taiwan residents).
ID_PROVINCES: frozenset[str] = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 "
    "50 51 52 53 54 61 62 63 64 65 71 81 82 83".split()
)
CARD_PREFIXES: tuple[str, ...] = ("62", "4", "5", "3")
# Fixed-line area codes: 010, 02x, 0[3-9]xx.
_AREA = r"0(?:10|2\d|[3-9]\d{2})"
_FIXED = re.compile(rf"\(?({_AREA})\)?[- ]?([2-9]\d{{6,7}})")
_MOBILE = re.compile(r"(?:\+?86)?(1[3-9]\d{9})")
NAME_STOPWORDS: frozenset[str] = frozenset(
    {"未知", "客户", "先生", "女士", "小姐", "本人", "无", "测试", "匿名", "不详", "暂无", "姓名", "用户"}
)
_NAME = re.compile(r"(?:[\u4e00-\u9fa5]{2,4}|[\u4e00-\u9fa5]{1,6}·[\u4e00-\u9fa5]{1,8}|[A-Za-z][A-Za-z .'-]{1,39})")
EMPTY_VALUES: frozenset[str] = frozenset(
    {"", "无", "否", "0", "-", "--", "/", "—", "暂无", "空", "null", "none", "n/a", "na", "未知", "不详"}
)


def _birth_ok(yyyymmdd: str, today: date | None = None) -> bool:
    try:
        born = date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:8]))
    except ValueError:
        return False
    return date(1900, 1, 1) <= born <= (today or date.today())


def id_check_char(first17: str) -> str:
    """The GB 11643 check character for the first 17 digits."""
    total = sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK_CHARS[total % 11]


def normalise_id(value: str | None) -> str | None:
    """A valid resident ID number as 18 characters (15-digit old form converted), else None.

    18 digits: province code, a real birth date (1900 to today) and the GB 11643 check digit.
    15 digits (old form, born 19xx): province code and a real birth date; converted to 18.
    """
    if not value:
        return None
    v = value.strip().upper()
    if len(v) == 18 and v[:17].isdigit() and (v[17].isdigit() or v[17] == "X") and v.isascii():
        if v[:2] in ID_PROVINCES and _birth_ok(v[6:14]) and id_check_char(v[:17]) == v[17]:
            return v
        return None
    if len(v) == 15 and v.isdigit() and v.isascii():
        if v[:2] in ID_PROVINCES and _birth_ok("19" + v[6:12]):
            first17 = v[:6] + "19" + v[6:]
            return first17 + id_check_char(first17)
    return None


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def normalise_card(value: str | None) -> str | None:
    """A bank card number: 16–19 digits (spaces and dashes allowed), plausible BIN, Luhn."""
    if not value:
        return None
    digits = re.sub(r"[\s-]", "", value)
    if not (digits.isascii() and digits.isdigit() and 16 <= len(digits) <= 19):
        return None
    if not digits.startswith(CARD_PREFIXES) or len(set(digits)) == 1:
        return None
    return digits if luhn_ok(digits) else None


def normalise_mobile(value: str | None) -> str | None:
    """A mainland mobile (1[3-9] + 9 digits, optionally +86/86) as E.164, else None."""
    if not value:
        return None
    compact = re.sub(r"[\s()-]", "", value)
    m = _MOBILE.fullmatch(compact)
    return "+86" + m.group(1) if m else None


def normalise_fixed(value: str | None) -> str | None:
    """A mainland fixed-line number with area code (010-12345678, (0571)8765432) as E.164."""
    if not value:
        return None
    v = value.strip()
    if v.startswith("+86"):
        v = "0" + v[3:].lstrip(" -")
    m = _FIXED.fullmatch(v)
    return "+86" + m.group(1)[1:] + m.group(2) if m else None


def normalise_phone(value: str | None) -> str | None:
    """A mobile or fixed-line number as E.164; an E.164 value from ingest is accepted as is."""
    if not value:
        return None
    v = value.strip()
    if re.fullmatch(r"\+[1-9]\d{6,14}", v):
        return v
    return normalise_mobile(v) or normalise_fixed(v)


def is_plausible_name(value: str | None) -> bool:
    """A person's name as found in a name column: 2–4 Han characters, a minority name with ·,
    or a Latin name; placeholders (未知, 客户, 先生 …) are not names."""
    if not value:
        return False
    v = value.strip()
    return v not in NAME_STOPWORDS and _NAME.fullmatch(v) is not None


def has_content(value: str | None) -> bool:
    """A cell holds information (not blank, 无, 0, -, 暂无 …)."""
    return value is not None and value.strip().lower() not in EMPTY_VALUES
