"""The case store's tables: one declaration that ingest, analyses and reports share.

Every record kind reads as a view (``calls``, ``sms``, ...) with the provenance columns
``holder``, ``site``, ``evidence_sha256``, ``sheet`` and ``row_no`` (1-based row as a
spreadsheet shows it), the kind's fields, ``extra`` (unknown source columns as a JSON object,
never dropped) and, where a kind has normalised fields, ``raw``: a JSON object holding, for each
field of the row that could not be normalised (``<field>`` is then NULL), the value exactly as
it was in the file, e.g. ``{"callee": "138****5678"}``; NULL where every field was normalised
(the original text stays in the evidence file, at ``sheet`` / ``row_no``). ``raw_value(field)``
reads it.

Underneath, the rows live in ``<kind>_rows`` with a ``sheet_id`` in place of the four
per-sheet columns, which ``record_sheets`` holds once per ingested sheet (schema 3): writing
four constant columns for every row was a large share of ingest for values that never change
within a sheet (docs/decisions.md). Read the views; only ingest (``records.sheet_id`` then an INSERT into ``<kind>_rows``) writes the tables.

Times are ``TIMESTAMP`` holding Asia/Shanghai wall-clock time (inputs with an explicit
offset are converted). Phone numbers are E.164 strings (``+8613812345678``); the
province, city and carrier of a number live once per 7-digit prefix in
``phone_prefixes`` and are joined, never stored per row.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from qinglian.store import tables

FieldType = Literal["text", "phone", "timestamp", "duration", "int", "bool", "amount", "id_number"]

KINDS: tuple[str, ...] = ("calls", "sms", "customers", "chats", "complaints", "accounts", "payments")

SQL_TYPES: dict[str, str] = {
    "text": "VARCHAR",
    "phone": "VARCHAR",
    "timestamp": "TIMESTAMP",
    "duration": "DOUBLE",
    "int": "BIGINT",
    "bool": "BOOLEAN",
    "amount": "DOUBLE",
    "id_number": "VARCHAR",
}

# Types whose normalisation can fail; the raw text is kept in ``raw`` where it failed.
NORMALISED_TYPES: frozenset[str] = frozenset(
    {"phone", "timestamp", "duration", "int", "bool", "amount", "id_number"}
)


@dataclass(frozen=True)
class Field:
    name: str
    type: FieldType
    doc: str
    # One consumer per row, nearly every value distinct (the called / recipient / listed
    # number): stored uncompressed, since compressing such a column was the largest single cost
    # of writing a call log for little space saved (docs/decisions.md).
    distinct: bool = False


def _f(name: str, type_: FieldType, doc: str, *, distinct: bool = False) -> Field:
    return Field(name, type_, doc, distinct)


FIELDS: dict[str, tuple[Field, ...]] = {
    "calls": (
        _f("account", "text", "dialer account / seat that placed the call"),
        _f("caller", "phone", "calling or displayed number (主叫, 外显号码)"),
        _f("callee", "phone", "called consumer (被叫号码)", distinct=True),
        _f("started_at", "timestamp", "call start"),
        _f("ended_at", "timestamp", "call end, where exported"),
        _f("duration_s", "duration", "talk time in seconds"),
        _f("answered", "bool", "call connected (接通状态)"),
        _f("intent_grade", "text", "dialer's intent grade (意向等级), e.g. A/B/C/D"),
        _f("consumer_turns", "int", "times the consumer spoke (客户说话次数, 对话轮次)"),
        _f("transcript", "text", "recording transcript (通话内容, 录音文本)"),
        _f("task", "text", "dialer task / campaign name (任务名称)"),
        _f("script", "text", "script used (话术)"),
        _f("handset", "text", "handset / SIM / gateway port, where exported"),
    ),
    "sms": (
        _f("account", "text", "platform account that sent (发送账号)"),
        _f("signature", "text", "SMS signature (签名), e.g. 【某某金融】"),
        _f("recipient", "phone", "recipient number (手机号码)", distinct=True),
        _f("sent_at", "timestamp", "send time"),
        _f("content", "text", "message text"),
        _f("status", "text", "delivery status as exported"),
    ),
    "customers": (
        _f("name", "text", "consumer name"),
        _f("phone", "phone", "consumer phone", distinct=True),
        _f("id_number", "id_number", "resident ID number (身份证号)"),
        _f("address", "text", "address"),
        _f("employer", "text", "employer (工作单位) or company"),
        _f("credit_info", "text", "debts, credit record (负债, 征信)"),
        _f("source", "text", "where the list says the record came from (来源)"),
    ),
    "chats": (
        _f("chat", "text", "conversation / group name"),
        _f("sender", "text", "sender"),
        _f("receiver", "text", "receiver"),
        _f("sent_at", "timestamp", "message time"),
        _f("text", "text", "message text"),
    ),
    "complaints": (
        _f("complaint_id", "text", "complaint number"),
        _f("received_at", "timestamp", "received"),
        _f("complainant", "phone", "complainant's phone", distinct=True),
        _f("caller", "phone", "number that called the complainant"),
        _f("text", "text", "complaint text"),
        _f("respondent", "text", "company complained about"),
    ),
    "accounts": (
        _f("account", "text", "account id at the vendor / platform"),
        _f("customer", "text", "customer (company) that holds the account"),
        _f("opened_at", "timestamp", "opened"),
        _f("province", "text", "province"),
        _f("seats", "int", "seats / concurrent lines"),
    ),
    "payments": (
        _f("payer", "text", "payer"),
        _f("payee", "text", "payee"),
        _f("amount", "amount", "amount in CNY"),
        _f("paid_at", "timestamp", "time of payment"),
        _f("memo", "text", "memo / purpose (备注)"),
    ),
}

PROVENANCE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("holder", "VARCHAR NOT NULL"),
    ("site", "VARCHAR"),
    ("evidence_sha256", "VARCHAR NOT NULL"),
    ("sheet", "VARCHAR"),
    ("row_no", "BIGINT NOT NULL"),
)

# Free-text fields that content analysis reads, per kind.
TEXT_FIELDS: dict[str, tuple[str, ...]] = {
    "calls": ("transcript", "script"),
    "sms": ("content",),
    "chats": ("text",),
    "complaints": ("text",),
    "payments": ("memo",),
}


def fields(kind: str) -> tuple[Field, ...]:
    return FIELDS[kind]


def field_names(kind: str) -> list[str]:
    return [f.name for f in FIELDS[kind]]


def columns(kind: str) -> list[tuple[str, str]]:
    """(name, SQL type) of every column of a record kind's view, in order."""
    cols: list[tuple[str, str]] = list(PROVENANCE_COLUMNS)
    for f in FIELDS[kind]:
        cols.append((f.name, SQL_TYPES[f.type]))
    if has_raw_column(kind):
        cols.append(("raw", "JSON"))
    cols.append(("extra", "JSON"))
    return cols


def has_raw_column(kind: str) -> bool:
    return any(f.type in NORMALISED_TYPES for f in FIELDS[kind])


def raw_value(field: str) -> str:
    """SQL for a field's raw text where it could not be normalised (NULL where it was)."""
    if not field.isidentifier():
        raise ValueError(field)
    return f"json_extract_string(\"raw\", '$.{field}')"


# Tables that are not record kinds: declared with every other table in qinglian.store.tables.
SUPPORT_TABLES: tuple[str, ...] = (
    "evidence", "phone_prefixes", "phone_prefix_sources", "ingest_notes", "custody_head", "findings",
    "analysis_runs",
)
SUPPORT_DDL: tuple[str, ...] = tuple(tables.table(n).ddl() for n in SUPPORT_TABLES)

# One row per ingested sheet of an evidence file (a CSV is one sheet, ``sheet`` NULL).
SHEETS_DDL = tables.RECORD_SHEETS.ddl()

SHEET_COLUMNS: tuple[str, ...] = ("holder", "site", "evidence_sha256", "sheet")


def rows_table(kind: str) -> str:
    """The table that stores a kind's rows (read the view named ``kind`` instead)."""
    if kind not in FIELDS:
        raise ValueError(kind)
    return f"{kind}_rows"


def row_columns(kind: str) -> list[tuple[str, str]]:
    """(name, SQL type) of the columns of ``<kind>_rows``, in table order."""
    return [("sheet_id", "INTEGER NOT NULL")] + [(n, t) for n, t in columns(kind) if n not in SHEET_COLUMNS]


def record_ddl(kind: str) -> list[str]:
    """The rows table of a kind and the view that reads it with its sheet's provenance."""
    from qinglian.store.sqlident import quote_ident as q

    distinct = {f.name for f in FIELDS[kind] if f.distinct}
    cols = ",\n    ".join(
        f"{q(n)} {t}" + (" USING COMPRESSION uncompressed" if n in distinct else "") for n, t in row_columns(kind)
    )
    select = ", ".join(f"s.{q(n)}" if n in SHEET_COLUMNS else f"r.{q(n)}" for n, _ in columns(kind))
    return [
        f"CREATE TABLE IF NOT EXISTS {q(rows_table(kind))} (\n    {cols}\n)",
        f"CREATE VIEW IF NOT EXISTS {q(kind)} AS SELECT {select} "
        f"FROM {q(rows_table(kind))} r JOIN record_sheets s ON s.sheet_id = r.sheet_id",
    ]


def all_ddl() -> list[str]:
    return [*SUPPORT_DDL, SHEETS_DDL, *(ddl for k in KINDS for ddl in record_ddl(k))]
