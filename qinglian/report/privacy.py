"""The report's masking policy: every value that reaches an output passes through a ``Redactor``.

Without ``--reveal`` phone-like columns are masked with ``mask_phone`` and every other string
with ``mask_text`` (mobiles, ID and card numbers inside free text); with ``--reveal`` values
pass unchanged (and the run is written to the custody log by ``run.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from qinglian.privacy import mask_id, mask_phone, mask_text

# Column names (in any table) whose values are phone numbers.
PHONE_COLUMNS: frozenset[str] = frozenset(
    {"caller", "callee", "recipient", "phone", "number", "complainant", "calling_number", "msisdn"}
)
ID_COLUMNS: frozenset[str] = frozenset({"id_number"})


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
        if self.reveal:
            return value
        col = column.lower()
        if col in PHONE_COLUMNS:
            return mask_phone(value) if any(c.isdigit() for c in value) else mask_text(value)
        if col in ID_COLUMNS:
            return mask_id(value)
        return mask_text(value)
