"""Ingest: seized files into a case, as one transaction, every row traceable to its cell.

Per file: hash it (same hash already in the case: nothing changes), read it (CSV/TSV/TXT,
XLSX/XLS, JSON/JSONL, ZIP members one by one), decide each sheet's kind from its headers,
normalise vectorised in DuckDB, record what could not be normalised, register new phone
prefixes, stage the original under evidence/ and, when everything succeeded, write the custody entry
ahead, commit the database, move the originals in place (read-only) and append the entry to
the custody log. Any error rolls everything back: the case is exactly as before.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from qinglian.errors import QinglianError
from qinglian.i18n import t
from qinglian.ingest import encoding as enc
from qinglian.ingest.mapping import guess_kind, match_headers, parse_overrides
from qinglian.ingest.normalise import TYPE_MACRO, install_macros
from qinglian.ingest.phones import register_prefixes
from qinglian.ingest.readers import archive
from qinglian.ingest.readers.base import ROW_NO, SheetData, blank_header_error
from qinglian.ingest.readers.delimited import read_delimited
from qinglian.ingest.readers.excel import read_excel
from qinglian.ingest.readers.jsonfile import read_json
from qinglian.store import evidence, records, wal
from qinglian.store.case import Case
from qinglian.store.custody import current_user
from qinglian.store.db import one
from qinglian.store.digest import sheet_columns, sheet_digest
from qinglian.store.schema import FIELDS, KINDS, NORMALISED_TYPES, has_raw_column, raw_value, rows_table
from qinglian.store.sqlident import quote_ident

DELIMITED = (".csv", ".tsv", ".txt")
EXCEL = (".xlsx", ".xlsm", ".xls")
JSON = (".json", ".jsonl", ".ndjson")
ARCHIVE = (".zip",)
HASH_AHEAD = 3  # batches whose files are hashed ahead of the one being written


@dataclass(frozen=True)
class IngestOptions:
    holder: str
    site: str | None = None
    kind: str = "auto"
    encoding: str | None = None
    sheet: str | None = None
    mapping: list[str] = field(default_factory=list)
    user: str | None = None


@dataclass
class SheetOutcome:
    sheet: str | None
    kind: str
    header_row: int
    rows: int
    unparsed: dict[str, tuple[int, int]]  # field -> (count, first row)
    warnings: list[tuple[str, str, int | None]]
    digest: str = ""  # of the rows this sheet wrote (store.digest.sheet_digest)


@dataclass
class FileOutcome:
    display: str
    sha256: str
    status: str  # ingested | duplicate | registered (archive or unparsed member)
    encoding: str | None = None
    sheets: list[SheetOutcome] = field(default_factory=list)
    previous_holder: str | None = None

    @property
    def rows(self) -> int:
        return sum(s.rows for s in self.sheets)


@dataclass
class IngestResult:
    files: list[FileOutcome]

    @property
    def rows(self) -> int:
        return sum(f.rows for f in self.files)

    def lines(self) -> list[str]:
        out: list[str] = []
        for f in self.files:
            short = f.sha256[:12]
            if f.status == "duplicate":
                out.append(
                    t(
                        f"{f.display}：已导入过（{short}，被检查单位 {f.previous_holder}），未做任何更改",
                        f"{f.display}: already ingested ({short}, holder {f.previous_holder}); nothing changed",
                    )
                )
                continue
            if f.status == "registered":
                out.append(
                    t(
                        f"{f.display}：已登记为证据（{short}）",
                        f"{f.display}: registered as evidence ({short})",
                    )
                )
                continue
            for s in f.sheets:
                where = f"{f.display}" + (f"［{s.sheet}］" if s.sheet else "")
                out.append(
                    t(
                        f"{where}：导入 {s.rows} 行，类型 {s.kind}，表头在第 {s.header_row} 行（{short}）",
                        f"{where}: {s.rows} rows as {s.kind}, header on row {s.header_row} ({short})",
                    )
                )
                for fld, (count, first) in s.unparsed.items():
                    out.append(
                        t(
                            f"  {fld}：{count} 个值无法规范化，已保留原值（首个在第 {first} 行）",
                            f"  {fld}: {count} values could not be normalised; raw values kept (first on row {first})",
                        )
                    )
                for zh, en, row in s.warnings:
                    suffix = t(f"（第 {row} 行）", f" (row {row})") if row else ""
                    out.append("  " + t(zh, en) + suffix)
        new = [f for f in self.files if f.status == "ingested"]
        out.append(
            t(
                f"共导入 {len(new)} 个文件、{self.rows} 行",
                f"{len(new)} files, {self.rows} rows ingested",
            )
        )
        return out


# What DuckDB's trim() strips (Unicode space separators), for the same test in pyarrow.
_SPACES = " \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000"


class _BatchStream:
    """A sheet's batches as one Arrow stream for DuckDB, checked for data under blank headers.

    DuckDB calls into the stream from its worker threads, so nothing here touches the
    connection; an error raised while reading (a malformed row, a bad byte) is kept and
    raised again in place of the error DuckDB reports for the aborted scan.
    """

    def __init__(self, sheet: SheetData, blank_cols: list[int], display: str) -> None:
        self.sheet = sheet
        self.blank_cols = blank_cols
        self.display = display
        self.failure: BaseException | None = None

    def reader(self) -> pa.RecordBatchReader | None:
        """None when the sheet has no data rows at all."""
        batches = iter(self.sheet.batches)
        first = next(batches, None)
        if first is None:
            return None
        self._check_blank(first)
        schema = first.schema
        return pa.RecordBatchReader.from_batches(schema, self._batches(first, batches, schema))

    def _batches(self, first: pa.Table, rest: Iterator[pa.Table], schema: pa.Schema) -> Iterator[pa.RecordBatch]:
        try:
            yield from first.to_batches()
            for table in rest:
                self._check_blank(table)
                if table.schema != schema:
                    table = table.cast(schema)
                yield from table.to_batches()
        except BaseException as exc:
            self.failure = exc
            raise

    def _check_blank(self, table: pa.Table) -> None:
        """Data under a column without a header is an error (which field would it be?)."""
        for i in self.blank_cols:
            col = pc.utf8_trim(table.column(f"c{i}").cast(pa.string()), _SPACES)
            mask = pc.fill_null(pc.not_equal(col, ""), False)
            if pc.any(mask).as_py():
                first = pc.min(pc.filter(table.column(ROW_NO), mask)).as_py()
                raise blank_header_error(i, self.display, self.sheet.sheet, self.sheet.header_row, int(first))


@dataclass
class _Session:
    """What the batches of one ``ingest_many`` learn about the store once, for all of them."""

    prefixes_loaded: bool = False  # a committed batch added the resolved phone prefixes
    digest_columns: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # kind -> sheet_columns
    hashes: dict[Path, Future[evidence.Digest]] = field(default_factory=dict)  # this batch's files, hashed ahead
    # sha256 -> holder of the evidence the case has (read once; committed batches add theirs)
    holders: dict[str, str | None] | None = None


class _Run:
    """State of one ingest command: the connection, staged evidence and temporary folders."""

    def __init__(self, case: Case, con: duckdb.DuckDBPyConnection, opts: IngestOptions, session: _Session) -> None:
        self.case = case
        self.con = con
        self.opts = opts
        self.user = current_user(opts.user)
        self.overrides = parse_overrides(opts.mapping, opts.kind)
        self.packs = case.packs  # the case's industry packs add header synonyms
        self.tmpdirs: list[Path] = []
        # Originals are copied into evidence/ on a thread while their rows are read: the copy is
        # mostly the kernel's and need not wait for the parse (docs/decisions.md).
        self.copier = ThreadPoolExecutor(max_workers=1, thread_name_prefix="qinglian-evidence")
        self.copies: list[Future[Path]] = []
        self.seen: dict[str, str] = {}
        self.outcomes: list[FileOutcome] = []
        self.unpack_budget = archive.Budget.of()  # one for the whole ingest, nested archives too
        # Whether the case (or this transaction) has the resolved phone prefixes already: checked
        # by the first sheet with phone columns, not again by every later one.
        self.prefixes_loaded = session.prefixes_loaded
        self.digest_columns = session.digest_columns
        self.hashes = session.hashes
        if session.holders is None:
            session.holders = {str(r[0]): r[1] for r in con.execute("SELECT sha256, holder FROM evidence").fetchall()}
        self.holders = session.holders

    # -- files --------------------------------------------------------------------------------

    def file(
        self,
        path: Path,
        display: str,
        parent: str | None = None,
        member: str | None = None,
        depth: int = 1,
    ) -> None:
        ahead = self.hashes.pop(path, None) if parent is None else None
        digest = ahead.result() if ahead is not None else evidence.digest_file(path)
        sha = digest.sha256
        if sha in self.holders or sha in self.seen:
            holder = self.holders[sha] if sha in self.holders else self.opts.holder
            self.outcomes.append(FileOutcome(display, sha, "duplicate", previous_holder=holder))
            return
        self.seen[sha] = display
        suffix = path.suffix.lower()
        name = member or path.name
        self.copies.append(
            self.copier.submit(evidence.stage, path, self.case.evidence_dir, evidence.stored_name(sha, name))
        )
        if suffix in ARCHIVE:
            self._register(sha, path, name, parent, member, kind="archive", encoding=None, sheets=[])
            self.outcomes.append(FileOutcome(display, sha, "registered"))
            target = self.case.tmp_dir / uuid.uuid4().hex
            self.tmpdirs.append(target)
            for m in archive.unpack(path, display, target, depth=depth, budget=self.unpack_budget):
                self.file(m.path, f"{display}!{m.name}", parent=sha, member=m.name, depth=depth + 1)
            return
        if suffix not in DELIMITED + EXCEL + JSON:
            if parent is not None:  # e.g. a recording inside a seized archive: keep it as evidence
                self._register(sha, path, name, parent, member, kind=None, encoding=None, sheets=[])
                self.outcomes.append(FileOutcome(display, sha, "registered"))
                return
            raise QinglianError(
                f"不支持的文件类型“{suffix or '无扩展名'}”",
                f"unsupported file type '{suffix or 'no extension'}'",
                file=display,
                hint_zh="支持 CSV、TSV、TXT、XLSX、XLS、JSON、JSONL 和 ZIP；其他格式请先导出为 CSV 或 XLSX",
                hint_en="CSV, TSV, TXT, XLSX, XLS, JSON, JSONL and ZIP are read; export other formats to CSV or XLSX",
            )
        outcome = FileOutcome(display, sha, "ingested")
        codec: str | None = None
        if suffix in DELIMITED:
            codec = enc.canonical(self.opts.encoding) if self.opts.encoding else enc.detect(path)
            sheets: Iterator[SheetData] = read_delimited(path, display, codec, digest.last_quote)
        elif suffix in EXCEL:
            sheets = read_excel(path, display, self.opts.sheet)
        else:
            codec = enc.canonical(self.opts.encoding) if self.opts.encoding else None
            sheets = read_json(path, display, codec)
        outcome.encoding = codec
        for sheet in sheets:
            outcome.sheets.append(self.sheet(sha, display, sheet))
        if not outcome.sheets:
            raise QinglianError(
                "文件中没有任何数据",
                "the file holds no data",
                file=display,
                hint_zh="检查是否选错了文件或工作表",
                hint_en="check that this is the right file or sheet",
            )
        sheets_json = [
            {"sheet": s.sheet, "kind": s.kind, "header_row": s.header_row, "rows": s.rows}
            for s in outcome.sheets
        ]
        kinds = sorted({s.kind for s in outcome.sheets})
        self._register(
            sha, path, name, parent, member, kind=",".join(kinds), encoding=codec, sheets=sheets_json
        )
        self.outcomes.append(outcome)

    def _register(
        self,
        sha: str,
        path: Path,
        name: str,
        parent: str | None,
        member: str | None,
        *,
        kind: str | None,
        encoding: str | None,
        sheets: list[dict[str, Any]],
    ) -> None:
        rel = evidence.stored_name(sha, name)
        self.con.execute(
            "INSERT INTO evidence VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                sha,
                Path(name).name,
                "evidence/" + rel,
                path.stat().st_size,
                parent,
                member,
                self.opts.holder,
                self.opts.site,
                kind,
                encoding,
                json.dumps(sheets, ensure_ascii=False),
                sum(int(s["rows"]) for s in sheets),
                datetime.now(),
                self.user,
            ],
        )

    # -- sheets -------------------------------------------------------------------------------

    def _kind(self, sheet: SheetData, display: str) -> str:
        if self.opts.kind != "auto":
            return self.opts.kind
        guess = guess_kind(sheet.headers, self.overrides, self.packs)
        if guess.kind is not None:
            return guess.kind
        cands = "、".join(guess.candidates) if guess.candidates else "无"
        unknown = "、".join(guess.unrecognised[:20]) or "无"
        raise QinglianError(
            f"无法从表头判断记录类型。候选类型：{cands}；未识别的表头：{unknown}",
            f"cannot tell the record kind from the headers. Candidates: {', '.join(guess.candidates) or 'none'}; "
            f"unrecognised headers: {', '.join(guess.unrecognised[:20]) or 'none'}",
            file=display,
            sheet=sheet.sheet,
            row=sheet.header_row or None,
            hint_zh="用 --kind 指定类型（calls/sms/customers/chats/complaints/accounts/payments），"
            "或用 --map 源列=字段 说明列的含义",
            hint_en="give the kind with --kind, or explain columns with --map SOURCE=field",
        )

    def sheet(self, sha: str, display: str, sheet: SheetData) -> SheetOutcome:
        kind = self._kind(sheet, display)
        mapping = match_headers(kind, sheet.headers, self.overrides, self.packs)
        if not mapping:
            raise QinglianError(
                f"没有一列能对应到 {kind} 的字段",
                f"no column maps to a field of {kind}",
                file=display,
                sheet=sheet.sheet,
                row=sheet.header_row or None,
                hint_zh="用 --map 源列=字段 指定列的含义",
                hint_en="map columns with --map SOURCE=field",
            )
        insert_sql, params, blank_cols = self._insert_sql(kind, sheet.headers, mapping)
        sheet_id = records.sheet_id(self.con, kind, self.opts.holder, self.opts.site, sha, sheet.sheet)
        rows = 0
        stream = _BatchStream(sheet, blank_cols, display)
        reader = stream.reader()
        if reader is not None:
            # One INSERT over the whole sheet: DuckDB pulls the batches as it goes (the reader
            # parses the next block while other threads normalise and write the last ones).
            self.con.register("__ql_batch", reader)
            try:
                row = one(self.con, insert_sql, [sheet_id, *params])
                rows = int(row[0]) if row else 0
            except duckdb.Error:
                if stream.failure is not None:
                    raise stream.failure from None
                raise
            finally:
                try:
                    self.con.unregister("__ql_batch")
                except duckdb.Error:
                    pass  # a read error mid-sheet aborted the transaction; the rollback drops it
        unparsed = self._unparsed(kind, mapping, sha, sheet.sheet, sheet_id)
        phone_cols = [f.name for f in FIELDS[kind] if f.type == "phone" and f.name in mapping.values()]
        register_prefixes(self.con, rows_table(kind), phone_cols, sheet_id, loaded=self.prefixes_loaded)
        self.prefixes_loaded = self.prefixes_loaded or bool(phone_cols)
        warnings = [(w.zh, w.en, w.row) for w in sheet.warnings]
        if rows == 0:
            warnings.append(("只有表头，没有数据行", "header only, no data rows", None))
        if kind not in self.digest_columns:
            self.digest_columns[kind] = sheet_columns(self.con, kind)
        digest = sheet_digest(self.con, kind, sheet_id, self.digest_columns[kind]).sha256
        return SheetOutcome(sheet.sheet, kind, sheet.header_row, rows, unparsed, warnings, digest)

    def _insert_sql(
        self, kind: str, headers: list[str], mapping: dict[int, str]
    ) -> tuple[str, list[Any], list[int]]:
        by_field = {f: i for i, f in mapping.items()}
        cols = ["sheet_id", "row_no"]
        outer = ["?", "r"]
        inner = [f"{quote_ident(ROW_NO)} AS r"]
        params: list[Any] = []
        failed: list[tuple[str, int]] = []  # (field, j) of the normalised fields this sheet maps
        for j, f in enumerate(FIELDS[kind]):
            i = by_field.get(f.name)
            src = f"nullif({quote_ident(f'c{i}')}, '')" if i is not None else "NULL"
            if f.type in NORMALISED_TYPES:
                cols.append(f.name)
                if i is None:
                    outer.append("NULL")
                else:
                    inner += [f"{TYPE_MACRO[f.type]}({src}) AS n{j}", f"{src} AS s{j}"]
                    outer.append(f"n{j}")
                    failed.append((f.name, j))
            else:
                cols.append(f.name)
                if i is None:
                    outer.append("NULL")
                else:
                    inner.append(f"{src} AS s{j}")
                    outer.append(f"s{j}")
        if has_raw_column(kind):
            # The raw text of the fields that could not be normalised, as one JSON object; NULL
            # where everything was (the original stays in the evidence file at sheet/row_no).
            # One column, not one per field: the store writes every column of every row, even
            # an empty one (docs/decisions.md).
            cols.append("raw")
            if failed:
                bad = " OR ".join(f"(n{j} IS NULL AND s{j} IS NOT NULL)" for _, j in failed)
                pairs = ", ".join(f"'{name}', CASE WHEN n{j} IS NULL THEN s{j} END" for name, j in failed)
                outer.append(f"CASE WHEN {bad} THEN json_merge_patch('{{}}', json_object({pairs})) END")
            else:
                outer.append("NULL")
        extra_cols = [i for i, h in enumerate(headers) if i not in mapping and h]
        if extra_cols:
            inner.append(
                "json_object("
                + ", ".join(f"?, {quote_ident(f'c{i}')}" for i in extra_cols)
                + ") AS x"
            )
            outer.append("x")
            params += [headers[i] for i in extra_cols]
        else:
            outer.append("NULL")
        cols.append("extra")
        names = [f"c{i}" for i in range(len(headers))]
        # A row counts when any cell has more than spaces; the cheap test on the first cell
        # (a printable ASCII first character) settles almost every row before the full one
        # (CASE, not OR: DuckDB evaluates both sides of an OR for every row).
        first = quote_ident(names[0])
        nonblank = (
            f"CASE WHEN {first} >= '!' AND {first} < chr(127) THEN TRUE "
            "ELSE trim(concat(" + ", ".join(quote_ident(n) for n in names) + ")) <> '' END"
        )
        sql = (
            f"INSERT INTO {quote_ident(rows_table(kind))} ({', '.join(quote_ident(c) for c in cols)}) "
            f"SELECT {', '.join(outer)} FROM (SELECT {', '.join(inner)} FROM __ql_batch WHERE {nonblank})"
        )
        blank = [i for i, h in enumerate(headers) if not h]
        return sql, params, blank

    def _unparsed(
        self, kind: str, mapping: dict[int, str], sha: str, sheet: str | None, sheet_id: int
    ) -> dict[str, tuple[int, int]]:
        fields = [f.name for f in FIELDS[kind] if f.type in NORMALISED_TYPES and f.name in mapping.values()]
        if not fields:
            return {}
        parts = []
        for f in fields:
            bad = f"{raw_value(f)} IS NOT NULL"
            parts.append(f"count(*) FILTER (WHERE {bad}), min(row_no) FILTER (WHERE {bad})")
        row = one(
            self.con,
            f"SELECT {', '.join(parts)} FROM {quote_ident(rows_table(kind))} WHERE sheet_id = ? AND raw IS NOT NULL",
            [sheet_id],
        )
        result: dict[str, tuple[int, int]] = {}
        assert row is not None
        for j, f in enumerate(fields):
            count, first = row[2 * j], row[2 * j + 1]
            if count:
                result[f] = (int(count), int(first))
                self.con.execute(
                    "INSERT INTO ingest_notes VALUES (?, ?, ?, 'unparsed', ?, ?)",
                    [sha, sheet, f, count, first],
                )
        return result


def _check_options(opts: IngestOptions, paths: list[Path]) -> None:
    if not opts.holder or not opts.holder.strip():
        raise QinglianError(
            "必须用 --holder 指明证据查获自哪个单位",
            "--holder must name the company or site the evidence was seized from",
        )
    if opts.kind != "auto" and opts.kind not in KINDS:
        raise QinglianError(
            f"未知的记录类型 {opts.kind}",
            f"unknown record kind {opts.kind}",
            hint_zh="可用：auto, " + ", ".join(KINDS),
            hint_en="choose from: auto, " + ", ".join(KINDS),
        )
    if opts.encoding:
        try:
            enc.canonical(opts.encoding)
        except LookupError as exc:
            raise QinglianError(
                f"未知的编码 {opts.encoding}",
                f"unknown encoding {opts.encoding}",
                hint_zh="例如 utf-8、gbk、gb18030、utf-16",
                hint_en="for example utf-8, gbk, gb18030, utf-16",
            ) from exc
    if not paths:
        raise QinglianError("没有给出要导入的文件", "no files given to ingest")
    for p in paths:
        if not p.is_file():
            raise QinglianError(
                "文件不存在或不是普通文件",
                "the file does not exist or is not a regular file",
                file=str(p),
                hint_zh="检查路径是否正确",
                hint_en="check the path",
            )


def ingest_files(case: Case, paths: list[Path], opts: IngestOptions) -> IngestResult:
    """Ingest files for one holder, all or nothing.

    The rows, the evidence rows and the custody head commit in one transaction; the custody
    entry (with a digest of each sheet's rows) is written ahead of the commit and names the
    staged evidence files, so a crash at any point is completed or undone on the next open.
    """
    return ingest_many(case, [(paths, opts)])[0]


def ingest_many(case: Case, batches: Sequence[tuple[Sequence[Path], IngestOptions]],
                progress: Callable[[int, int], None] | None = None) -> list[IngestResult]:
    """Several ``ingest_files`` calls (each all or nothing, each its own custody entry) over one
    connection to the store: a seizure of many small files is not paced by opening and closing it.

    A batch that fails raises; the batches before it stay ingested, as separate calls would leave them.
    """
    prepared = [([Path(p) for p in paths], opts) for paths, opts in batches]
    for paths, opts in prepared:
        _check_options(opts, paths)
    results: list[IngestResult] = []
    # The files of the next few batches are hashed on a thread while this one is written: hashing
    # lets go of the GIL, and the writer mostly waits on DuckDB and fsync.
    hasher = ThreadPoolExecutor(max_workers=1, thread_name_prefix="qinglian-hash")
    ahead: list[dict[Path, Future[evidence.Digest]]] = []
    try:
        with case.connect() as con:
            install_macros(con)
            session = _Session()
            for i, (paths, opts) in enumerate(prepared):
                while len(ahead) < min(i + 1 + HASH_AHEAD, len(prepared)):
                    files = dict.fromkeys(prepared[len(ahead)][0])
                    ahead.append({p: hasher.submit(evidence.digest_file, p) for p in files})
                session.hashes = ahead[i]
                if progress:
                    progress(i, len(prepared))
                results.append(_ingest_batch(case, con, paths, opts, session))
    finally:
        hasher.shutdown(wait=True, cancel_futures=True)
    if progress:
        progress(len(prepared), len(prepared))
    return results


def _ingest_batch(
    case: Case,
    con: duckdb.DuckDBPyConnection,
    paths: list[Path],
    opts: IngestOptions,
    session: _Session | None = None,
) -> IngestResult:
    """One all-or-nothing ingest on an open connection (see ``ingest_files``); ``session`` carries
    what the batches before it on ``con`` learnt about the store."""
    session = session if session is not None else _Session()
    run = _Run(case, con, opts, session)
    con.begin()
    try:
        for p in paths:
            run.file(p, str(p))
        staged = [c.result() for c in run.copies]  # a failed copy fails the ingest
        wal.crashpoint("ingest.staged")
        result = IngestResult(run.outcomes)
        new = [f for f in result.files if f.status != "duplicate"]
        if new:
            case.log(
                "ingest",
                {
                    "files": [str(p) for p in paths],
                    "holder": opts.holder,
                    "site": opts.site,
                    "kind": opts.kind,
                    "encoding": opts.encoding,
                    "sheet": opts.sheet,
                    "map": opts.mapping,
                },
                user=opts.user,
                details={"evidence": [_evidence_detail(f) for f in new]},
                con=con,
                moves=[_move(case, tmp) for tmp in staged],
            )
        con.commit()
        session.prefixes_loaded = run.prefixes_loaded
        run.holders.update(dict.fromkeys(run.seen, opts.holder))  # every file it saw, it registered
        wal.crashpoint("ingest.committed")
    except BaseException:
        con.rollback()
        wait(run.copies)
        for c in run.copies:
            if c.exception() is None:
                evidence.discard(c.result())
        raise
    finally:
        run.copier.shutdown(wait=True)
        for d in run.tmpdirs:
            archive.remove_tree(d)
        try:
            case.tmp_dir.rmdir()  # a refused file leaves no folder behind either
        except OSError:
            pass
    return result


def _evidence_detail(f: FileOutcome) -> dict[str, Any]:
    detail: dict[str, Any] = {"sha256": f.sha256, "file": f.display, "status": f.status, "rows": f.rows}
    if f.status == "ingested":
        detail["sheets"] = [
            {"sheet": s.sheet, "kind": s.kind, "rows": s.rows, "digest": s.digest} for s in f.sheets
        ]
    return detail


def _move(case: Case, staged: Path) -> tuple[str, str]:
    final = staged.with_name(staged.name.removesuffix(evidence.STAGING_SUFFIX))
    return str(staged.relative_to(case.root)), str(final.relative_to(case.root))
