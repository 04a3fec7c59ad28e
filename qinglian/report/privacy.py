"""The report's masking policy: every value that reaches an output passes through a ``Redactor``.

Without ``--reveal`` phone-like columns are masked with ``mask_phone``, person names in name-like
columns with ``mask_name`` and every other string with ``mask_text`` (numbers in any form,
addresses); the case's own names (customer lists, chat parties, payers) are masked wherever they
occur, free text included, by a ``NameMatcher`` built once per report (``case_names``). With
``--reveal`` values pass unchanged (and the run is written to the custody log first by ``run.py``).
"""

from __future__ import annotations

import re
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import duckdb

from qinglian.privacy import (
    NameMatcher,
    mask_address,
    mask_id,
    mask_name,
    mask_phone,
    mask_text,
    person_like,
    searchable_name,
)
from qinglian.store.sqlident import quote_ident

__all__ = ["NAME_COLUMNS", "PHONE_COLUMNS", "Redactor", "case_names", "hash_text", "names_in_force",
           "person_like"]

# Column names (in any table) whose values are phone numbers.
PHONE_COLUMNS: frozenset[str] = frozenset(
    {"caller", "callee", "recipient", "phone", "number", "complainant", "calling_number", "msisdn"}
)
ID_COLUMNS: frozenset[str] = frozenset({"id_number"})
# Column names whose values may be a person's name (or an organisation's, which stays).
NAME_COLUMNS: frozenset[str] = frozenset(
    {"name", "payer", "payee", "sender", "receiver", "staff", "contact", "record_name", "canonical_name"}
)
ADDRESS_COLUMNS: frozenset[str] = frozenset({"address"})

# Where a case keeps people's names, and where it keeps organisations' (kept readable).
_NAME_SOURCES: tuple[tuple[str, str], ...] = (
    ("customers", "name"), ("chats", "sender"), ("chats", "receiver"), ("payments", "payer"),
    ("payments", "payee"),
)
_ORG_SOURCES: tuple[tuple[str, str], ...] = (
    ("evidence", "holder"), ("accounts", "customer"), ("complaints", "respondent"), ("customers", "employer"),
)


def case_names(con: duckdb.DuckDBPyConnection) -> NameMatcher:
    """Every person's name the case holds, for masking in free text; holders and companies stay."""
    tables = {str(r[0]): {str(c) for c in str(r[1]).split(",")} for r in con.execute(
        "SELECT table_name, string_agg(column_name, ',') FROM information_schema.columns "
        "WHERE table_schema = 'main' GROUP BY 1").fetchall()}

    def values(sources: tuple[tuple[str, str], ...]) -> set[str]:
        out: set[str] = set()
        for table, column in sources:
            if column not in tables.get(table, set()):
                continue
            out.update(str(r[0]) for r in con.execute(
                f"SELECT DISTINCT {quote_ident(column)} FROM {quote_ident(table)} "
                f"WHERE {quote_ident(column)} IS NOT NULL").fetchall())
        return out

    people = {v.strip() for v in values(_NAME_SOURCES) if searchable_name(v)}
    return NameMatcher(people, keep=(v for v in values(_ORG_SOURCES) if v.strip() not in people))


# The names of the case whose report is being written; Redactors made without names use them.
_NAMES: ContextVar[NameMatcher | None] = ContextVar("qinglian_report_names", default=None)


class names_in_force:
    """``with names_in_force(matcher):`` every Redactor made inside masks these names."""

    def __init__(self, names: NameMatcher | None) -> None:
        self.names = names

    def __enter__(self) -> NameMatcher | None:
        self._token = _NAMES.set(self.names)
        return self.names

    def __exit__(self, *exc: object) -> None:
        _NAMES.reset(self._token)


_HEX_ID = re.compile(r"[0-9a-f]{32,}")


@dataclass(frozen=True)
class Redactor:
    reveal: bool = False
    names: NameMatcher | None = None

    @property
    def matcher(self) -> NameMatcher | None:
        return self.names if self.names is not None else _NAMES.get()

    def name(self, value: str | None) -> str:
        """A name anywhere: masked when it is a person's or one of the case's names."""
        if value is None:
            return ""
        if self.reveal:
            return value
        if person_like(value):
            return mask_name(value)
        return mask_text(value, self.matcher)

    def phone(self, value: str | None) -> str:
        if value is None:
            return ""
        return value if self.reveal else mask_phone(value)

    def text(self, value: str | None) -> str:
        if value is None:
            return ""
        return value if self.reveal else mask_text(value, self.matcher)

    def cell(self, column: str, value: Any) -> Any:
        """A table cell: strings are masked by column meaning; numbers and dates pass."""
        if value is None or isinstance(value, bool | int | float):
            return value
        if not isinstance(value, str):
            value = str(value)
        if _HEX_ID.search(value):  # hashes and ids: shown cut (hash_text), never masked into nonsense
            pieces = _HEX_ID.split(value)
            ids = [hash_text(m) for m in _HEX_ID.findall(value)]
            masked = [p if self.reveal else mask_text(p, self.matcher) for p in pieces]
            return "".join(a + b for a, b in zip(masked, [*ids, ""], strict=True))
        if self.reveal:
            return value
        col = column.lower()
        if col in PHONE_COLUMNS:
            return mask_phone(value) if any(c.isdigit() for c in value) else mask_text(value, self.matcher)
        if col in ID_COLUMNS:
            return mask_id(value)
        if col in NAME_COLUMNS and person_like(value):
            return mask_name(value)
        if col in ADDRESS_COLUMNS:
            return mask_address(value)
        return mask_text(value, self.matcher)


_LONG_DIGIT_RUN = re.compile(r"\d{11,}")


def hash_text(value: str) -> str:
    """A hash as printed in outputs: runs of 11+ decimal digits inside it are cut with '-'.

    SHA-256 hex now and then holds a run like 13912345678; printed as is, it would read (and
    scan) as a mobile number. Cutting the run into groups of 8 keeps the hash recognisable.
    """
    return _LONG_DIGIT_RUN.sub(
        lambda m: "-".join(m.group()[i : i + 8] for i in range(0, len(m.group()), 8)), value
    )
