"""``qinglian report``: gather the case once, write the chosen formats into CASE/reports/, log it.

A normal run is logged as ``report``. A run with ``--reveal`` needs a reason and is logged as
``report.reveal`` (who, why, which files) BEFORE any file is written, so an interrupted reveal
still leaves its entry; its outputs hold unmasked personal information, carry "-revealed" in
their names and are readable by their owner only (0600). The finished run is logged as ``report``.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import re
import secrets
import threading
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import duckdb

from qinglian.errors import QinglianError
from qinglian.i18n import t
from qinglian.privacy import NameMatcher, create_private, reveal_reason
from qinglian.report.formats import choose
from qinglian.report.masks import Premasked, record_masks
from qinglian.report.privacy import Redactor, case_names, names_in_force
from qinglian.store.evidence import sha256_file

if TYPE_CHECKING:
    from qinglian.report.casefile import CaseFile

FORMATS: tuple[str, ...] = ("html", "pdf", "xlsx", "ftm")
Progress = Callable[[str, int, int], None]
SUFFIX = {"html": ".html", "pdf": ".pdf", "xlsx": ".xlsx", "ftm": ".ftm.jsonl"}


@dataclass(frozen=True)
class ReportOptions:
    holder: str | None = None
    formats: tuple[str, ...] = FORMATS
    reveal: bool = False
    user: str | None = None
    reason: str | None = None  # required with reveal; written to the custody log
    limit: int = 200  # rows per table in HTML/PDF; XLSX and FtM are complete
    holder_limit: int = 20  # rows per table in each holder's chapter of the case report


def parse_formats(value: str | None) -> tuple[str, ...]:
    return choose(value or None, FORMATS, "报告", "report")


def file_stem(holder: str | None, reveal: bool) -> str:
    """A safe file name: holder names are seized text, so only word characters survive."""
    if holder is None:
        stem = "案件材料"
    else:
        slug = re.sub(r"[^\w-]+", "_", holder, flags=re.UNICODE).strip("_")[:40] or "holder"
        stem = f"单位材料-{slug}-{hashlib.sha1(holder.encode()).hexdigest()[:8]}"
    return stem + ("-revealed" if reveal else "")


def _appendix_apart(case_root: Path, path: Path, names: NameMatcher | None, private: bool,
                    write: Callable[..., object]) -> None:
    """An appendix (XLSX, FtM) in a process of its own, over a read-only connection of its own;
    ``write(con, path=...)`` writes it."""
    from qinglian.store.case import Case

    # the case was opened (and migrated) by the parent, which holds it open for reading meanwhile
    with Case(case_root).connect(read_only=True) as con, names_in_force(names):
        # one thread: this process shares the cores with the other appendix and the case file's
        con.execute("SET threads = 1")
        _atomic(path, partial(_write_appendix, write, con), private)


# A report's case file on its way to the XLSX worker that started before it was gathered, by report.
_LATE: dict[str, Any] = {}
_LATE_LOCK = threading.Lock()


def _late_case_file(token: str) -> CaseFile:
    """In the XLSX worker: the case file the report sends once gathered."""
    got = _LATE[token].get()
    if got is None:
        raise QinglianError("案件材料未能汇总，XLSX 未写出", "the case file was not gathered; no XLSX written")
    return cast("CaseFile", got)


def _write_appendix(write: Callable[..., object], con: duckdb.DuckDBPyConnection, path: Path) -> None:
    write(con, path=path)


def _write_text(text: str, path: Path) -> None:
    path.write_text(text, encoding="utf-8")


def _atomic(path: Path, write: Callable[[Path], object], private: bool = False) -> Path:
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        if private:
            create_private(tmp)
        write(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def build_report(case_dir: Path, opts: ReportOptions, progress: Progress | None = None,
                 premasked: Premasked | None = None) -> list[Path]:
    """Write the chosen formats; ``progress(step, done, total)`` is called as each part is done.
    ``premasked``: the case's texts masked ahead (``masks.mask_ahead``), used if made with the same names."""
    from qinglian.report.casefile import gather_casefile
    from qinglian.report.data import holders
    from qinglian.report.ftm import write_ftm
    from qinglian.report.html import casefile_pictures, render_casefile
    from qinglian.report.pdf import write_pdf
    from qinglian.report.xlsx import LateCaseFile, write_xlsx
    from qinglian.store.case import open_case

    reason = reveal_reason(opts.reveal, opts.reason)
    case = open_case(case_dir)
    meta = case.meta()
    case.reports_dir.mkdir(exist_ok=True)
    stem = file_stem(opts.holder, opts.reveal)
    paths: list[Path] = []
    total = len(opts.formats) + 1

    def done(step: str, n: int) -> None:
        if progress:
            progress(step, n, total)

    done("gather", 0)
    with case.connect() as con:
        if opts.holder is not None and opts.holder not in holders(con):
            raise QinglianError(
                "案件中没有这个被检查单位",
                "no such holder in the case",
                hint_zh="不带 --holder 运行可看到全部单位名称",
                hint_en="run without --holder to see every holder's name",
            )
        if opts.reveal:
            case.log("report.reveal", {"holder": opts.holder, "formats": list(opts.formats), "reason": reason},
                     user=opts.user,
                     details={"files": [stem + SUFFIX[f] for f in opts.formats],
                              "note": t("即将写出含未遮蔽个人信息的报告", "about to write a report with unmasked PI")},
                     con=con)
        names = None if opts.reveal else case_names(con)
    path_of = {fmt: case.reports_dir / (stem + SUFFIX[fmt]) for fmt in opts.formats}
    # The appendices (XLSX, FtM) are the longest parts: on a machine with more than one core each is
    # written by a process of its own (reading the store too) while this one writes HTML and PDF.
    apart = [f for f in ("ftm", "xlsx") if f in opts.formats] if len(opts.formats) > 1 and (
        os.cpu_count() or 1) > 1 else []
    pending: dict[str, Future[None]] = {}
    pool = None
    late: str | None = None  # with fork: the XLSX starts before the case file is gathered, which follows
    if apart:
        # fork where there is one: no store connection is open at this point, and nothing is re-imported;
        # with fork every worker starts at the first submit, made here before the store is opened again
        method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
        ctx = multiprocessing.get_context(method)
        if method == "fork" and "xlsx" in apart:
            late = secrets.token_hex(8)
            with _LATE_LOCK:
                _LATE[late] = ctx.SimpleQueue()  # in the workers' memory from the fork on
        pool = ProcessPoolExecutor(max_workers=len(apart), mp_context=ctx)
        pool.submit(int).result()
    try:
        with case.connect(read_only=True) as con, names_in_force(names):
            if pool is not None:  # the appendix processes take the other core
                con.execute("SET threads = 1")
            # the texts both appendices print, masked once (half by a helper) and handed to each
            known = premasked.usable(names) if premasked is not None else None
            masks = record_masks(con, Redactor(opts.reveal, names), opts.holder, known=known, helper=pool) if {
                "xlsx", "ftm"} & set(opts.formats) else None
            ftm = partial(write_ftm, reveal=opts.reveal, holder=opts.holder, names=names, masks=masks)
            if pool is not None and "ftm" in apart:  # the FtM needs nothing gathered: it starts first
                pending["ftm"] = pool.submit(_appendix_apart, case.root, path_of["ftm"], names, opts.reveal, ftm)
            if pool is not None and late is not None:
                early = LateCaseFile(opts.holder, opts.reveal, partial(_late_case_file, late))
                pending["xlsx"] = pool.submit(_appendix_apart, case.root, path_of["xlsx"], names, opts.reveal,
                                              partial(write_xlsx, data=early, people=names, masks=masks))
            cf = gather_casefile(con, case_name=str(meta.get("name", case.root.name)),
                                 agency=str(meta.get("agency", "")), holder=opts.holder, reveal=opts.reveal)
        if late is not None:
            _LATE[late].put(cf)
        # each appendix as write(con, path=...): picklable, so it can go to a process of its own
        appendix: dict[str, Callable[..., object]] = {
            "xlsx": partial(write_xlsx, data=cf, people=names, masks=masks), "ftm": ftm}
        if pool is not None and "xlsx" in apart and late is None:
            pending["xlsx"] = pool.submit(_appendix_apart, case.root, path_of["xlsx"], names, opts.reveal,
                                          appendix["xlsx"])
        with names_in_force(names):
            pics = casefile_pictures(cf) if "html" in opts.formats else None
            prints = casefile_pictures(cf, raster=True) if "pdf" in opts.formats else None
        done("gather", 1)
        finished = 1
        with case.connect(read_only=True) as con, names_in_force(names):
            for fmt in opts.formats:
                path = path_of[fmt]
                if fmt in pending:
                    continue
                if fmt == "html":
                    _atomic(path, partial(_write_text, render_casefile(cf, names=names, pictures=pics)), opts.reveal)
                elif fmt == "pdf":
                    _atomic(path, lambda p: write_pdf(render_casefile(cf, for_pdf=True, names=names, pictures=prints),
                                                      p), opts.reveal)
                else:
                    _atomic(path, partial(_write_appendix, appendix[fmt], con), opts.reveal)
                finished += 1
                done(fmt, finished)
        for fmt, future in pending.items():
            future.result()
            finished += 1
            done(fmt, finished)
    finally:
        if late is not None:
            _LATE[late].put(None)  # an XLSX still waiting (the gathering failed) gives up; else unread
        if pool is not None:
            pool.shutdown(cancel_futures=True)
        if late is not None:
            with _LATE_LOCK:
                _LATE.pop(late).close()
    paths = [path_of[fmt] for fmt in opts.formats]
    with case.connect() as con:
        case.log(
            "report",
            {"holder": opts.holder, "formats": list(opts.formats), "reveal": opts.reveal},
            user=opts.user,
            details={
                "outputs": [{"file": p.name, "sha256": sha256_file(p)} for p in paths],
                "analyses": sorted({r.analysis for r in cf.runs}),
                "note": t("报告含未遮蔽的个人信息", "report holds unmasked PI") if opts.reveal else "",
            },
            con=con,
        )
    return paths
