"""The bulk of the FtM export — consumers, calls, SMS and the finding notes — made by DuckDB.

These are a million entities; made one by one in Python they took half a minute. Here each is one
``to_json`` row of a query, with ids hashed in SQL exactly as ``ftm.entity_id`` does, and masking
done in Python once per distinct text or number (tables ``ftm_text`` and ``ftm_phone``), joined back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import duckdb
import orjson
import pyarrow as pa
from followthemoney import model
from followthemoney.types import registry
from followthemoney.util import sanitize_text

from qinglian.labels import LABEL_ZH
from qinglian.privacy import mask_texts
from qinglian.report.evidence import REFS_JOIN, prepare, split_law
from qinglian.report.privacy import Redactor, hash_text
from qinglian.store.sqlident import quote_literal as lit

_BATCH = 50_000


def id_sql(schema: str, *keys: str) -> str:
    """``ftm.entity_id(schema, *keys)`` as SQL over key expressions (None hashes as 'None', as str() does)."""
    parts = ", ".join(["'qinglian'", lit(schema), *(f"coalesce(CAST({k} AS VARCHAR), 'None')" for k in keys)])
    return f"('ql-' || translate(sha1(concat_ws(chr(31), {parts})), '0123456789', 'ghijklmnop'))"


def entity_sql(schema: str, entity_id: str, props: list[tuple[str, str]]) -> str:
    """One FtM entity as JSON; ``props`` are (property, SQL text or NULL) and empty ones are left out."""
    for prop, _ in props:
        found = model.get(schema)
        if found is None or found.get(prop) is None:
            raise KeyError(f"FtM schema {schema} has no property {prop}")
    # The JSON is spelt out (to_json escapes each value): an empty value makes its piece NULL, and
    # concat_ws leaves NULL pieces out.
    pieces = ", ".join(
        f"{lit(orjson.dumps(p).decode() + ':[')} || to_json(nullif(CAST({expr} AS VARCHAR), '')) || ']'"
        for p, expr in props)
    return (f"'{{\"id\":\"' || {entity_id} || '\",\"properties\":{{' || concat_ws(',', {pieces}) || "
            f"'}},\"schema\":\"{schema}\"}}' || chr(10)")


def _cites(alias: str) -> list[tuple[str, str]]:
    """A record entity's evidence file and "sha12/sheet/row" (``s``: the ftm_src row of its file and sheet)."""
    return [("proof", id_sql("Document", f"{alias}.evidence_sha256")),
            ("recordId", f"s.prefix || CAST({alias}.row_no AS VARCHAR)")]


@dataclass
class Bulk:
    con: duckdb.DuckDBPyConnection
    redactor: Redactor
    holder: str | None
    salt: str
    masks: pa.Table | None = None  # (v, m): texts masked already (report.masks)

    def _where(self, alias: str) -> str:
        return "" if self.holder is None else f" AND {alias}.holder = $holder"

    def _params(self) -> dict[str, str]:
        return {} if self.holder is None else {"holder": self.holder}

    def _register(self, name: str, columns: dict[str, pa.Array]) -> None:
        self.con.register(name, pa.table(columns))

    def _distinct(self, selects: list[str]) -> list[str]:
        union = " UNION ".join(selects)
        rows = self.con.execute(f"SELECT v FROM ({union}) WHERE v IS NOT NULL AND v <> ''", self._params()).fetchall()
        return [str(r[0]) for r in rows]

    def prepare_maps(self) -> None:
        """The masked forms of every text and number the bulk entities carry, once per value."""
        r = self.redactor
        w = self._where
        texts = self._distinct([
            f"SELECT transcript AS v FROM calls r WHERE TRUE{w('r')}",
            f"SELECT content AS v FROM sms r WHERE TRUE{w('r')}",
            f"SELECT signature AS v FROM sms r WHERE TRUE{w('r')}",
            f"SELECT quote AS v FROM findings r WHERE TRUE{w('r')}",
        ])
        known: dict[str, str] = {} if self.masks is None else dict(
            zip(self.masks.column("v").to_pylist(), self.masks.column("m").to_pylist(), strict=True))
        missing = [v for v in texts if v not in known]
        known.update(zip(missing, missing if r.reveal else mask_texts(missing, r.matcher), strict=True))
        self._register("ftm_text", {"v": pa.array(texts, pa.string()),
                                    "m": pa.array([sanitize_text(known[v]) or "" for v in texts], pa.string())})
        numbers = self._distinct([
            f"SELECT caller AS v FROM calls r WHERE TRUE{w('r')}",
            f"SELECT callee AS v FROM calls r WHERE TRUE{w('r')}",
            f"SELECT recipient AS v FROM sms r WHERE TRUE{w('r')}",
        ])
        e164: Callable[[str], str | None] = registry.phone.clean
        self._register("ftm_phone", {
            "v": pa.array(numbers, pa.string()),
            "m": pa.array([sanitize_text(r.phone(v)) or "" for v in numbers], pa.string()),
            "e164": pa.array([(e164(v) or "") if r.reveal else "" for v in numbers], pa.string()),
        })
        sources = self.con.execute(
            "SELECT DISTINCT evidence_sha256, sheet FROM (SELECT evidence_sha256, sheet FROM calls UNION ALL "
            "SELECT evidence_sha256, sheet FROM sms UNION ALL SELECT evidence_sha256, sheet FROM findings) "
            "WHERE evidence_sha256 IS NOT NULL").fetchall()
        self._register("ftm_src", {
            "sha": pa.array([str(s) for s, _ in sources], pa.string()),
            "sheet": pa.array([None if sh is None else str(sh) for _, sh in sources], pa.string()),
            "prefix": pa.array([f"{hash_text(str(s)[:12])}/{sanitize_text(sh) or ''}/" for s, sh in sources],
                               pa.string()),
        })
        laws = [str(v[0]) for v in self.con.execute("SELECT DISTINCT law FROM findings WHERE law IS NOT NULL").fetchall()]
        self._register("ftm_law", {"v": pa.array(laws, pa.string()),
                                   "ids": pa.array([split_law(v) for v in laws], pa.list_(pa.string()))})

    def _src_join(self, alias: str) -> str:
        return (f"LEFT JOIN ftm_src s ON s.sha = {alias}.evidence_sha256 "
                f"AND s.sheet IS NOT DISTINCT FROM {alias}.sheet")

    def persons_sql(self) -> str:
        salt = lit(self.salt)
        reveal = self.redactor.reveal
        w = self._where
        return (
            f"SELECT {entity_sql('Person', id_sql('Person', salt, 'p.v'), [('name', 'p.v' if reveal else 'p.m'), ('phone', 'p.e164')])} "
            f"FROM ftm_phone p WHERE p.v IN (SELECT callee FROM calls r WHERE TRUE{w('r')} "
            f"UNION SELECT recipient FROM sms r WHERE TRUE{w('r')})"
        )

    def calls_sql(self) -> str:
        salt = lit(self.salt)
        props = [
            ("caller", id_sql("Company", "r.holder")),
            ("receiver", f"CASE WHEN r.callee <> '' THEN {id_sql('Person', salt, 'r.callee')} END"),
        ]
        if self.redactor.reveal:
            props += [("callerNumber", "pa.e164"), ("receiverNumber", "pb.e164")]
        else:
            props += [("description", "'主叫 ' || coalesce(pa.m, '') || '，被叫 ' || coalesce(pb.m, '')")]
        props += [
            ("date", "strftime(r.started_at, '%Y-%m-%dT%H:%M:%S')"),
            ("duration", "CAST(round_even(r.duration_s::DOUBLE, 0) AS BIGINT)"),
            ("summary", "t.m"),
            *_cites("r"),
        ]
        return (
            f"SELECT {entity_sql('Call', id_sql('Call', 'r.evidence_sha256', 'r.sheet', 'r.row_no'), props)} "
            "FROM calls r LEFT JOIN ftm_phone pa ON pa.v = r.caller LEFT JOIN ftm_phone pb ON pb.v = r.callee "
            f"LEFT JOIN ftm_text t ON t.v = r.transcript {self._src_join('r')} WHERE TRUE{self._where('r')}"
        )

    def sms_sql(self) -> str:
        salt = lit(self.salt)
        props = [
            ("sender", id_sql("Company", "r.holder")),
            ("bodyText", "coalesce(nullif(t.m, ''), '（空）')"),
            ("subject", "g.m"),
            ("recipients", f"CASE WHEN r.recipient <> '' THEN {id_sql('Person', salt, 'r.recipient')} END"),
            ("date", "strftime(r.sent_at, '%Y-%m-%dT%H:%M:%S')"),
            *_cites("r"),
        ]
        return (
            f"SELECT {entity_sql('Message', id_sql('Message', 'r.evidence_sha256', 'r.sheet', 'r.row_no'), props)} "
            "FROM sms r LEFT JOIN ftm_text t ON t.v = r.content LEFT JOIN ftm_text g ON g.v = r.signature "
            f"{self._src_join('r')} WHERE TRUE{self._where('r')}"
        )

    def findings_sql(self) -> str:
        """One Note per cited record with its findings, on the Call/Message/Payment (else the Document)."""
        zh = "MAP {" + ", ".join(f"{lit(k)}: {lit(v)}" for k, v in sorted(LABEL_ZH.items())) + "}"
        on_record = " ".join(f"WHEN g.kind = {lit(k)} THEN {id_sql(s, 'g.evidence_sha256', 'g.sheet', 'g.row_no')}"
                             for k, s in (("calls", "Call"), ("sms", "Message"), ("chats", "Message"),
                                          ("payments", "Payment")))
        entity = (f"CASE WHEN g.resolved AND g.kind IN ('calls', 'sms', 'chats', 'payments') THEN (CASE {on_record} END) "
                  f"WHEN g.known THEN {id_sql('Document', 'g.evidence_sha256')} END")
        labels = f"array_to_string(list_transform(g.labels, lambda l: coalesce({zh}[l], l)), '、')"
        rules = "array_to_string(list_filter(g.rules, lambda x: x IS NOT NULL AND x <> ''), '、')"
        law_ids = "coalesce(nullif(array_to_string(list_sort(list_distinct(flatten(g.law_ids))), '、'), ''), '—')"
        where_text = ("coalesce(s.prefix, '') || coalesce(g.row_no, 0) || "
                      "CASE WHEN g.resolved THEN '' ELSE '（未找到该证据行）' END")
        description = (f"'规则：' || {rules} || '；法律依据：' || {law_ids} || '；摘录：' || "
                       f"coalesce(q.quotes, '') || '；出处：' || {where_text}")
        props = [("entity", entity), ("name", f"'检测发现：' || {labels}"), ("description", description)]
        key = "g.kind IS NOT DISTINCT FROM {a}.kind AND g.evidence_sha256 = {a}.evidence_sha256 " \
              "AND g.sheet IS NOT DISTINCT FROM {a}.sheet AND g.row_no IS NOT DISTINCT FROM {a}.row_no"
        w = self._where("f")
        return (
            "WITH g AS (SELECT f.kind, f.evidence_sha256, f.sheet, f.row_no, "
            "list(DISTINCT f.label ORDER BY f.label) AS labels, list(DISTINCT f.rule ORDER BY f.rule) AS rules, "
            "list(l.ids) FILTER (WHERE l.ids IS NOT NULL) AS law_ids, "
            "bool_or(coalesce(x.resolved, FALSE)) AS resolved, bool_or(e.sha256 IS NOT NULL) AS known "
            f"FROM findings f LEFT JOIN ftm_law l ON l.v = f.law LEFT JOIN evidence e ON e.sha256 = f.evidence_sha256 "
            f"{REFS_JOIN} WHERE f.evidence_sha256 IS NOT NULL{w} GROUP BY ALL), "
            # the first five distinct quotes of each record, masked
            "q AS (SELECT d.kind, d.evidence_sha256, d.sheet, d.row_no, "
            "string_agg(t.m, ' / ' ORDER BY d.quote) FILTER (WHERE t.m <> '') AS quotes FROM ("
            "SELECT *, row_number() OVER (PARTITION BY kind, evidence_sha256, sheet, row_no ORDER BY quote) AS n "
            "FROM (SELECT DISTINCT f.kind, f.evidence_sha256, f.sheet, f.row_no, f.quote FROM findings f "
            f"WHERE f.quote IS NOT NULL AND f.quote <> '' AND f.evidence_sha256 IS NOT NULL{w})) d "
            "JOIN ftm_text t ON t.v = d.quote WHERE d.n <= 5 GROUP BY ALL) "
            f"SELECT {entity_sql('Note', id_sql('Note', lit('findings'), 'g.kind', 'g.evidence_sha256', 'g.sheet', 'g.row_no'), props)} "
            f"FROM g LEFT JOIN q ON {key.format(a='q')} {self._src_join('g')}"
        )

    def lines(self) -> Iterator[tuple[memoryview, int]]:
        """Every bulk entity as JSON lines, in blocks straight from Arrow's buffers, with their count."""
        prepare(self.con)
        self.prepare_maps()
        for sql in (self.persons_sql(), self.calls_sql(), self.sms_sql(), self.findings_sql()):
            for batch in self.con.sql(sql, params=self._params()).to_arrow_reader(_BATCH):
                yield _text_bytes(batch.column(0)), batch.num_rows


def _text_bytes(column: pa.Array) -> memoryview:
    """The UTF-8 of a string column without nulls, its values one after another (no copy)."""
    if column.null_count:
        raise ValueError("an FtM line came out NULL")
    if pa.types.is_string_view(column.type):
        column = column.cast(pa.large_string())
    _, offsets, data = column.buffers()
    if offsets is None or data is None:
        return memoryview(b"")
    index = memoryview(offsets).cast("q" if pa.types.is_large_string(column.type) else "i")
    return memoryview(data)[index[column.offset]:index[column.offset + len(column)]]
