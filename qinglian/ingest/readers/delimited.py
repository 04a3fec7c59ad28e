"""CSV / TSV / TXT exports: encoding detected, delimiter sniffed, header found, streamed in batches.

Parsing is pyarrow's streaming CSV reader (bounded memory: one block at a time); a row
number is attached to every record as a spreadsheet would show it.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv

from qinglian.errors import QinglianError
from qinglian.ingest import encoding as enc
from qinglian.ingest.limits import LIMITS, mib, too_many_columns
from qinglian.ingest.readers.base import (
    ROW_NO,
    SheetData,
    check_headers,
    column_names,
    encoding_error,
    find_header,
    row_numbers,
)
from qinglian.store.evidence import digest_file

DELIMITERS = (",", "\t", ";", "|")
SAMPLE_BYTES = 256 * 1024
BLOCK_SIZE = 16 << 20
# Parsed faster (cache-sized blocks) where rows cannot span lines; also the longest line read.
QUOTE_FREE_BLOCK_SIZE = LIMITS.max_record_bytes
_LINE_BREAK = re.compile(r"\r\n|\r|\n")  # what pyarrow splits lines at (str.splitlines splits at more)

# The csv module refuses fields over 128 KB; a long transcript is a genuine value.
csv.field_size_limit(max(csv.field_size_limit(), BLOCK_SIZE))


def has_quote_byte(path: Path, skip_lines: int = 0, last_quote: int | None = None) -> bool:
    """Whether a '"' byte follows the first `skip_lines` line feeds (the title and header rows,
    which exports often quote). Without one no value is quoted, so no value can hold a line
    break and the parser may split rows at every newline (faster: docs/decisions.md).
    `last_quote` is the offset of the file's last '"' byte (``evidence.digest_file``, which
    ingest computes anyway); it is read from the file when not given.
    Every encoding read writes the quote and the line feed with bytes 22 and 0A (UTF-16 as
    22 00 and 0A 00); a 0A byte inside another character only makes the test start earlier,
    and a 22 byte inside another character only costs the speed. A file with fewer line feeds
    (old Mac line ends) counts any quote byte at all."""
    if last_quote is None:
        last_quote = digest_file(path).last_quote
    if last_quote < 0:
        return False
    end = 0  # offset just after the skip_lines-th line feed
    with path.open("rb") as fh:
        while skip_lines:
            chunk = fh.read(1 << 16)
            if not chunk:
                return True
            start = 0
            while skip_lines and (found := chunk.find(b"\n", start)) >= 0:
                start, skip_lines = found + 1, skip_lines - 1
            end += start if not skip_lines else len(chunk)
    return last_quote >= end


def _sample_rows(path: Path, display: str, codec: str) -> list[str]:
    with path.open("rb") as fh:
        raw = fh.read(SAMPLE_BYTES)
    try:
        text = codecs.getincrementaldecoder(codec)().decode(raw, final=len(raw) < SAMPLE_BYTES)
    except UnicodeDecodeError as exc:
        raise encoding_error(display, codec, raw[: exc.start].count(b"\n") + 1) from exc
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = _LINE_BREAK.split(text)
    if lines and not lines[-1]:
        lines.pop()
    if len(raw) == SAMPLE_BYTES:
        if len(lines) <= 1:
            raise QinglianError(
                f"前 {mib(SAMPLE_BYTES)} 中没有换行符：第 1 行过长，不像表格的表头",
                f"no line break in the first {mib(SAMPLE_BYTES)}: line 1 is too long to be a table's header",
                file=display,
                row=1,
                hint_zh="确认这是逐行的表格文件（CSV/TSV/TXT）且换行符未丢失；其他格式请先导出为 CSV 或 XLSX",
                hint_en="check that this is a line-by-line table (CSV/TSV/TXT) whose line breaks survived; "
                "export other formats to CSV or XLSX",
            )
        lines = lines[:-1]  # the last line may be cut
    return lines[:200]


def sniff_delimiter(lines: list[str]) -> str:
    """The delimiter that splits the sample into the most rows of one consistent width (> 1)."""
    best, best_score = ",", -1
    for d in DELIMITERS:
        widths = [len(r) for r in csv.reader(io.StringIO("\n".join(lines)), delimiter=d) if r]
        if not widths:
            continue
        width, count = Counter(widths).most_common(1)[0]
        score = count if width > 1 else 0
        if score > best_score:
            best, best_score = d, score
    return best


def _locate_bad_row(path: Path, codec: str, delim: str, skip: int, width: int) -> tuple[int, int] | None:
    """(record index after the header, fields) of the first record whose width is wrong."""
    with path.open("r", encoding=codec, errors="replace", newline="") as fh:
        reader = csv.reader(fh, delimiter=delim)
        for i, row in enumerate(reader):
            if i < skip:
                continue
            if not row:
                continue
            if len(row) != width:
                return i - skip, len(row)
    return None


def _long_line(path: Path, limit: int) -> int | None:
    """1-based number of the first line longer than `limit` bytes."""
    line, length = 1, 0
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            start = 0
            while (nl := chunk.find(b"\n", start)) >= 0:
                if length + nl - start > limit:
                    return line
                line, length, start = line + 1, 0, nl + 1
            length += len(chunk) - start
            if length > limit:
                return line
    return None


def _decode_error_row(path: Path, codec: str) -> int | None:
    """1-based line number of the first line that does not decode."""
    decoder = codecs.getincrementaldecoder(codec)()
    line = 1
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                return line + chunk[: exc.start].count(b"\n")
            line += chunk.count(b"\n")
    return None


def read_delimited(
    path: Path, display: str, encoding: str | None, last_quote: int | None = None
) -> Iterator[SheetData]:
    if path.stat().st_size == 0:
        raise QinglianError(
            "文件为空（0 字节）",
            "the file is empty (0 bytes)",
            file=display,
            hint_zh="检查提取或复制是否完整，换用完整的文件",
            hint_en="check that the export or copy is complete and use the complete file",
        )
    codec = enc.canonical(encoding) if encoding else enc.detect(path)
    lines = _sample_rows(path, display, codec)
    if not any(line.strip() for line in lines):
        raise QinglianError(
            "文件中没有任何内容（只有空行）",
            "the file has no content (blank lines only)",
            file=display,
            hint_zh="换用完整的文件",
            hint_en="use the complete file",
        )
    delim = sniff_delimiter(lines)
    rows = list(csv.reader(io.StringIO("\n".join(lines)), delimiter=delim))
    for i, r in enumerate(rows):
        # before the header search, which looks at every cell of the first rows
        if len(r) > LIMITS.max_columns:
            raise too_many_columns(len(r), display, row=i + 1)
    header_idx = find_header(rows)
    # header_idx counts csv records in the sample; title rows have no embedded newlines
    header_row = header_idx + 1
    headers = check_headers(rows[header_idx], display, None, header_row)
    names = column_names(len(headers))
    sheet = SheetData(sheet=None, header_row=header_row, headers=headers, batches=iter(()))
    # the lines down to the header (more than its records where a title holds a quoted line break)
    through_header = csv.reader(iter(lines), delimiter=delim)
    for _ in range(header_idx + 1):
        next(through_header, None)
    header_lines = through_header.line_num
    quoted = has_quote_byte(path, header_lines, last_quote)
    sheet.batches = _batches(path, display, codec, delim, header_idx, names, header_row, header_lines, quoted)
    yield sheet


def _batches(
    path: Path,
    display: str,
    codec: str,
    delim: str,
    header_idx: int,
    names: list[str],
    header_row: int,
    header_lines: int,
    quoted: bool,
) -> Iterator[pa.Table]:
    bad: list[int] = []

    def on_invalid(row: pacsv.InvalidRow) -> str:
        bad.append(row.actual_columns)
        return "error"

    read_options = pacsv.ReadOptions(
        skip_rows=header_lines,  # pyarrow skips lines here, not records
        column_names=names,
        block_size=BLOCK_SIZE if quoted else min(BLOCK_SIZE, QUOTE_FREE_BLOCK_SIZE),
        encoding="utf8" if codec == "utf-8" else codec,
        # The streaming reader parses on the caller's thread either way; with threads it also
        # reads several blocks ahead before returning the first, delaying DuckDB, and competes
        # with DuckDB's two threads (docs/decisions.md).
        use_threads=False,
    )
    parse_options = pacsv.ParseOptions(
        delimiter=delim, newlines_in_values=quoted, ignore_empty_lines=False, invalid_row_handler=on_invalid
    )
    convert_options = pacsv.ConvertOptions(
        column_types={n: pa.string() for n in names},
        strings_can_be_null=False,
        quoted_strings_can_be_null=False,
    )
    next_row = header_row + 1
    try:
        reader = pacsv.open_csv(
            path, read_options=read_options, parse_options=parse_options, convert_options=convert_options
        )
        for batch in reader:
            n = batch.num_rows
            row_no = row_numbers(next_row, n)
            next_row += n
            yield pa.Table.from_batches([batch]).append_column(ROW_NO, row_no)
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        if next_row == header_row + 1 and "Could not skip" in str(exc):
            return  # the header is the last line and has no line break after it: no data rows
        raise _parse_error(
            exc, path, display, codec, delim, header_idx, len(names), header_row, bool(bad)
        ) from None


def _parse_error(
    exc: Exception,
    path: Path,
    display: str,
    codec: str,
    delim: str,
    header_idx: int,
    width: int,
    header_row: int,
    width_problem: bool,
) -> QinglianError:
    message = str(exc)
    if "straddl" in message:
        # a record longer than the block the parser reads (its chunker cannot split it)
        line = _long_line(path, LIMITS.max_record_bytes)
        return QinglianError(
            f"有一条记录超过 {mib(LIMITS.max_record_bytes)}"
            + ("" if line else "：多半是引号不配对，其后的内容都被当作同一个值"),
            f"a record is longer than {mib(LIMITS.max_record_bytes)}"
            + ("" if line else ": most likely an unmatched quote made the rest of the file one value"),
            file=display,
            row=line,
            hint_zh="检查该处是否缺少换行或引号不配对；修正原文件的副本后重新导入",
            hint_en="look for a missing line break or an unmatched quote there; fix a copy of the file and ingest again",
        )
    if width_problem or ("Expected" in message and "columns" in message):
        found = _locate_bad_row(path, codec, delim, header_idx + 1, width)
        row, fields = (header_row + 1 + found[0], found[1]) if found else (None, None)
        return QinglianError(
            f"该行有 {fields} 个字段，表头只有 {width} 列"
            if fields
            else f"有一行的字段数与表头的 {width} 列不符",
            f"the row has {fields} fields but the header has {width} columns"
            if fields
            else f"a row's field count differs from the header's {width} columns",
            file=display,
            row=row,
            hint_zh="检查该行是否有多余的分隔符或未配对的引号；修正原文件的副本后重新导入",
            hint_en="look for an extra delimiter or an unmatched quote in that row; fix a copy of the file and ingest again",
        )
    if isinstance(exc, UnicodeDecodeError) or "UTF8" in message or "decode" in message.lower():
        return encoding_error(display, codec, _decode_error_row(path, codec))
    return QinglianError(
        "文件无法解析，可能被截断或引号不配对",
        "the file cannot be parsed; it may be truncated or have an unmatched quote",
        file=display,
        hint_zh="确认文件完整（与原始导出比对大小），修正后重新导入",
        hint_en="check that the file is complete (compare with the original export) and ingest again",
    )
