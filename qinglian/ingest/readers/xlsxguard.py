"""An XLSX workbook measured before the Excel reader opens it.

The reader (calamine) allocates every cell of a sheet's bounding box at once and keeps all
shared strings in memory, so a 1.5 KB file with one value at XFD1048576 asks for 17 billion
cells. This module reads the zip's directory (declared part sizes and ratios) and streams
each part once: the shared strings are counted and every worksheet's extent is found without
building cells. An honest sheet declares its extent in ``<dimension ref=...>``; the scan then
only looks for a cell beyond it (a regular expression that matches nothing in such a file),
and measures the extent cell by cell only where the declaration is missing or wrong.
The same pass finds the rows of formula cells, which calamine does not report.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from qinglian.errors import QinglianError
from qinglian.ingest.limits import LIMITS, Limits, column_index, column_letters, mib

CHUNK = 1 << 20
OVERLAP = 4096  # longer than any tag the patterns match (their repeats are bounded below)

_DIMENSION = re.compile(rb'<(?:\w{1,20}:)?dimension\b[^>]{0,200}?\bref\s*=\s*["\']([A-Za-z]+)?(\d+)?(?::([A-Za-z]+)(\d+))?')
# Cells with a value (calamine skips self-closing, style-only cells), with their reference.
_CELL_REF = re.compile(
    rb'<(?:\w{1,20}:)?c\s[^>]{0,300}?\br\s*=\s*["\']\$?([A-Za-z]{1,8})\$?(\d{1,12})["\'][^>]{0,300}(?<!/)>'
)
_ROW_REF = re.compile(rb'<(?:\w{1,20}:)?row\s[^>]{0,300}?\br\s*=\s*["\'](\d{1,12})')
# Cells and rows without a reference: calamine places them after the previous one.
_UNREF = re.compile(rb"<(?:\w{1,20}:)?(?:c|row)(?=[\s>/])(?![^>]{0,300}\br\s*=)")
_UNREF_OR_ROW_END = re.compile(rb"<(?:\w{1,20}:)?(?:c|row)(?=[\s>/])|</(?:\w{1,20}:)?row\s*>", re.IGNORECASE)
_FORMULA = re.compile(
    rb'<(?:\w{1,20}:)?c\s[^>]{0,300}?\br\s*=\s*["\'][A-Za-z]{1,8}(\d{1,12})["\'][^>]{0,300}>\s{0,100}<(?:\w{1,20}:)?f[\s>/]'
)
_SHARED_COUNT = re.compile(rb'\buniqueCount\s*=\s*["\'](\d{1,15})')
_SI = re.compile(rb"<(?:\w{1,20}:)?si[\s>/]")


@dataclass
class SheetScan:
    part: str
    rows: int = 0  # bounding box the reader will allocate: rows x columns from A1
    columns: int = 0
    formula_rows: list[int] = field(default_factory=list)


def _letter(ch: str, upto: str = "") -> str:
    """A class matching one column letter in either case: ch alone, or ch up to `upto`."""
    if not upto:
        return f"[{ch}{ch.lower()}]"
    return f"[{ch}-{upto}{ch.lower()}-{upto.lower()}]"


def _greater_letters(x: str) -> str:
    """A pattern for column letters after x (A < Z < AA), in either case, then a digit."""
    alts = [f"[A-Za-z]{{{len(x) + 1},}}"]
    for i, ch in enumerate(x):
        if ch != "Z":
            same = "".join(_letter(c) for c in x[:i])
            alts.append(f"{same}{_letter(chr(ord(ch) + 1), 'Z')}[A-Za-z]{{{len(x) - i - 1}}}")
    return "(?:" + "|".join(alts) + r")\$?\d"


def _greater_number(n: int) -> str:
    """A pattern for decimal numbers above n (leading zeros allowed), ending at a non-digit."""
    s = str(n)
    alts = [f"[1-9]\\d{{{len(s)},}}"]
    for i, ch in enumerate(s):
        if ch != "9":
            alts.append(f"{s[:i]}[{int(ch) + 1}-9]\\d{{{len(s) - i - 1}}}")
    return "0*(?:" + "|".join(alts) + r")(?!\d)"


def _beyond(rows: int, columns: int) -> tuple[re.Pattern[bytes], re.Pattern[bytes]]:
    """Cells and rows past the declared extent, in the canonical form ``<c r="B7"`` (each pattern
    starts with a literal, which the regex engine finds at memchr speed)."""
    letters = _greater_letters(column_letters(columns - 1))
    big_row = _greater_number(rows)
    cell = re.compile(f'<c r="(?:{letters}|[A-Za-z]{{1,8}}\\$?{big_row})'.encode())
    row = re.compile(f'<row r="{big_row}'.encode())
    return cell, row


def _canonical(buf: bytes, end: int) -> bool:
    """Whether every cell and row tag in buf[:end] is written ``<c r="`` / ``<row r="`` (what
    Excel and the usual libraries write); anything else is measured cell by cell."""
    # occurrences that start before `end`
    return (
        buf.count(b"<c ", 0, end + 2) == buf.count(b'<c r="', 0, end + 5)
        and buf.count(b"<row ", 0, end + 4) == buf.count(b'<row r="', 0, end + 7)
        and b"<c>" not in buf
        and b"<row>" not in buf
        and b":c " not in buf
        and b":row " not in buf
    )


def _chunks(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> Iterator[tuple[bytes, int]]:
    """(buffer, end): a match that starts before `end` belongs to this buffer; the bytes from
    `end` on begin the next buffer, so a tag cut by a chunk boundary is seen whole, once."""
    carry = b""
    with zf.open(info) as fh:
        chunk = fh.read(CHUNK)
        while True:
            nxt = fh.read(CHUNK) if chunk else b""
            buf = carry + chunk
            if not nxt:
                yield buf, len(buf)
                return
            yield buf, len(buf) - OVERLAP
            carry = buf[-OVERLAP:]
            chunk = nxt


def _matches(pattern: re.Pattern[bytes], buf: bytes, end: int) -> Iterator[re.Match[bytes]]:
    for m in pattern.finditer(buf):
        if m.start() >= end:
            return
        yield m


def _matches_list(pattern: re.Pattern[bytes], buf: bytes, end: int) -> list[re.Match[bytes]]:
    return [m for m in _matches(pattern, buf, end) if not m.group(0).startswith((b"<si>", b"<si "))]


def _refuse(display: str, zh: str, en: str, sheet: str | None = None) -> QinglianError:
    return QinglianError(
        f"Excel 文件超出安全限制：{zh}，未读入",
        f"the Excel file exceeds a safety limit: {en}; not read",
        file=display,
        sheet=sheet,
        hint_zh="文件可能是恶意构造的；确属证据时，请在 Excel 中删除空白区域或拆分工作表，另存副本后导入",
        hint_en="the file may be crafted to attack; if it is genuine evidence, delete the empty area or split "
        "the sheet in Excel and ingest a saved copy",
    )


class Workbook:
    """The measured parts of one XLSX file."""

    def __init__(self, path: Path, display: str, limits: Limits = LIMITS) -> None:
        self.path = path
        self.display = display
        self.limits = limits
        self.sheets: dict[str, SheetScan] = {}

    def check(self) -> None:
        """Refuse the file if any part is beyond the limits; otherwise record each sheet's scan."""
        lim = self.limits
        with zipfile.ZipFile(self.path) as zf:
            infos = zf.infolist()
            total = 0
            for info in infos:
                total += info.file_size
                if info.file_size > lim.max_part_bytes:
                    raise _refuse(
                        self.display,
                        f"部件“{info.filename}”解压后 {mib(info.file_size)}，超过 {mib(lim.max_part_bytes)}",
                        f"part '{info.filename}' unpacks to {mib(info.file_size)}, over {mib(lim.max_part_bytes)}",
                    )
                if info.file_size > 1 << 20 and info.file_size > lim.max_part_ratio * max(info.compress_size, 1):
                    raise _refuse(
                        self.display,
                        f"部件“{info.filename}”压缩比过高（疑似压缩炸弹）",
                        f"part '{info.filename}' has an extreme compression ratio (a likely zip bomb)",
                    )
            if total > lim.max_workbook_bytes:
                raise _refuse(
                    self.display,
                    f"解压后共 {mib(total)}，超过 {mib(lim.max_workbook_bytes)}",
                    f"it unpacks to {mib(total)}, over {mib(lim.max_workbook_bytes)}",
                )
            for info in infos:
                lower = info.filename.lower()
                if lower.endswith("sharedstrings.xml"):
                    self._shared_strings(zf, info)
                elif not info.filename.endswith("/"):  # is_dir() fails on an empty name
                    # every other part: the reader finds sheets (and shared strings) through
                    # the workbook's relationships, which may name any part
                    self.sheets[info.filename] = self._sheet(zf, info)

    def formula_rows(self, sheet_index: int) -> list[int]:
        """Formula rows of the sheet at `sheet_index`, taking the parts in the order of their numbers
        (how Excel and most writers name them)."""
        names = [n for n in self.sheets if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n)]
        names.sort(key=lambda n: int(re.findall(r"\d+", n)[-1]))
        if sheet_index >= len(names):
            return []
        return self.sheets[names[sheet_index]].formula_rows

    def _shared_strings(self, zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
        lim = self.limits
        if info.file_size > lim.max_shared_strings_bytes:
            raise _refuse(
                self.display,
                f"共享字符串表 {mib(info.file_size)}，超过 {mib(lim.max_shared_strings_bytes)}",
                f"the shared strings take {mib(info.file_size)}, over {mib(lim.max_shared_strings_bytes)}",
            )
        count = 0
        declared_checked = False
        for buf, end in _chunks(zf, info):
            if not declared_checked:
                declared_checked = True
                m = _SHARED_COUNT.search(buf, 0, 4096)
                if m is not None and int(m.group(1)) > lim.max_shared_strings:
                    raise self._too_many_strings(int(m.group(1)))
            count += len(_SI.findall(buf, 0, end))
            if count > lim.max_shared_strings:
                raise self._too_many_strings(count)

    def _too_many_strings(self, n: int) -> QinglianError:
        return _refuse(
            self.display,
            f"共享字符串 {n:,} 个，超过 {self.limits.max_shared_strings:,} 个",
            f"{n:,} shared strings, over {self.limits.max_shared_strings:,}",
        )

    def _sheet(self, zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> SheetScan:
        scan = SheetScan(info.filename)
        declared: tuple[int, int] | None = None
        beyond: tuple[re.Pattern[bytes], re.Pattern[bytes]] | None = None
        first = True
        exact = False
        strings = 0
        for buf, end in _chunks(zf, info):
            strings += buf.count(b"<si>", 0, end + 3) + buf.count(b"<si ", 0, end + 3)
            if b":si" in buf:
                strings += len(_matches_list(_SI, buf, end))
            if strings > self.limits.max_shared_strings:
                raise self._too_many_strings(strings)
            if first:
                first = False
                declared = _declared(buf[:65536])
                if (
                    declared is not None
                    and declared[1] <= self.limits.max_columns
                    and declared[0] * declared[1] <= self.limits.max_cells
                ):
                    beyond = _beyond(*declared)
                else:
                    exact = True
            if buf.count(b"<f>", 0, end) or buf.count(b"<f ", 0, end) or b":f" in buf:
                scan.formula_rows += [int(m.group(1)) for m in _matches(_FORMULA, buf, end)]
            if not exact and beyond is not None:
                exact = not _canonical(buf, end) or any(
                    (m := pattern.search(buf)) is not None and m.start() < end for pattern in beyond
                )
        if exact:
            scan.rows, scan.columns = self._extent(zf, info)
        elif declared is not None:
            scan.rows, scan.columns = declared
        sheet = re.sub(r"\.xml$", "", info.filename.rsplit("/", 1)[-1], flags=re.I)
        if scan.columns > self.limits.max_columns:
            raise _refuse(
                self.display,
                f"工作表部件 {sheet} 的数据延伸到第 {scan.columns:,} 列（{column_letters(scan.columns - 1)} 列），"
                f"超过 {self.limits.max_columns:,} 列",
                f"sheet part {sheet} has data out to column {scan.columns:,} ({column_letters(scan.columns - 1)}), "
                f"over {self.limits.max_columns:,} columns",
            )
        cells = scan.rows * scan.columns
        if cells > self.limits.max_sparse_cells and cells > info.file_size:
            # An honest sheet spends well over one byte of XML per cell of its area.
            raise _refuse(
                self.display,
                f"工作表部件 {sheet} 的数据区域为 {scan.rows:,} 行 × {scan.columns:,} 列，"
                f"但几乎全空（工作表只有 {mib(info.file_size)}），疑似恶意构造",
                f"sheet part {sheet} spans {scan.rows:,} rows x {scan.columns:,} columns but is almost "
                f"empty (the sheet holds {mib(info.file_size)}); likely crafted",
            )
        if cells > self.limits.max_cells:
            raise _refuse(
                self.display,
                f"工作表部件 {sheet} 的数据区域为 {scan.rows:,} 行 × {scan.columns:,} 列，"
                f"超过 {self.limits.max_cells:,} 个单元格",
                f"sheet part {sheet} spans {scan.rows:,} rows x {scan.columns:,} columns, "
                f"over {self.limits.max_cells:,} cells",
            )
        return scan

    def _extent(self, zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> tuple[int, int]:
        """Rows and columns from A1 to the farthest value, measured cell by cell (an upper bound
        where cells or rows carry no reference: each is counted one past the farthest seen)."""
        max_row = max_col = 0
        unref_rows = 0
        widest = in_row = 0  # most cells in one row (bounds the columns of unreferenced cells)
        has_unref = False
        for buf, end in _chunks(zf, info):
            # endpos past `end` so a tag starting just before it is read whole; a tag seen twice
            # changes no maximum
            refs = _CELL_REF.findall(buf, 0, end + 700)
            for col in {c.upper() for c, _ in refs}:
                max_col = max(max_col, column_index(col.decode()) + 1)
            if refs:
                max_row = max(max_row, max(int(r) for r in {r for _, r in refs}))
            for r in set(_ROW_REF.findall(buf, 0, end + 400)):
                max_row = max(max_row, int(r))
            if not has_unref and next(_matches(_UNREF, buf, end), None) is None:
                continue
            has_unref = True
            for m in _matches(_UNREF_OR_ROW_END, buf, end):
                tag = m.group(0).lower()
                if tag.startswith(b"</"):
                    widest, in_row = max(widest, in_row), 0
                elif tag.endswith(b"row"):
                    if _UNREF.match(buf, m.start()):
                        unref_rows += 1
                else:
                    in_row += 1
        widest = max(widest, in_row)
        return max_row + unref_rows, max_col + (widest if has_unref else 0)


def _declared(head: bytes) -> tuple[int, int] | None:
    """(rows, columns) from A1 to the end of the declared dimension, if it has one."""
    m = _DIMENSION.search(head)
    if m is None:
        return None
    col = m.group(3) or m.group(1)
    row = m.group(4) or m.group(2)
    if not col or not row:
        return None
    return int(row), column_index(col.decode().upper()) + 1


def check_xlsx(path: Path, display: str, limits: Limits | None = None) -> Workbook:
    """Measure an XLSX before it is parsed; a damaged container is reported as such."""
    wb = Workbook(path, display, limits or LIMITS)
    try:
        wb.check()
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError, NotImplementedError, ValueError) as exc:
        if isinstance(exc, QinglianError):
            raise
        raise QinglianError(
            "Excel 文件已损坏、被截断或加密，无法打开",
            "the Excel file is damaged, truncated or encrypted and cannot be opened",
            file=display,
            hint_zh="确认文件完整；加密文件请先在 Excel 中解除密码，另存副本后导入",
            hint_en="check that the file is complete; remove a password in Excel and ingest a saved copy",
        ) from exc
    return wb
