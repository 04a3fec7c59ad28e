"""Where PI is looked for: mapped columns of the record tables and their free-text fields.

Declared as data so a report can say exactly which columns were read. Category names are
those of qinglian/data/pi_thresholds.yaml.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Check = Literal["phone", "id", "name", "content", "address"]


@dataclass(frozen=True)
class ColumnSource:
    """A mapped column whose non-empty, valid values are PI of the row's data subject."""

    table: str
    column: str
    category: str
    check: Check
    mask: str  # key of qinglian.privacy.MASKERS for samples


@dataclass(frozen=True)
class Subject:
    """How a table's row names its data subject: an ID column and/or a phone column."""

    id_column: str | None = None
    phone_column: str | None = None


@dataclass(frozen=True)
class TextSource:
    """A free-text column; PI found in it belongs to the people it names, or to the row's subject."""

    table: str
    column: str
    json_cells: bool = False  # the ``extra`` JSON object of unknown columns
    exclude_phone: str | None = None  # a phone column whose number in the text is not a subject


SUBJECTS: dict[str, Subject] = {
    "customers": Subject(id_column="id_number", phone_column="phone"),
    "calls": Subject(phone_column="callee"),
    "sms": Subject(phone_column="recipient"),
    "complaints": Subject(phone_column="complainant"),
}

COLUMN_SOURCES: tuple[ColumnSource, ...] = (
    ColumnSource("customers", "phone", "contact", "phone", "phone"),
    ColumnSource("customers", "id_number", "identity", "id", "id_number"),
    ColumnSource("customers", "name", "identity", "name", "name"),
    ColumnSource("customers", "address", "address", "address", "address"),
    ColumnSource("customers", "employer", "employer", "content", "address"),
    ColumnSource("customers", "credit_info", "credit", "content", "text"),
    ColumnSource("calls", "callee", "comm_record", "phone", "phone"),
    ColumnSource("sms", "recipient", "comm_record", "phone", "phone"),
    ColumnSource("complaints", "complainant", "contact", "phone", "phone"),
)

TEXT_SOURCES: tuple[TextSource, ...] = (
    TextSource("calls", "transcript", exclude_phone="caller"),
    TextSource("sms", "content"),
    TextSource("chats", "text"),
    TextSource("complaints", "text", exclude_phone="caller"),
    TextSource("payments", "memo"),
    *(
        TextSource(table, "extra", json_cells=True)
        for table in ("customers", "calls", "sms", "chats", "complaints", "accounts", "payments")
    ),
)
