"""The report's masking policy: every value that reaches an output passes through a ``Redactor``.

Without ``--reveal`` phone-like columns are masked with ``mask_phone``, person names in name-like
columns with ``mask_name`` and every other string with ``mask_text`` (mobiles, ID and card numbers
inside free text); with ``--reveal`` values
pass unchanged (and the run is written to the custody log by ``run.py``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from qinglian.privacy import mask_id, mask_name, mask_phone, mask_text

# Column names (in any table) whose values are phone numbers.
PHONE_COLUMNS: frozenset[str] = frozenset(
    {"caller", "callee", "recipient", "phone", "number", "complainant", "calling_number", "msisdn"}
)
ID_COLUMNS: frozenset[str] = frozenset({"id_number"})
# Column names whose values may be a person's name (or an organisation's, which stays).
NAME_COLUMNS: frozenset[str] = frozenset(
    {"name", "payer", "payee", "sender", "receiver", "staff", "contact", "record_name", "canonical_name"}
)
_PERSON = re.compile(r"[\u4e00-\u9fff·]{2,4}")
_ORGANISATION = re.compile(r"公司|中心|银行|平台|集团|事务所|工作室|商行|店|部|厂|社|局|院|会|所|处")


def person_like(value: str) -> bool:
    """Two to four Chinese characters naming no organisation: treated as a person's name."""
    v = re.sub(r"\s+", "", value)
    return bool(_PERSON.fullmatch(v)) and not _ORGANISATION.search(v)


_HEX_ID = re.compile(r"[0-9a-f]{32,}")


@dataclass(frozen=True)
class Redactor:
    reveal: bool = False

    def phone(self, value: str | None) -> str:
        if value is None:
            return ""
        return value if self.reveal else mask_phone(value)

    def text(self, value: str | None) -> str:
        if value is None:
            return ""
        return value if self.reveal else mask_text(value)

    def cell(self, column: str, value: Any) -> Any:
        """A table cell: strings are masked by column meaning; numbers and dates pass."""
        if value is None or isinstance(value, bool | int | float):
            return value
        if not isinstance(value, str):
            value = str(value)
        if _HEX_ID.search(value):  # hashes and ids: shown cut (hash_text), never masked into nonsense
            pieces = _HEX_ID.split(value)
            ids = [hash_text(m) for m in _HEX_ID.findall(value)]
            masked = [p if self.reveal else mask_text(p) for p in pieces]
            return "".join(a + b for a, b in zip(masked, [*ids, ""], strict=True))
        if self.reveal:
            return value
        col = column.lower()
        if col in PHONE_COLUMNS:
            return mask_phone(value) if any(c.isdigit() for c in value) else mask_text(value)
        if col in ID_COLUMNS:
            return mask_id(value)
        if col in NAME_COLUMNS and person_like(value):
            return mask_name(value)
        return mask_text(value)


_LONG_DIGIT_RUN = re.compile(r"\d{11,}")


def hash_text(value: str) -> str:
    """A hash as printed in outputs: runs of 11+ decimal digits inside it are cut with '-'.

    SHA-256 hex now and then holds a run like 13912345678; printed as is, it would read (and
    scan) as a mobile number. Cutting the run into groups of 8 keeps the hash recognisable.
    """
    return _LONG_DIGIT_RUN.sub(
        lambda m: "-".join(m.group()[i : i + 8] for i in range(0, len(m.group()), 8)), value
    )
