"""Masking of personal information in every output (reveal is explicit and logged elsewhere).

138****5678 for mobiles, 3101**********1234 for ID numbers, 6222********1234 for bank
cards, 张* for names; ``mask_text`` masks such values inside free text.
"""

from __future__ import annotations

import re

_MOBILE_IN_TEXT = re.compile(r"(?<!\d)(?:\+?86[- ]?)?(1[3-9]\d)[- ]?(\d{4})[- ]?(\d{4})(?!\d)")
_ID_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])(\d{6})(\d{8}|\d{6})(\d{3}[\dXx])(?![0-9A-Za-z])")
_CARD_IN_TEXT = re.compile(r"(?<!\d)(\d{4})((?:[ -]?\d){8,11})[ -]?(\d{4})(?!\d)")


def mask_phone(value: str | None) -> str:
    """+8613812345678 or 13812345678 -> 138****5678; landlines keep area code and last 2."""
    if not value:
        return ""
    digits = re.sub(r"\D", "", value)
    if digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if len(digits) == 11 and digits.startswith("1"):
        return f"{digits[:3]}****{digits[-4:]}"
    if len(digits) >= 7:
        return digits[:3] + "*" * (len(digits) - 5) + digits[-2:]
    return "*" * len(digits)


def mask_id(value: str | None) -> str:
    """310101199001011234 -> 3101**********1234."""
    if not value:
        return ""
    v = value.strip()
    if len(v) <= 8:
        return "*" * len(v)
    return v[:4] + "*" * (len(v) - 8) + v[-4:]


def mask_card(value: str | None) -> str:
    """6222021234567891234 -> 6222***********1234."""
    digits = re.sub(r"\D", "", value or "")
    if len(digits) <= 8:
        return "*" * len(digits)
    return digits[:4] + "*" * (len(digits) - 8) + digits[-4:]


def mask_name(value: str | None) -> str:
    """张三 -> 张*, 欧阳娜娜 -> 欧***; Latin names keep the first letter."""
    if not value:
        return ""
    v = value.strip()
    if len(v) <= 1:
        return "*"
    return v[0] + "*" * (len(v) - 1)


def mask_address(value: str | None) -> str:
    """Keep the first 6 characters (province/city), mask the rest."""
    if not value:
        return ""
    v = value.strip()
    keep = min(6, max(1, len(v) // 3))
    return v[:keep] + "*" * (len(v) - keep)


def mask_text(text: str | None) -> str:
    """Mask mobiles, ID numbers and card numbers found inside free text."""
    if not text:
        return ""
    out = _ID_IN_TEXT.sub(lambda m: mask_id(m.group(0)), text)
    out = _MOBILE_IN_TEXT.sub(lambda m: f"{m.group(1)}****{m.group(3)}", out)
    out = _CARD_IN_TEXT.sub(lambda m: mask_card(m.group(0)), out)
    return out


MASKERS = {
    "phone": mask_phone,
    "id_number": mask_id,
    "bank_card": mask_card,
    "name": mask_name,
    "address": mask_address,
    "text": mask_text,
}
