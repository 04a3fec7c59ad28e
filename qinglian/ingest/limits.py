"""Bounds on what one evidence file may make the readers hold, checked before parsing.

Seized files are hostile input: a 1.5 KB workbook can declare a cell at XFD1048576, a JSON
file can nest 200,000 arrays, a text file can hold no line break at all. Every bound here is
far above what a genuine export needs (the largest seized tables seen run to ~60 columns and
a few MB per transcript cell) and low enough that a file within them fits in memory.
"""

from __future__ import annotations

from dataclasses import dataclass

from qinglian.errors import QinglianError


@dataclass(frozen=True)
class Limits:
    # Columns of one sheet (CSV, XLSX, JSON). Each column costs a SQL expression per row.
    max_columns: int = 500
    # One CSV record (a line, or several lines where a quoted value holds line breaks).
    max_record_bytes: int = 4 << 20
    # Cells in the bounding box of one worksheet: the Excel reader allocates all of them.
    max_cells: int = 30_000_000
    # Above this many cells a sheet must hold at least one byte of XML per cell of its
    # bounding box: a few values far apart would make the reader allocate the empty area.
    max_sparse_cells: int = 2_000_000
    # Uncompressed size of one part of an XLSX container, and of all its parts together.
    max_part_bytes: int = 4 << 30
    max_workbook_bytes: int = 8 << 30
    # Compression ratio of one XLSX part (spreadsheet XML compresses ~10-50x; deflate's
    # ceiling is ~1000x, which only crafted data reaches).
    max_part_ratio: float = 500.0
    # Shared strings of one workbook: calamine holds them all in memory while reading.
    max_shared_strings: int = 30_000_000
    max_shared_strings_bytes: int = 2 << 30
    # Nesting of JSON values, and the text of one JSON record.
    max_json_depth: int = 64
    max_json_record_bytes: int = 16 << 20


LIMITS = Limits()


def mib(n: int) -> str:
    """A byte count as the user reads it."""
    return f"{n / (1 << 20):,.0f} MB" if n >= 1 << 20 else f"{n / 1024:,.0f} KB"


def column_letters(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA: how a spreadsheet names a column."""
    out = ""
    n = index + 1
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


def column_index(letters: str) -> int:
    """A -> 0, AA -> 26 (the inverse of column_letters)."""
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def too_many_columns(
    n: int, file: str, sheet: str | None = None, row: int | None = None, limits: Limits = LIMITS
) -> QinglianError:
    return QinglianError(
        f"该表有 {n:,} 列，超过上限 {limits.max_columns:,} 列，未读入",
        f"the table has {n:,} columns, more than the limit of {limits.max_columns:,}; not read",
        file=file,
        sheet=sheet,
        row=row,
        hint_zh="检查分隔符或文件类型是否正确；确属证据时，请在原文件副本中拆分为列数较少的几个表后分别导入",
        hint_en="check the delimiter and the file type; if it is genuine evidence, split a copy into "
        "narrower tables and ingest them one by one",
    )
