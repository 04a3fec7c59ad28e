"""The evidence tables as XLSX: one sheet per finding type with the cited rows, and the analyses' tables.

Spreadsheet programs run cells that start with = + - @ as formulas; every such string is
written with a leading apostrophe, and xlsxwriter's own string-to-formula/URL/number
conversions are switched off, so seized text can never become a live formula.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from qinglian.labels import LABEL_ZH
from qinglian.privacy import NameMatcher
from qinglian.report import evidence as ev
from qinglian.report.casefile import CaseFile
from qinglian.report.data import KIND_ZH
from qinglian.report.privacy import Redactor, hash_text
from qinglian.report.reasons import ReasonReader, Reasons
from qinglian.report.tables import Memo, schema_tables
from qinglian.store.schema import KINDS, field_names
from qinglian.store.sqlident import quote_ident

EXCEL_ROWS = 1_048_576  # rows of an Excel sheet, header included
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: str) -> str:
    """A string that no spreadsheet will run as a formula."""
    return "'" + value if value.startswith(FORMULA_START) else value


class Book:
    """A workbook writer with unique, valid sheet names and safe cells."""

    def __init__(self, path: Path, people: NameMatcher | None = None, max_rows: int = EXCEL_ROWS) -> None:
        # Without --reveal every string cell passes the case's name matcher, whatever column it is in.
        self.people = people
        self.max_rows = max_rows
        self.masked = Memo(people.mask if people else None)
        self.wb = xlsxwriter.Workbook(str(path), {
            "constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
            "strings_to_numbers": False, "remove_timezone": True,
        })
        self.head = self.wb.add_format({"bold": True, "bg_color": "#F1ECEC", "border": 1})
        self.when = self.wb.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
        self.sheet_names: set[str] = set()

    def sheet(self, name: str) -> Worksheet:
        clean = re.sub(r"[\[\]:*?/\\']", "_", name).strip() or "表"
        clean = clean[:31]
        base, n = clean, 1
        while clean.lower() in self.sheet_names:
            n += 1
            suffix = f"~{n}"
            clean = base[: 31 - len(suffix)] + suffix
        self.sheet_names.add(clean.lower())
        return self.wb.add_worksheet(clean)

    def cell(self, ws: Worksheet, r: int, c: int, v: Any) -> None:
        if v is None:
            return
        if type(v) is str:  # most cells: tested first
            ws.write_string(r, c, neutralise(self.masked(v)))
        elif isinstance(v, bool):
            ws.write_string(r, c, "是" if v else "否")
        elif isinstance(v, int | float):
            ws.write_number(r, c, v)
        elif isinstance(v, datetime):
            ws.write_datetime(r, c, v.replace(tzinfo=None), self.when)
        elif isinstance(v, date):
            ws.write_string(r, c, v.isoformat())
        else:
            ws.write_string(r, c, neutralise(self.masked(str(v))))

    def _start(self, name: str, columns: Sequence[str], note: str) -> tuple[Worksheet, int]:
        ws = self.sheet(name)
        start = 0
        if note:
            ws.write_string(0, 0, neutralise(note))
            start = 1
        for c, col in enumerate(columns):
            ws.write_string(start, c, neutralise(col), self.head)
        ws.freeze_panes(start + 1, 0)
        return ws, start + 1

    def table(self, name: str, columns: Sequence[str], rows: Iterable[Sequence[Any]],
              note: str = "") -> int:
        """Write every row; past the sheet's row limit the table goes on in "name (2)", "name (3)" …"""
        ws, r = self._start(name, columns, note)
        n = 0
        part = 1
        for row in rows:
            if r >= self.max_rows:
                part += 1
                ws, r = self._start(f"{name[:25]} ({part})", columns, note)
            for c, v in enumerate(row):
                self.cell(ws, r, c, v)
            r += 1
            n += 1
        return n

    def close(self) -> None:
        self.wb.close()


# The analysis and the label are the sheet's (its name says them), not columns of every row.
FINDING_COLUMNS = ["得分", "命中数", "规则", "法律依据", "被检查单位", "记录类型", "字段", "检测摘录",
                   "原始记录内容", "证据文件", "证据 SHA-256", "工作表", "行号", "出处可解析"]
QUOTES_JOIN = " ｜ "


def finding_rows(con: duckdb.DuckDBPyConnection, redactor: Redactor, analysis: str,
                 label: str, holder: str | None = None) -> Iterable[list[Any]]:
    """Every finding of one type, one row per record with all its hits (rules, laws and quotes in the
    order of the text), and the cited record's text (joined back by sha, sheet, row).

    A text hit by several rules of one label is one row, not one per hit: the record's text is then
    written once, and the sheet stays readable (and within Excel's limits far longer)."""
    masked = Memo(redactor.text)
    combos = con.execute(
        "SELECT DISTINCT kind, field FROM findings WHERE analysis = ? AND label = ? "
        "AND (? IS NULL OR holder = ?) ORDER BY 1, 2",
        [analysis, label, holder, holder],
    ).fetchall()
    for kind, fld in combos:
        joinable = kind in KINDS and fld in field_names(str(kind))
        text_col = f"r.{quote_ident(str(fld))}" if joinable else "NULL"
        record = (f"LEFT JOIN {quote_ident(str(kind))} r ON r.evidence_sha256 = g.evidence_sha256 "
                  "AND r.sheet IS NOT DISTINCT FROM g.sheet AND r.row_no = g.row_no") if joinable else ""
        resolved = "r.row_no IS NOT NULL" if joinable else "coalesce(x.resolved, FALSE)"
        if not joinable:
            record = ev.REFS_JOIN.replace("f.", "g.")
        cur = con.execute(
            "WITH g AS (SELECT f.analysis, f.label, f.holder, f.kind, f.field, f.evidence_sha256, f.sheet, f.row_no, "
            "max(f.score) AS score, count(*) AS hits, "
            "array_to_string(list_distinct(list(f.rule ORDER BY f.span_start NULLS LAST)), '；') AS rules, "
            "array_to_string(list_distinct(list(f.law ORDER BY f.span_start NULLS LAST)), '；') AS laws, "
            "list(f.quote ORDER BY f.span_start NULLS LAST) AS quotes FROM findings f "
            "WHERE f.analysis = ? AND f.label = ? AND f.kind IS NOT DISTINCT FROM ? "
            "AND f.field IS NOT DISTINCT FROM ? AND (? IS NULL OR f.holder = ?) GROUP BY ALL) "
            "SELECT g.score, g.hits, g.rules, g.laws, g.holder, g.kind, g.field, g.quotes, "
            f"{text_col}, e.file_name, g.evidence_sha256, g.sheet, g.row_no, {resolved} "
            f"FROM g LEFT JOIN evidence e ON e.sha256 = g.evidence_sha256 {record} "
            "ORDER BY g.score DESC NULLS LAST, g.evidence_sha256, g.sheet NULLS FIRST, g.row_no",
            [analysis, label, kind, fld, holder, holder],
        )
        while rows := cur.fetchmany(10_000):
            for (score, hits, rules, laws, hold, k, f, quotes, text, fname, sha, sheet, row_no, ok) in rows:
                yield [score, hits, rules or None, laws or None, hold,
                       KIND_ZH.get(str(k), k), f, QUOTES_JOIN.join(masked(q) for q in quotes if q),
                       masked(text or ""), masked(fname or ""), hash_text(str(sha or "")), sheet, row_no, bool(ok)]


def generic_rows(con: duckdb.DuckDBPyConnection, table: str, columns: list[str],
                 redactor: Redactor, holder: str | None = None) -> Iterable[list[Any]]:
    reader = ReasonReader(con, redactor, per_reason=1_000_000, track=False)
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


def write_xlsx(con: duckdb.DuckDBPyConnection, data: CaseFile, path: Path,
               people: NameMatcher | None = None) -> Path:
    people = None if data.reveal else people
    redactor = Redactor(data.reveal, people)
    holder = data.holders[0] if data.single else None
    ev.prepare(con)
    book = Book(path, people)
    try:
        summary = [["案件", data.case_name], ["办案单位", data.agency], ["生成时间", data.generated_at],
                   ["个人信息", "已显示（--reveal）" if data.reveal else "已遮蔽"]]
        for r in data.runs:
            summary.append([f"分析：{r.analysis}", f"{r.version} {r.ran_at} {r.params}"])
        book.table("概要", ["项目", "内容"], summary)
        charge_sheets(book, data)
        book.table("证据文件", ["证据 SHA-256", "文件名", "压缩包内路径", "被检查单位", "记录类型", "行数", "导入时间"], (
            [hash_text(str(sha)), redactor.text(name), redactor.text(member), who, kind, rows, at]
            for sha, name, member, who, kind, rows, at in con.execute(
                "SELECT sha256, file_name, member_path, holder, kind, rows, ingested_at FROM evidence "
                "WHERE (? IS NULL OR holder = ?) ORDER BY holder, file_name", [holder, holder]).fetchall()))
        for analysis, label, _n in ev.finding_types(con, holder):
            book.table(f"发现-{LABEL_ZH.get(label, label)}-{analysis}", FINDING_COLUMNS,
                       finding_rows(con, redactor, analysis, label, holder))
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
    finally:
        book.close()
    return path
