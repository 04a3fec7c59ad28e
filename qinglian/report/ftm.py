"""FollowTheMoney export (JSON lines) for Aleph: Company, Person, Call, Message, Payment, Document, links.

Every record entity carries ``proof`` (the evidence file as a Document, whose summary holds
the full SHA-256) and a ``recordId`` "sha12/sheet/row". Phone numbers are E.164, as FtM
requires (it drops anything else). Without ``--reveal`` no number is exported at all:
consumers become Persons named by the masked number with an id keyed by a random per-export
salt, so ids cannot be reversed into numbers; people named in chats and payments are masked and
keyed the same way, and every text passes the Redactor with the case's name matcher.

Entities are plain dicts in FtM's own form, not ``EntityProxy`` objects, and values are made clean
where they are made (ISO dates, our ids, texts through FtM's ``sanitize_text`` once per distinct
text). The few thousand entities here (files, companies, chats, payments) are made in Python; the
million consumers, calls, SMS and finding notes in DuckDB (``ftm_bulk``). Property names are
checked against the model.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import orjson
import pyarrow as pa
from followthemoney import model
from followthemoney.types import registry
from followthemoney.util import sanitize_text

from qinglian.privacy import NameMatcher
from qinglian.report.ftm_bulk import Bulk
from qinglian.report.privacy import Redactor, hash_text
from qinglian.report.provenance import Head, made_from
from qinglian.report.tables import Memo

# Ids are SHA-1 hex with the digits spelt as letters: no run of digits in an id can be
# mistaken for (or scanned as) a phone number.
_DIGITS_AS_LETTERS = bytes.maketrans(b"0123456789", b"ghijklmnop")


def entity_id(schema: str, *key: Any) -> str:
    raw = "\x1f".join(("qinglian", schema, *map(str, key)))
    return "ql-" + hashlib.sha1(raw.encode("utf-8")).hexdigest().encode("ascii").translate(_DIGITS_AS_LETTERS).decode("ascii")


_CHECKED: set[tuple[str, str]] = set()
# Times leave the store as FtM's ISO text: converting a million of them to datetime and back cost seconds.
_ISO = "strftime({}, '%Y-%m-%dT%H:%M:%S')"


class Entity:
    """One FtM entity as the JSON FtM writes; ``add`` takes values already clean for their type."""

    __slots__ = ("id", "properties", "schema")

    def __init__(self, schema: str, entity_id: str) -> None:
        self.id = entity_id
        self.schema = schema
        self.properties: dict[str, list[str]] = {}

    def add(self, prop: str, value: str | None) -> None:
        if (self.schema, prop) not in _CHECKED:
            found = model.get(self.schema)
            if found is None or found.get(prop) is None:
                raise KeyError(f"FtM schema {self.schema} has no property {prop}")
            _CHECKED.add((self.schema, prop))
        if value:
            values = self.properties.setdefault(prop, [])
            if value not in values:
                values.append(value)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "schema": self.schema, "properties": self.properties}


class Exporter:
    def __init__(self, con: duckdb.DuckDBPyConnection, redactor: Redactor, holder: str | None) -> None:
        self.con = con
        self.r = redactor
        self.holder = holder
        self.salt = "reveal" if redactor.reveal else secrets.token_hex(16)
        self.seen: set[str] = set()
        # scripts, signatures and file names repeat from record to record
        self._masked = Memo(lambda v: sanitize_text(redactor.text(v)) or "")
        self._ids: dict[tuple[Any, ...], str] = {}
        self._record_prefix: dict[tuple[str, str | None], str] = {}

    def text(self, value: str | None) -> str:
        return "" if value is None else self._masked(value)

    # -- helpers --------------------------------------------------------------------------------
    def make(self, schema: str, *key: Any) -> Entity:
        return Entity(schema, entity_id(schema, *key))

    def ref(self, schema: str, *key: Any) -> str:
        """The id of an entity referred to from many records (a holder, a file), made once."""
        k = (schema, *key)
        found = self._ids.get(k)
        if found is None:
            found = self._ids[k] = entity_id(schema, *key)
        return found

    def once(self, e: Entity) -> Iterator[Entity]:
        if e.id not in self.seen:
            self.seen.add(e.id)
            yield e

    def company(self, name: str) -> Entity:
        e = Entity("Company", self.ref("Company", name))
        e.add("name", sanitize_text(name))
        return e

    def party(self, name: str) -> Entity:
        # Keyed by the raw name under the export's salt: masked names (张*) would merge people.
        e = self.make("LegalEntity", self.salt, name)
        e.add("name", sanitize_text(self.r.name(name)))
        return e

    def document(self, sha: str, file_name: str | None) -> Entity:
        e = Entity("Document", self.ref("Document", sha))
        e.add("fileName", self.text(file_name) or hash_text(sha[:12]))
        e.add("summary", f"SHA-256 {hash_text(sha)}")  # FtM's contentHash holds SHA-1 only
        return e

    def record_id(self, sha: str, sheet: str | None, row_no: int) -> str:
        key = (sha, sheet)
        prefix = self._record_prefix.get(key)
        if prefix is None:  # a sheet's name is seized text: cleaned once per sheet
            prefix = self._record_prefix[key] = f"{hash_text(sha[:12])}/{sanitize_text(sheet) or ''}/"
        return f"{prefix}{row_no}"

    def _where(self, alias: str = "r") -> tuple[str, list[Any]]:
        if self.holder is None:
            return "", []
        return f" WHERE {alias}.holder = ?", [self.holder]

    def _rows(self, sql: str, params: list[Any]) -> Iterator[tuple[Any, ...]]:
        cur = self.con.execute(sql, params)
        while rows := cur.fetchmany(10_000):
            yield from rows

    # -- entities -------------------------------------------------------------------------------
    def documents(self) -> Iterator[Entity]:
        where, params = self._where("e")
        for sha, fname in self._rows(f"SELECT sha256, file_name FROM evidence e{where}", params):
            yield from self.once(self.document(str(sha), fname))

    def holders(self) -> Iterator[Entity]:
        from qinglian.report.data import holders

        for h in holders(self.con):
            if self.holder is None or h == self.holder:
                yield from self.once(self.company(h))

    def chats(self) -> Iterator[Entity]:
        where, params = self._where()
        for chat, sender, receiver, sent, text, sha, sheet, row_no in self._rows(
            f"SELECT chat, sender, receiver, {_ISO.format('sent_at')}, text, evidence_sha256, sheet, row_no "
            f"FROM chats r{where}", params
        ):
            who = self.party(str(sender or "（未知发送人）"))
            yield from self.once(who)
            msg = self.make("Message", sha, sheet, row_no)
            msg.add("sender", who.id)
            if receiver:
                to = self.party(str(receiver))
                yield from self.once(to)
                msg.add("recipients", to.id)
            msg.add("bodyText", self.text(text) or "（空）")
            if chat:
                msg.add("threadTopic", self.text(chat))
            if sent is not None:
                msg.add("date", sent)
            msg.add("proof", self.ref("Document", sha))
            msg.add("recordId", self.record_id(sha, sheet, row_no))
            yield msg

    def payments(self) -> Iterator[Entity]:
        where, params = self._where()
        for payer, payee, amount, paid, memo, sha, sheet, row_no in self._rows(
            f"SELECT payer, payee, amount, {_ISO.format('paid_at')}, memo, evidence_sha256, sheet, row_no "
            f"FROM payments r{where}", params
        ):
            a = self.party(str(payer or "（未知付款方）"))
            b = self.party(str(payee or "（未知收款方）"))
            yield from self.once(a)
            yield from self.once(b)
            pay = self.make("Payment", sha, sheet, row_no)
            pay.add("payer", a.id)
            pay.add("beneficiary", b.id)
            if amount is not None:
                pay.add("amount", registry.number.clean(str(amount)))
            pay.add("currency", "CNY")
            if paid is not None:
                pay.add("date", paid)
            if memo:
                pay.add("purpose", self.text(memo))
            pay.add("proof", self.ref("Document", sha))
            pay.add("recordId", self.record_id(sha, sheet, row_no))
            yield pay

    def accounts(self) -> Iterator[Entity]:
        """The vendor's account table: vendor —(account)→ customer company."""
        where, params = self._where()
        if self.holder is not None:  # a holder's report: the accounts that serve it
            where, params = " WHERE r.holder = ? OR r.customer = ?", [self.holder, self.holder]
        for vendor, account, customer, sha, sheet, row_no in self._rows(
            "SELECT holder, account, customer, evidence_sha256, sheet, row_no "
            f"FROM accounts r{where}", params
        ):
            v = self.company(str(vendor))
            yield from self.once(v)
            c = self.company(str(customer or "（未知客户）"))
            yield from self.once(c)
            link = self.make("UnknownLink", sha, sheet, row_no)
            link.add("subject", v.id)
            link.add("object", c.id)
            link.add("role", sanitize_text(f"外呼/短信平台账号 {account}"))
            link.add("proof", self.ref("Document", sha))
            link.add("recordId", self.record_id(sha, sheet, row_no))
            yield link

    def provenance(self, head: Head | None) -> Iterator[Entity]:
        """A note on the export itself: the custody head the case was read at."""
        if head is None:
            return
        note = self.make("Note", "export", head.seq, head.hash)
        note.add("name", sanitize_text(head.label()))
        note.add("description", sanitize_text(head.colophon()))
        yield note

    def all(self, head: Head | None = None) -> Iterator[Entity]:
        yield from self.provenance(head)
        yield from self.documents()
        yield from self.holders()
        yield from self.accounts()
        yield from self.chats()
        yield from self.payments()


def write_ftm(con: duckdb.DuckDBPyConnection, path: Path, *, reveal: bool, holder: str | None,
              names: NameMatcher | None = None, masks: pa.Table | None = None) -> int:
    """Write the export; returns its number of entities."""
    n = 0
    exporter = Exporter(con, Redactor(reveal, names), holder)
    with path.open("wb") as fh:
        for e in exporter.all(made_from(con)):
            fh.write(orjson.dumps(e.to_dict(), option=orjson.OPT_SORT_KEYS | orjson.OPT_APPEND_NEWLINE))
            n += 1
        for block, rows in Bulk(con, exporter.r, holder, exporter.salt, masks).lines():
            fh.write(block)
            n += rows
    return n

