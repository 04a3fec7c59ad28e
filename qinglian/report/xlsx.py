"""The evidence tables as XLSX: one sheet per finding type with the cited rows, and the analyses' tables.

Spreadsheet programs run cells that start with = + - @ as formulas; every such string is
written with a leading apostrophe, and the writer stores strings only as strings, so seized text
can never become a live formula.

The sheets are gathered as Arrow tables and written in one pass by rust_xlsxwriter (through
``rustpy_xlsxwriter``): a case's appendix runs to a million rows, and a cell-by-cell writer in
Python spent minutes on it. Masking works on each column's distinct values, which repeat.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, TypeAlias

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import rustpy_xlsxwriter as rx

from qinglian.labels import LABEL_ZH
from qinglian.privacy import NameMatcher
from qinglian.report import evidence as ev
from qinglian.report.casefile import CaseFile
from qinglian.report.data import KIND_ZH
from qinglian.report.masks import record_masks
from qinglian.report.privacy import Redactor, hash_text
from qinglian.report.reasons import ReasonReader, Reasons
from qinglian.report.tables import Memo, schema_tables
from qinglian.store.schema import KINDS, field_names
from qinglian.store.sqlident import quote_ident, quote_literal

EXCEL_ROWS = 1_048_576  # rows of an Excel sheet, header included
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
WHEN_FORMAT = "yyyy-mm-dd hh:mm:ss"
Rows: TypeAlias = Iterable[Sequence[Any]] | pa.Table


def neutralise(value: str) -> str:
    """A string that no spreadsheet will run as a formula."""
    return "'" + value if value.startswith(FORMULA_START) else value


_FORMULA_START_RE = "^[" + "".join("\\" + c if c in "-\\" else c for c in FORMULA_START) + "]"


def neutralise_column(column: pa.ChunkedArray | pa.Array) -> pa.ChunkedArray | pa.Array:
    """``neutralise`` over a whole string column, in Arrow (a text column runs to a million cells)."""
    starts = pc.match_substring_regex(column, _FORMULA_START_RE)
    quote = pa.scalar("'", column.type)
    return pc.if_else(starts, pc.binary_join_element_wise(quote, column, pa.scalar("", column.type)), column)


def map_strings(column: pa.ChunkedArray | pa.Array, fn: Callable[[str], str]) -> pa.Array:
    """``fn`` over a string column, called once per distinct value (nulls stay null)."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    encoded = pc.dictionary_encode(column.cast(pa.large_string()))
    values = pa.array([None if v is None else fn(v) for v in encoded.dictionary.to_pylist()], pa.large_string())
    return pc.take(values, encoded.indices)


def excel_serial(column: pa.ChunkedArray | pa.Array) -> pa.Array:
    """Times as Excel serial days, to the millisecond: a float's full digits (…416666666664 for
    10:00) would read, to a scanner of the file, like a mobile number."""
    micros = column.cast(pa.timestamp("us")).cast(pa.int64())
    days = pc.add(pc.divide(micros.cast(pa.float64()), 86_400_000_000.0), 25_569.0)
    return pc.round(days, 8)


def _cell_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, date):
        return value.isoformat()
    return value if isinstance(value, str) else str(value)


def rows_to_arrow(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> pa.Table:
    """Python rows as an Arrow table; a column of mixed types becomes text."""
    cols: list[list[Any]] = [[] for _ in columns]
    for row in rows:
        for i, v in enumerate(row):
            cols[i].append(v)
    arrays: list[pa.Array] = []
    for values in cols:
        try:
            arrays.append(pa.array(values))
        except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
            arrays.append(pa.array([_cell_text(v) for v in values], pa.large_string()))
    return pa.Table.from_arrays(arrays, names=[f"c{i}" for i in range(len(columns))])


class Book:
    """A workbook of safe cells under unique, valid sheet names, written when closed."""

    def __init__(self, path: Path, people: NameMatcher | None = None, max_rows: int = EXCEL_ROWS) -> None:
        # Without --reveal every string cell passes the case's name matcher, whatever column it is in.
        self.path = path
        self.people = people
        self.max_rows = max_rows
        self.masked = Memo(people.mask if people else None)
        self.sheets: list[tuple[str, pa.Table]] = []
        self.notes: dict[str, str] = {}
        self.when: dict[str, list[str]] = {}  # per sheet, its columns of date and time
        self.sheet_names: set[str] = set()

    def sheet(self, name: str) -> str:
        clean = re.sub(r"[\[\]:*?/\\']", "_", name).strip() or "表"
        clean = clean[:31]
        base, n = clean, 1
        while clean.lower() in self.sheet_names:
            n += 1
            suffix = f"~{n}"
            clean = base[: 31 - len(suffix)] + suffix
        self.sheet_names.add(clean.lower())
        return clean

    def _text(self, value: str) -> str:
        return neutralise(self.masked(value))

    def _cells(self, data: pa.Table, columns: Sequence[str], masked: Sequence[str]) -> tuple[pa.Table, list[str]]:
        """Every column as the sheet shows it: masked safe text, 是/否, ISO dates, numbers, times."""
        arrays: list[pa.Array | pa.ChunkedArray] = []
        when: list[str] = []
        for name, col in zip(columns, data.columns, strict=True):
            typ = col.type
            if pa.types.is_string(typ) or pa.types.is_large_string(typ):
                arrays.append(neutralise_column(col) if name in masked else map_strings(col, self._text))
            elif pa.types.is_boolean(typ):
                arrays.append(pc.if_else(col, "是", "否"))
            elif pa.types.is_date(typ):
                arrays.append(col.cast(pa.string()))
            elif pa.types.is_timestamp(typ):
                arrays.append(excel_serial(pc.local_timestamp(col) if typ.tz else col))
                when.append(neutralise(name))
            elif pa.types.is_decimal(typ):
                arrays.append(col.cast(pa.float64()))
            elif pa.types.is_integer(typ) or pa.types.is_floating(typ):
                arrays.append(col)
            else:
                text = pa.array([_cell_text(v) for v in col.to_pylist()], pa.large_string())
                arrays.append(map_strings(text, self._text))
        return pa.Table.from_arrays(arrays, names=[neutralise(c) for c in columns]), when

    def table(self, name: str, columns: Sequence[str], rows: Rows, note: str = "", masked: Sequence[str] = ()) -> int:
        """Every row; past the sheet's row limit the table goes on in "name (2)", "name (3)" …

        ``masked``: columns whose text the caller has masked with the same names already."""
        data = rows if isinstance(rows, pa.Table) else rows_to_arrow(columns, rows)
        data, when = self._cells(data, columns, masked)
        per = self.max_rows - (2 if note else 1)
        start, part = 0, 1
        while part == 1 or start < data.num_rows:
            sheet = self.sheet(name if part == 1 else f"{name[:25]} ({part})")
            self.sheets.append((sheet, data.slice(start, per)))
            if note:
                self.notes[sheet] = neutralise(note)
            if when:
                self.when[sheet] = when
            start += per
            part += 1
        return int(data.num_rows)

    def close(self) -> None:
        head = rx.Format().set_bold().set_background_color("#F1ECEC").set_border("thin")
        when = rx.Format().set_num_format(WHEN_FORMAT)
        rx.write_worksheets(
            self.sheets, str(self.path),
            freeze_panes={s: {"row": 2 if s in self.notes else 1, "col": 0} for s, _ in self.sheets},
            column_formats={s: dict.fromkeys(cols, when) for s, cols in self.when.items()},
            header_format={"general": head},
            header_row={s: 1 for s in self.notes},
            merge_ranges={s: [(0, 0, 0, max(len(t.column_names) - 1, 1), self.notes[s])]
                          for s, t in self.sheets if s in self.notes},
        )


# The analysis and the label are the sheet's (its name says them), not columns of every row. A row
# cites its file by name and SHA-256 prefix; the sheet 证据文件 holds each file's whole hash.
FINDING_COLUMNS = ["得分", "命中数", "规则", "法律依据", "被检查单位", "记录类型", "字段", "检测摘录",
                   "原始记录内容", "证据文件", "证据 SHA-256 前 12 位", "工作表", "行号", "出处可解析"]
FINDING_MASKED = ("检测摘录", "原始记录内容", "证据文件")
QUOTES_JOIN = " ｜ "


def finding_tables(con: duckdb.DuckDBPyConnection, text: Callable[[str], str], masks: pa.Table,
                   holder: str | None = None) -> dict[tuple[str, str], pa.Table]:
    """Every finding of every type, by (analysis, label): one row per record with all its hits of
    that type (rules, laws and quotes in the order of the text) and the cited record's text.

    A text hit by several rules of one label is one row, not one per hit: the record's text is then
    written once, and the sheet stays readable (and within Excel's limits far longer). The findings
    are grouped once for all types. Quotes and record texts come masked from ``masks`` (report.masks:
    it must cover them; one it lacks is left out, never printed unmasked), the file name through ``text``."""
    con.register("xlsx_masks", masks)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE xlsx_findings AS SELECT f.analysis, f.label, f.holder, f.kind, f.field, "
        "f.evidence_sha256, f.sheet, f.row_no, max(f.score) AS score, count(*) AS hits, "
        "array_to_string(list_distinct(list(f.rule ORDER BY f.span_start NULLS LAST)), '；') AS rules, "
        "array_to_string(list_distinct(list(f.law ORDER BY f.span_start NULLS LAST)), '；') AS laws, "
        "array_to_string(list_filter(list(mq.m ORDER BY f.span_start NULLS LAST), "
        "lambda q: q IS NOT NULL AND q <> ''), ?) AS quotes "
        "FROM findings f LEFT JOIN xlsx_masks mq ON mq.v = f.quote "
        "WHERE (? IS NULL OR f.holder = ?) GROUP BY ALL", [QUOTES_JOIN, holder, holder])
    parts: list[str] = []
    for kind, fld in con.execute("SELECT DISTINCT kind, field FROM xlsx_findings ORDER BY 1, 2").fetchall():
        joinable = kind in KINDS and fld in field_names(str(kind))
        if joinable:
            text_col, resolved = "rm.m", "r.row_no IS NOT NULL"
            record = (f"LEFT JOIN {quote_ident(str(kind))} r ON r.evidence_sha256 = g.evidence_sha256 "
                      "AND r.sheet IS NOT DISTINCT FROM g.sheet AND r.row_no = g.row_no "
                      f"LEFT JOIN xlsx_masks rm ON rm.v = CAST(r.{quote_ident(str(fld))} AS VARCHAR)")
        else:
            text_col, resolved = "NULL::VARCHAR", "coalesce(x.resolved, FALSE)"
            record = ev.REFS_JOIN.replace("f.", "g.")
        same = ("g.kind IS NOT DISTINCT FROM " + ("NULL" if kind is None else quote_literal(str(kind))) +
                " AND g.field IS NOT DISTINCT FROM " + ("NULL" if fld is None else quote_literal(str(fld))))
        parts.append(
            "SELECT g.analysis, g.label, g.score::DOUBLE, g.hits::BIGINT, nullif(g.rules, ''), nullif(g.laws, ''), "
            "g.holder, CAST(g.kind AS VARCHAR), CAST(g.field AS VARCHAR), g.quotes, "
            f"{text_col}, e.file_name, left(g.evidence_sha256, 12), g.sheet, g.row_no::BIGINT, {resolved} "
            f"FROM xlsx_findings g LEFT JOIN evidence e ON e.sha256 = g.evidence_sha256 {record} WHERE {same}")
    if not parts:
        return {}
    table = con.sql(
        " UNION ALL ".join(parts) + " ORDER BY 1, 2, 3 DESC NULLS LAST, 13, 14 NULLS FIRST, 15").to_arrow_table()
    table = table.rename_columns(["analysis", "label", *FINDING_COLUMNS])
    table = table.set_column(table.schema.get_field_index("证据文件"), "证据文件", map_strings(table.column("证据文件"), text))
    table = table.set_column(table.schema.get_field_index("记录类型"), "记录类型",
                             map_strings(table.column("记录类型"), lambda k: KIND_ZH.get(k, k)))
    table = table.set_column(table.schema.get_field_index("证据 SHA-256 前 12 位"), "证据 SHA-256 前 12 位",
                             map_strings(table.column("证据 SHA-256 前 12 位"), hash_text))
    # the rows of a type are contiguous (sorted by analysis and label, as these counts): each sheet is a slice
    table = table.drop_columns(["analysis", "label"])
    out: dict[tuple[str, str], pa.Table] = {}
    start = 0
    for analysis, label, n in con.execute(
            "SELECT analysis, label, count(*) FROM xlsx_findings GROUP BY ALL ORDER BY 1, 2").fetchall():
        out[(str(analysis), str(label))] = table.slice(start, int(n))
        start += int(n)
    return out


def generic_rows(con: duckdb.DuckDBPyConnection, table: str, columns: list[str],
                 redactor: Redactor, holder: str | None = None) -> Iterable[list[Any]]:
    reader = ReasonReader(con, redactor, per_reason=1_000_000)
    reader.files()  # read before the cursor opens: a second query would end it
    cols = ", ".join(quote_ident(c) for c in columns)
    sql, params = f"SELECT {cols} FROM {quote_ident(table)}", []
    if holder is not None and "holder" in columns:
        sql, params = sql + " WHERE holder = ?", [holder]
    cur = con.execute(sql, params)
    while rows := cur.fetchmany(10_000):
        for r in rows:
            yield [_reasons_text(reader, v) if c == "reasons" else redactor.cell(c, v)
                   for c, v in zip(columns, r, strict=True)]


def _reasons_text(reader: ReasonReader, value: Any) -> Any:
    """Reasons as numbered lines with every citation; a plain string stays as it is (masked)."""
    cell = reader.cell(value)
    return cell.as_text() if isinstance(cell, Reasons) else cell


def record_evidence_rows(con: duckdb.DuckDBPyConnection, kind: str, fields: list[str],
                         redactor: Redactor, holder: str | None = None) -> Iterable[list[Any]]:
    cols = ", ".join(f"r.{quote_ident(f)}" for f in fields)
    cur = con.execute(
        f"SELECT r.holder, {cols}, e.file_name, r.evidence_sha256, r.sheet, r.row_no "
        f"FROM {quote_ident(kind)} r LEFT JOIN evidence e ON e.sha256 = r.evidence_sha256 "
        "WHERE (? IS NULL OR r.holder = ?) ORDER BY r.holder, r.evidence_sha256, r.sheet, r.row_no",
        [holder, holder],
    )
    while rows := cur.fetchmany(10_000):
        for row in rows:
            values = [redactor.cell(f, v) for f, v in zip(fields, row[1:1 + len(fields)], strict=True)]
            yield [row[0], *values, redactor.text(row[-4]), hash_text(str(row[-3])), row[-2], row[-1]]


OTHER_TABLES: tuple[str, ...] = ("pi_inventory", "list_order", "intent_grades", "campaigns", "targets",
                                 "upstream",
                                 "list_overlaps", "leak_clusters", "cross_case_overlaps", "resolution", "entities",
                                 "links")


def charge_sheets(book: Book, cf: CaseFile) -> None:
    """The charges, their representative evidence and the evidence lists; the leads on a sheet apart."""
    charges = [c for p in cf.parties for c in p.charges]
    book.table("违法事实", ["编号", "当事人", "违法行为", "事实", "违反条款", "涉嫌犯罪", "期间", "规模", "支持证据行数",
                         "证据强度", "证明的要件", "可能的抗辩", "复核状态", "复核人", "复核理由", "复核后证据有变化"], (
        [c.id, c.holder, c.title, c.facts, "；".join(v.cite for v in c.breaches),
         "；".join(v.cite for v in c.referrals), c.period,
         "；".join(f"{k} {v}" for k, v in c.scale) + "".join(f"；{n} {r:,} 条（标准 {t:,}）" for n, r, t in c.pi),
         c.evidence_rows, c.strength, "；".join(c.reasons), "；".join(c.rebuttal), c.status, c.reviewer,
         c.review_reason, c.evidence_changed] for c in charges))
    book.table("代表性证据", ["违法事实编号", "当事人", "违法行为", "序号", "内容（已遮蔽）", "代表的分组", "证据文件",
                          "证据 SHA-256 前 12 位", "工作表", "行号"], (
        [c.id, c.holder, c.title, k, it.quote, it.group, it.citation.file_name, it.citation.short,
         it.citation.sheet, it.citation.row_no] for c in charges for k, it in enumerate(c.items, 1)))
    book.table("证据清单", ["当事人", "文件", "SHA-256 前 12 位", "类型", "工作表", "支持行数", "首行", "末行",
                        "证明的违法事实"], (
        [p.holder, f.file_name, f.sha, f.kind, "、".join(f.sheets), f.rows, f.first_row, f.last_row,
         "；".join(f.charges)] for p in cf.parties for f in p.files))
    book.table("线索（非违法认定）", ["编号", "单位", "行为", "为何只是线索", "行数", "样例文件", "样例哈希", "样例工作表",
                              "样例行号"], (
        [ld.id, ld.holder, ld.conduct, ld.reason, ld.rows, ld.sample.file_name if ld.sample else None,
         ld.sample.short if ld.sample else None, ld.sample.sheet if ld.sample else None,
         ld.sample.row_no if ld.sample else None] for ld in cf.leads),
        note="线索未达到违法认定的全部要件，不作为违法事实引用")


@dataclass(frozen=True)
class LateCaseFile:
    """The case file of a workbook begun before it is gathered: whose and how masked now, the rest
    from ``get`` once the heavy sheets are made (the report gathers it meanwhile)."""

    holder: str | None
    reveal: bool
    get: Callable[[], CaseFile]


def write_xlsx(con: duckdb.DuckDBPyConnection, data: CaseFile | LateCaseFile, path: Path,
               people: NameMatcher | None = None, masks: pa.Table | None = None) -> Path:
    """The workbook; ``masks``: record texts and quotes masked already (report.masks), completed here."""
    reveal = data.reveal
    holder = data.holder if isinstance(data, LateCaseFile) else data.holders[0] if data.single else None
    people = None if reveal else people
    redactor = Redactor(reveal, people)
    texts = Memo(redactor.text)
    masks = record_masks(con, redactor, holder, known=masks)
    ev.prepare(con)
    book = Book(path, people)
    try:
        book.table("证据文件", ["证据 SHA-256", "文件名", "压缩包内路径", "被检查单位", "记录类型", "行数", "导入时间"], (
            [hash_text(str(sha)), redactor.text(name), redactor.text(member), who, kind, rows, at]
            for sha, name, member, who, kind, rows, at in con.execute(
                "SELECT sha256, file_name, member_path, holder, kind, rows, ingested_at FROM evidence "
                "WHERE (? IS NULL OR holder = ?) ORDER BY holder, file_name", [holder, holder]).fetchall()))
        by_type = finding_tables(con, texts, masks, holder)
        for analysis, label, _n in ev.finding_types(con, holder):
            book.table(f"发现-{LABEL_ZH.get(label, label)}-{analysis}", FINDING_COLUMNS,
                       by_type.get((analysis, label), rows_to_arrow(FINDING_COLUMNS, [])), masked=FINDING_MASKED)
        daily: list[list[Any]] = []
        for table, ts, kind in (("calls", "started_at", "通话"), ("sms", "sent_at", "短信")):
            for who, day, n in con.execute(
                f"SELECT holder, CAST({quote_ident(ts)} AS DATE) d, count(*) FROM {quote_ident(table)} "
                "WHERE (? IS NULL OR holder = ?) GROUP BY ALL ORDER BY 1, 2", [holder, holder]
            ).fetchall():
                daily.append([kind, who, day, n])
        book.table("每日通话短信", ["类型", "被检查单位", "日期", "条数"], daily)
        pay_fields = ["payer", "payee", "amount", "paid_at", "memo"]
        book.table("付款", ["被检查单位", "付款方", "收款方", "金额", "时间", "备注", "证据文件", "证据 SHA-256",
                          "工作表", "行号"], record_evidence_rows(con, "payments", pay_fields, redactor, holder))
        tables = schema_tables(con)
        names = sorted(n for n in tables if n.startswith("behaviour_")) + [
            n for n in OTHER_TABLES if n in tables]
        for n in names:
            if holder is not None and "holder" not in tables[n]:
                continue
            book.table(n, tables[n], generic_rows(con, n, tables[n], redactor, holder))
        cf = data.get() if isinstance(data, LateCaseFile) else data
        heavy = len(book.sheets)
        summary = [["案件", cf.case_name], ["办案单位", cf.agency], ["生成时间", cf.generated_at],
                   ["个人信息", "已显示（--reveal）" if reveal else "已遮蔽"]]
        if cf.custody is not None:
            summary.append([cf.custody.label(), cf.custody.text()])
        for r in cf.runs:
            summary.append([f"分析：{r.analysis}", f"{r.version} {r.ran_at} {r.params}"])
        book.table("概要", ["项目", "内容"], summary)
        charge_sheets(book, cf)
        book.sheets = book.sheets[heavy:] + book.sheets[:heavy]  # the summary and the charges come first
    finally:
        book.close()
    return path
