"""XLSX / XLS workbooks (python-calamine): every sheet, header found below merged title rows.

Cells become text as the investigator sees them: whole numbers without ".0" (phone numbers
are often stored as numbers), dates as ISO text, durations as seconds. Formula cells are read
as the value the file saved and are reported, never evaluated.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
from python_calamine import CalamineError, CalamineWorkbook

from qinglian.errors import QinglianError
from qinglian.ingest.readers.base import (
    HEADER_SCAN_ROWS,
    ROW_NO,
    SheetData,
    Warning_,
    check_headers,
    column_names,
    find_header,
    row_numbers,
)
from qinglian.ingest.readers.xlsguard import MAGIC as XLS_MAGIC
from qinglian.ingest.readers.xlsguard import check_xls
from qinglian.ingest.readers.xlsxguard import check_xlsx

BATCH_CELLS = 400_000  # cells per batch: a batch is Python text first (~100 bytes a cell)


def cell_text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, float):
        if v.is_integer() and abs(v) < 1e17:
            return str(int(v))
        return repr(v)
    if isinstance(v, datetime):
        return v.isoformat(sep=" ")
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, time):
        return v.isoformat()
    if isinstance(v, timedelta):
        return str(v.total_seconds())
    return str(v)


def _reader_failure(exc: BaseException) -> bool:
    """Whether calamine gave up on the file: its errors, or a Rust panic on damaged input, which
    pyo3 raises as PanicException (a BaseException, so ``except Exception`` misses it)."""
    return isinstance(exc, (CalamineError, OSError, ValueError, RuntimeError)) or type(exc).__name__ == "PanicException"


def read_excel(path: Path, display: str, only_sheet: str | None) -> Iterator[SheetData]:
    if path.stat().st_size == 0:
        raise QinglianError("文件为空（0 字节）", "the file is empty (0 bytes)", file=display)
    with path.open("rb") as fh:
        magic = fh.read(8)
    # Measured before calamine sees it: calamine allocates a sheet's whole bounding box.
    guard = check_xlsx(path, display) if magic.startswith(b"PK") else None
    if magic == XLS_MAGIC:
        check_xls(path, display)
    try:
        wb = CalamineWorkbook.from_path(str(path))
    except BaseException as exc:
        if not _reader_failure(exc):
            raise
        raise QinglianError(
            "Excel 文件已损坏、被截断或加密，无法打开",
            "the Excel file is damaged, truncated or encrypted and cannot be opened",
            file=display,
            hint_zh="确认文件完整；加密文件请先在 Excel 中解除密码，另存副本后导入",
            hint_en="check that the file is complete; remove a password in Excel and ingest a saved copy",
        ) from exc
    names = list(wb.sheet_names)
    if only_sheet is not None:
        if only_sheet not in names:
            raise QinglianError(
                f"没有名为“{only_sheet}”的工作表",
                f"there is no sheet named '{only_sheet}'",
                file=display,
                hint_zh="工作表有：" + "、".join(names),
                hint_en="sheets: " + ", ".join(names),
            )
        names = [only_sheet]
    for name in names:
        try:
            ws = wb.get_sheet_by_name(name)
            origin = ws.start
            rows = ws.iter_rows()
        except BaseException as exc:
            if not _reader_failure(exc):
                raise
            raise QinglianError(
                "工作表无法读取（文件可能损坏）",
                "the sheet cannot be read (the file may be damaged)",
                file=display,
                sheet=name,
            ) from exc
        if origin is None:
            continue  # no value anywhere
        # iter_rows starts at row 1 but at the first column holding a value: pad to column A
        pad = [""] * origin[1]
        text_rows = ([*pad, *(cell_text(v) for v in r)] for r in rows)
        head = list(itertools.islice(text_rows, HEADER_SCAN_ROWS))
        if not any(c.strip() for r in head for c in r):
            more = next(text_rows, None)
            if more is None:
                continue
            head.append(more)
        formula_rows = guard.formula_rows(list(wb.sheet_names).index(name)) if guard is not None else []
        yield _sheet(display, name, head, text_rows, formula_rows)


def _sheet(
    display: str, name: str, head: list[list[str]], rest: Iterator[list[str]], all_formula_rows: list[int]
) -> SheetData:
    """The header is found among the first rows; the rows below it are streamed in batches (the
    whole sheet as Python text would take ~150 bytes a cell). Columns without a header are
    kept: data under one is reported by the ingest with its row, and empty ones are dropped."""
    h = find_header(head)
    header_row = h + 1
    width = max(len(r) for r in head)
    headers = check_headers(head[h] + [""] * (width - len(head[h])), display, name, header_row)
    warnings: list[Warning_] = []
    formula_rows = [r for r in all_formula_rows if r > header_row]
    if formula_rows:
        warnings.append(
            Warning_(
                f"含 {len(formula_rows)} 个公式单元格，已按文件保存的计算结果读入，公式未执行",
                f"{len(formula_rows)} formula cells read as the values saved in the file; formulas not run",
                row=formula_rows[0],
            )
        )
    names = column_names(width)
    data = itertools.chain(head[h + 1 :], rest)

    def batches() -> Iterator[pa.Table]:
        first = header_row + 1
        per_batch = max(1, BATCH_CELLS // max(width, 1))
        while chunk := list(itertools.islice(data, per_batch)):
            chunk = [r + [""] * (width - len(r)) if len(r) < width else r[:width] for r in chunk]
            columns = zip(*chunk, strict=True)
            cols: dict[str, Any] = {n: pa.array(col, type=pa.string()) for n, col in zip(names, columns, strict=True)}
            cols[ROW_NO] = row_numbers(first, len(chunk))
            first += len(chunk)
            yield pa.table(cols)

    return SheetData(sheet=name, header_row=header_row, headers=headers, batches=batches(), warnings=warnings)
