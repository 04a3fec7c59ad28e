"""What every reader yields: a sheet with its header row and Arrow batches of strings."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from qinglian.errors import QinglianError
from qinglian.ingest.mapping import looks_like_value, recognised_count

ROW_NO = "__row_no"
HEADER_SCAN_ROWS = 30


@dataclass
class Warning_:
    """Something the user should know about a sheet that did not stop the ingest."""

    zh: str
    en: str
    row: int | None = None


@dataclass
class SheetData:
    sheet: str | None
    header_row: int  # 1-based row of the header as a spreadsheet shows it
    headers: list[str]
    batches: Iterator[pa.Table]  # columns c0..c{n-1} as strings, plus __row_no (int64)
    warnings: list[Warning_] = field(default_factory=list)


def row_numbers(first: int, n: int) -> pa.Array:
    """first, first + 1, … as an int64 array (built from a buffer: ``pa.array`` of a numpy
    array imports pandas, about a second of every ingest)."""
    return pa.Array.from_buffers(pa.int64(), n, [None, pa.py_buffer(np.arange(first, first + n, dtype=np.int64))])


def column_names(n: int) -> list[str]:
    return [f"c{i}" for i in range(n)]


def find_header(rows: list[list[str]]) -> int:
    """Index of the header among the first rows: the one with most recognised headers,
    else the first row as wide as the widest (title rows above a table are narrower)."""
    best_i, best_n = -1, 0
    for i, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        n = recognised_count([c.strip() for c in row])
        if n > best_n:
            best_i, best_n = i, n
    if best_i >= 0:
        return best_i
    widths = [sum(1 for c in r if str(c).strip()) for r in rows[:HEADER_SCAN_ROWS]]
    if not widths or max(widths) == 0:
        return 0
    return widths.index(max(widths))


def check_headers(headers: list[str], file: str, sheet: str | None, header_row: int) -> list[str]:
    """Strip headers; duplicate headers are an error (which column would be which?), and so is
    a header row that reads as data (the file has none), named by column positions only."""
    clean = [h.strip() for h in headers]
    if not recognised_count(clean):
        data_cols = [i + 1 for i, h in enumerate(clean) if h and looks_like_value(h)]
        if data_cols:
            cols = "、".join(str(c) for c in data_cols[:10]) + ("……" if len(data_cols) > 10 else "")
            cols_en = ", ".join(str(c) for c in data_cols[:10]) + (", ..." if len(data_cols) > 10 else "")
            raise QinglianError(
                f"找不到表头行：用作表头的这一行第 {cols} 列是号码、日期或数值，像是数据，文件可能没有表头",
                f"no header row found: columns {cols_en} of the row taken as the header hold numbers, "
                "dates or amounts, so it reads as data; the file may have no header row",
                file=file,
                sheet=sheet,
                row=header_row,
                hint_zh="在原文件副本的第一行加上表头（例如 手机号,姓名,身份证号）后重新导入",
                hint_en="add a header row (for example 手机号,姓名,身份证号) at the top of a copy of the file and ingest again",
            )
    seen: dict[str, int] = {}
    for i, h in enumerate(clean):
        if not h:
            continue
        if h in seen:
            raise QinglianError(
                f"表头重复：“{h}”同时出现在第 {seen[h] + 1} 列和第 {i + 1} 列",
                f"duplicate header '{h}' in columns {seen[h] + 1} and {i + 1}",
                file=file,
                sheet=sheet,
                row=header_row,
                hint_zh="在原文件副本中改名其中一列，或用 --map 指定要用的列后重新导入",
                hint_en="rename one of the columns in a copy of the file, or choose with --map, and ingest again",
            )
        seen[h] = i
    return clean


def blank_header_error(
    col: int, file: str, sheet: str | None, header_row: int, data_row: int
) -> QinglianError:
    return QinglianError(
        f"第 {col + 1} 列没有表头，但第 {data_row} 行在该列有数据",
        f"column {col + 1} has no header but row {data_row} has data in it",
        file=file,
        sheet=sheet,
        row=header_row,
        hint_zh="在原文件副本中为该列补上表头后重新导入",
        hint_en="give the column a header in a copy of the file and ingest again",
    )


def encoding_error(display: str, codec: str, line: int | None = None) -> QinglianError:
    return QinglianError(
        f"文件内容无法按 {codec} 编码读取",
        f"the file cannot be read as {codec}",
        file=display,
        row=line,
        hint_zh="用 --encoding 指定正确的编码后重新导入，例如 --encoding gbk",
        hint_en="give the right encoding with --encoding and ingest again, e.g. --encoding gbk",
    )
