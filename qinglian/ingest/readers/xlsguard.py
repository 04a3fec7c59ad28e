"""A legacy XLS workbook (BIFF8 in an OLE2 compound file) measured before the Excel reader opens it.

BIFF8 addresses cells with 16-bit rows and columns, and the reader allocates a sheet's whole
bounding box: one crafted cell record at (65535, 65535) in a file of a few KB asks for four
billion cells. The compound file is read far enough to find the workbook stream, and the
stream's records are walked once (a sheet holds at most 65,536 rows) to find each sheet's
farthest cell before the reader runs.
"""

from __future__ import annotations

import mmap
import struct
from pathlib import Path

from qinglian.errors import QinglianError
from qinglian.ingest.limits import LIMITS, Limits, column_letters

MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_END = 0xFFFFFFFE
_BOF = 0x0809
_EOF = 0x000A
_MULTI = (0x00BD, 0x00BE)  # MULRK, MULBLANK: row, first column, ..., last column
# Records that place one cell (row, column first): LABELSST, NUMBER, RK, LABEL, BOOLERR,
# FORMULA, RSTRING, BLANK (counted too: a genuine BIFF8 sheet cannot pass 256 columns anyway)
# and the BIFF2-4 forms calamine also reads.
_CELL = frozenset({0x00FD, 0x0203, 0x027E, 0x0204, 0x0205, 0x0006, 0x00D6, 0x0201, 0x0003, 0x0004, 0x0002, 0x0005})


def _damaged(display: str) -> QinglianError:
    return QinglianError(
        "Excel 文件已损坏、被截断或加密，无法打开",
        "the Excel file is damaged, truncated or encrypted and cannot be opened",
        file=display,
        hint_zh="确认文件完整；加密文件请先在 Excel 中解除密码，另存副本后导入",
        hint_en="check that the file is complete; remove a password in Excel and ingest a saved copy",
    )


def _chain(fat: list[int], start: int, display: str) -> list[int]:
    """Sector numbers of a chain; a loop or a pointer out of the table is damage."""
    out: list[int] = []
    s = start
    while s != _END:
        if s >= len(fat) or len(out) > len(fat):
            raise _damaged(display)
        out.append(s)
        s = fat[s]
    return out


def workbook_stream(data: bytes | mmap.mmap, display: str) -> bytes:
    """The 'Workbook' (or BIFF5 'Book') stream of an OLE2 compound file."""
    if len(data) < 512 or data[: len(MAGIC)] != MAGIC:
        raise _damaged(display)
    try:
        sector = 1 << struct.unpack_from("<H", data, 0x1E)[0]
        mini = 1 << struct.unpack_from("<H", data, 0x20)[0]
        n_fat, first_dir = struct.unpack_from("<II", data, 0x2C)
        cutoff, first_minifat, n_minifat, first_difat, n_difat = struct.unpack_from("<IIIII", data, 0x38)
        if sector not in (512, 4096) or mini != 64:
            raise _damaged(display)
        n_sectors = (len(data) - 512) // sector + 1

        def read(s: int) -> bytes:
            at = 512 + s * sector if sector == 512 else sector * (s + 1)
            return data[at : at + sector]

        difat = list(struct.unpack_from("<109I", data, 0x4C))
        s = first_difat
        for _ in range(min(n_difat, n_sectors)):
            if s >= n_sectors:
                break
            block = read(s)
            words = struct.unpack(f"<{sector // 4}I", block)
            difat += words[:-1]
            s = words[-1]
        fat_sectors = [x for x in difat if x < n_sectors][: max(n_fat, 0)]
        fat: list[int] = []
        for x in fat_sectors:
            block = read(x)
            fat += struct.unpack(f"<{len(block) // 4}I", block[: len(block) // 4 * 4])
        directory = b"".join(read(x) for x in _chain(fat, first_dir, display))
        if not directory or len(directory) % 128:
            raise _damaged(display)  # a directory cut short (the reader panics on it)
        entries: dict[str, tuple[int, int]] = {}
        root: tuple[int, int] | None = None
        for at in range(0, len(directory) - 127, 128):
            name_len = struct.unpack_from("<H", directory, at + 64)[0]
            kind = directory[at + 66]
            start, size = struct.unpack_from("<II", directory, at + 116)
            name = directory[at : at + max(0, min(name_len, 64) - 2)].decode("utf-16-le", errors="replace")
            if kind == 5:
                root = (start, size)
            elif kind == 2:
                entries.setdefault(name, (start, size))
        found = entries.get("Workbook") or entries.get("Book")
        if found is None:
            raise _damaged(display)
        start, size = found
        if size >= cutoff:
            stream = b"".join(read(x) for x in _chain(fat, start, display))
            return stream[:size]
        if root is None:
            raise _damaged(display)
        ministream = b"".join(read(x) for x in _chain(fat, root[0], display))
        minifat: list[int] = []
        for x in _chain(fat, first_minifat, display)[: max(n_minifat, 0)]:
            block = read(x)
            minifat += struct.unpack(f"<{len(block) // 4}I", block[: len(block) // 4 * 4])
        stream = b"".join(ministream[x * mini : (x + 1) * mini] for x in _chain(minifat, start, display))
        return stream[:size]
    except struct.error as exc:
        raise _damaged(display) from exc


def sheet_extents(stream: bytes) -> list[tuple[int, int]]:
    """(rows, columns) from A1 to the farthest value of each worksheet substream, in order."""
    extents: list[tuple[int, int]] = []
    pos, end = 0, len(stream) - 4
    rows = cols = 0
    in_sheet = False
    while pos <= end:
        rec, length = struct.unpack_from("<HH", stream, pos)
        body = pos + 4
        pos = body + length
        if pos > len(stream):
            break  # a record cut short: the reader stops there too and reports the damage
        if rec == _BOF:
            in_sheet = length >= 4 and struct.unpack_from("<H", stream, body + 2)[0] == 0x0010
            rows = cols = 0
        elif rec == _EOF:
            if in_sheet:
                extents.append((rows, cols))
            in_sheet = False
        elif in_sheet and length >= 4 and (rec in _CELL or rec in _MULTI):
            row, col = struct.unpack_from("<HH", stream, body)
            if rec in _MULTI and length >= 6:
                col = max(col, struct.unpack_from("<H", stream, body + length - 2)[0])
            rows, cols = max(rows, row + 1), max(cols, col + 1)
    return extents


def check_xls(path: Path, display: str, limits: Limits | None = None) -> None:
    """Refuse an XLS whose sheets reach beyond the column or cell limits."""
    limits = limits or LIMITS
    with path.open("rb") as fh:
        if fh.read(len(MAGIC)) != MAGIC:
            return  # not a compound file: the reader reports what it is
        with mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as data:
            stream = workbook_stream(data, display)
            extents = sheet_extents(stream)
    for i, (rows, cols) in enumerate(extents):
        if rows * cols > limits.max_sparse_cells and rows * cols > len(stream):
            # a cell record takes at least 10 bytes: an area far larger than the stream is empty
            raise QinglianError(
                f"Excel 文件超出安全限制：第 {i + 1} 个工作表的数据区域为 {rows:,} 行 × {cols:,} 列，"
                "但几乎全空，疑似恶意构造，未读入",
                f"the Excel file exceeds a safety limit: sheet {i + 1} spans {rows:,} rows x {cols:,} columns "
                "but is almost empty; likely crafted; not read",
                file=display,
                hint_zh="确属证据时，请在 Excel 中删除空白区域，另存为 XLSX 后导入",
                hint_en="if it is genuine evidence, delete the empty area in Excel, save as XLSX and ingest that",
            )
        if cols > limits.max_columns or rows * cols > limits.max_cells:
            raise QinglianError(
                f"Excel 文件超出安全限制：第 {i + 1} 个工作表的数据区域为 {rows:,} 行 × {cols:,} 列"
                f"（到 {column_letters(cols - 1)} 列），超过 {limits.max_columns:,} 列或 {limits.max_cells:,} 个单元格，未读入",
                f"the Excel file exceeds a safety limit: sheet {i + 1} spans {rows:,} rows x {cols:,} columns "
                f"(to column {column_letters(cols - 1)}), over {limits.max_columns:,} columns or "
                f"{limits.max_cells:,} cells; not read",
                file=display,
                hint_zh="文件可能是恶意构造的；确属证据时，请在 Excel 中另存为 XLSX 后导入",
                hint_en="the file may be crafted to attack; if it is genuine evidence, save it as XLSX in Excel and ingest that",
            )
