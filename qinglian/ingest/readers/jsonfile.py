"""JSON (an array of objects, or an object holding one) and JSON Lines (one object per line).

Both are streamed: one record is decoded at a time, in two passes (the first finds the
columns, the second yields the rows), so memory stays at one record and one batch however
large the file. Values nested deeper than the limit are refused with the record's position.
A file whose records carry more distinct keys than a sheet may have columns keeps them all:
the keys that do not get a column of their own are kept together, as JSON, in one column of
"further fields" (evidence is never dropped, and a key that is itself data, such as a phone
number used as a key, does not become a column of its own).
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

import orjson
import pyarrow as pa

from qinglian.errors import QinglianError
from qinglian.ingest import encoding as enc
from qinglian.ingest.limits import LIMITS, Limits, mib
from qinglian.ingest.mapping import recognised_count
from qinglian.ingest.readers.base import ROW_NO, SheetData, Warning_, column_names, encoding_error

BATCH_ROWS = 50_000
CHUNK_CHARS = 1 << 20
OVERFLOW = "（超出列数上限的字段）"
_DECODER = json.JSONDecoder()


def _text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, (dict, list)):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, bool):
        return "1" if v else "0"
    return str(v)


def _not_records(display: str, row: int | None = None) -> QinglianError:
    return QinglianError(
        "JSON 内容不是记录列表（应为对象数组，或每行一个对象）",
        "the JSON is not a list of records (expected an array of objects, or one object per line)",
        file=display,
        row=row,
        hint_zh="导出为对象数组或 JSON Lines 后重新导入",
        hint_en="export as an array of objects or as JSON Lines and ingest again",
    )


def _invalid(display: str, row: int | None, what_zh: str = "", what_en: str = "") -> QinglianError:
    return QinglianError(
        "JSON 格式错误" + (f"（{what_zh}）" if what_zh else "") + "，文件可能被截断",
        "invalid JSON" + (f" ({what_en})" if what_en else "") + "; the file may be truncated",
        file=display,
        row=row,
        hint_zh="确认文件完整后重新导入",
        hint_en="check that the file is complete and ingest again",
    )


def _too_deep(display: str, row: int | None, limits: Limits) -> QinglianError:
    return QinglianError(
        f"JSON 值嵌套超过 {limits.max_json_depth} 层，未读入",
        f"a JSON value is nested more than {limits.max_json_depth} levels deep; not read",
        file=display,
        row=row,
        hint_zh="导出记录时展开嵌套的值（每条记录一层键值）后重新导入",
        hint_en="export the records with flat values (one level of keys per record) and ingest again",
    )


def _too_long(display: str, row: int | None, limits: Limits) -> QinglianError:
    return QinglianError(
        f"一条 JSON 记录超过 {mib(limits.max_json_record_bytes)}，未读入",
        f"a JSON record is longer than {mib(limits.max_json_record_bytes)}; not read",
        file=display,
        row=row,
        hint_zh="确认文件完整、换行符未丢失；确属证据时请拆分后导入",
        hint_en="check that the file is complete and its line breaks survived; split it if it is genuine evidence",
    )


def _deeper_than(value: Any, limit: int) -> bool:
    """Whether containers nest more than `limit` levels (the record itself is level 1)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        v, d = stack.pop()
        if d > limit:
            return True
        if isinstance(v, dict):
            stack += [(x, d + 1) for x in v.values() if isinstance(x, (dict, list))]
        elif isinstance(v, list):
            stack += [(x, d + 1) for x in v if isinstance(x, (dict, list))]
    return False


def _nested(obj: dict[str, Any]) -> bool:
    return any(isinstance(v, (dict, list)) for v in obj.values())


class _Stream:
    """A JSON document decoded one value at a time from a text file."""

    def __init__(self, fh: TextIO, display: str, limits: Limits) -> None:
        self.fh = fh
        self.display = display
        self.limits = limits
        self.buf = ""
        self.pos = 0
        self.eof = False
        self.line = 1  # line of buf[0]

    def _fill(self) -> bool:
        if self.eof:
            return False
        chunk = self.fh.read(CHUNK_CHARS)
        if not chunk:
            self.eof = True
            return False
        self.line += self.buf.count("\n", 0, self.pos)
        self.buf = self.buf[self.pos :] + chunk
        self.pos = 0
        return True

    def here(self, pos: int | None = None) -> int:
        return self.line + self.buf.count("\n", 0, self.pos if pos is None else pos)

    def peek(self) -> str:
        """The next character that is not white space ('' at the end)."""
        while True:
            while self.pos < len(self.buf) and self.buf[self.pos] in " \t\r\n\ufeff":
                self.pos += 1
            if self.pos < len(self.buf) or not self._fill():
                return self.buf[self.pos : self.pos + 1]

    def take(self, ch: str) -> bool:
        if self.peek() == ch:
            self.pos += 1
            return True
        return False

    def value(self) -> Any:
        self.peek()
        while True:
            try:
                v, end = _DECODER.raw_decode(self.buf, self.pos)
            except RecursionError:
                raise _too_deep(self.display, self.here(), self.limits) from None
            except json.JSONDecodeError as exc:
                # Cut by the end of the buffer, or wrong where it stands? A value cut short fails
                # at its end (or inside an unterminated string); a real error fails before.
                genuine = exc.pos < len(self.buf) - 16 and not exc.msg.startswith("Unterminated string")
                if genuine or self.eof:
                    raise _invalid(self.display, self.here(exc.pos), exc.msg, exc.msg) from None
                if len(self.buf) - self.pos > self.limits.max_json_record_bytes:
                    raise _too_long(self.display, self.here(), self.limits) from None
                self._fill()
                continue
            if end == len(self.buf) and not self.eof and isinstance(v, (int, float)):
                self._fill()  # a number may go on in the next chunk
                continue
            self.pos = end
            return v

    def records(self) -> Iterator[tuple[int, Any]]:
        """Items of the array at the current position, with their 1-based index."""
        if not self.take("["):
            raise _not_records(self.display)
        return self.items()

    def items(self) -> Iterator[tuple[int, Any]]:
        """The rest of an array whose '[' has been read."""
        if self.take("]"):
            return
        n = 0
        while True:
            n += 1
            yield n, self.value()
            if self.take(","):
                continue
            if self.take("]"):
                return
            raise _invalid(self.display, self.here(), "expected ',' or ']'", "expected ',' or ']'")


def _json_records(path: Path, codec: str, display: str, limits: Limits) -> Iterator[tuple[int, Any]]:
    """The records of a JSON document: the array itself, or the one array of objects in the
    top-level object (the others are read and passed over)."""
    with path.open("r", encoding=codec) as fh:
        s = _Stream(fh, display, limits)
        first = s.peek()
        if first == "[":
            yield from s.records()
        elif first == "{":
            s.take("{")
            found = 0
            if not s.take("}"):
                while True:
                    if s.peek() != '"':
                        raise _invalid(s.display, s.here(), "expected a key", "expected a key")
                    s.value()
                    if not s.take(":"):
                        raise _invalid(s.display, s.here(), "expected ':'", "expected ':'")
                    if s.take("["):
                        # an array of objects holds the records; other arrays are passed over
                        if s.peek() == "{":
                            found += 1
                            if found > 1:
                                raise _not_records(display)
                            yield from s.items()
                        else:
                            for _ in s.items():
                                pass
                    else:
                        s.value()
                    if s.take(","):
                        continue
                    if s.take("}"):
                        break
                    raise _invalid(s.display, s.here(), "expected ',' or '}'", "expected ',' or '}'")
            if not found:
                raise _not_records(display)
        else:
            raise _not_records(display)
        if s.peek():
            raise _invalid(s.display, s.here(), "text after the end", "text after the end")


def _jsonl_records(path: Path, codec: str, display: str, limits: Limits) -> Iterator[tuple[int, Any]]:
    with path.open("r", encoding=codec) as fh:
        n = 0
        while True:
            line = fh.readline(limits.max_json_record_bytes)
            if not line:
                return
            n += 1
            if not line.endswith("\n") and len(line) >= limits.max_json_record_bytes:
                raise _too_long(display, n, limits)
            if not line.strip():
                continue
            try:
                obj = orjson.loads(line)
            except orjson.JSONDecodeError as exc:
                if "depth" in exc.msg or "recursion" in exc.msg.lower():
                    raise _too_deep(display, n, limits) from None
                raise QinglianError(
                    "该行不是有效的 JSON，文件可能被截断",
                    "the line is not valid JSON; the file may be truncated",
                    file=display,
                    row=n,
                    hint_zh="确认文件完整后重新导入",
                    hint_en="check that the file is complete and ingest again",
                ) from None
            yield n, obj


class _Columns:
    """The columns of a JSON sheet: keys in order of first appearance up to the limit (keys
    that name a known field always get one), then one column for all further keys."""

    def __init__(self, limits: Limits) -> None:
        self.limit = limits.max_columns - 1
        self.keys: dict[str, None] = {}
        self.overflow_rows = 0
        self.first_overflow: int | None = None

    def add(self, row: int, obj: dict[str, Any]) -> None:
        over = False
        for k in obj:
            if k in self.keys:
                continue
            if len(self.keys) < self.limit or recognised_count([k]):
                self.keys[k] = None
            else:
                over = True
        if over:
            self.overflow_rows += 1
            if self.first_overflow is None:
                self.first_overflow = row

    def headers(self) -> list[str]:
        headers = list(self.keys)
        if self.overflow_rows:
            name = OVERFLOW
            while name in self.keys:
                name += "_"
            headers.append(name)
        return headers


def _batches(
    records: Iterator[tuple[int, dict[str, Any]]], headers: list[str], overflow: bool
) -> Iterator[pa.Table]:
    names = column_names(len(headers))
    keys = headers[:-1] if overflow else headers
    known = set(keys)
    buf: list[tuple[int, dict[str, Any]]] = []

    def flush() -> pa.Table:
        cols: dict[str, Any] = {
            n: pa.array([_text(r.get(h)) for _, r in buf], type=pa.string()) for n, h in zip(names, keys, strict=False)
        }
        if overflow:
            cols[names[-1]] = pa.array(
                [_text({k: v for k, v in r.items() if k not in known} or None) for _, r in buf], type=pa.string()
            )
        cols[ROW_NO] = pa.array([i for i, _ in buf], type=pa.int64())
        return pa.table(cols)

    for item in records:
        buf.append(item)
        if len(buf) >= BATCH_ROWS:
            yield flush()
            buf = []
    if buf:
        yield flush()


def read_json(path: Path, display: str, encoding: str | None, limits: Limits = LIMITS) -> Iterator[SheetData]:
    if path.stat().st_size == 0:
        raise QinglianError("文件为空（0 字节）", "the file is empty (0 bytes)", file=display)
    codec = enc.canonical(encoding) if encoding else enc.detect(path)
    if codec == "utf-8":
        codec = "utf-8-sig"
    lines_mode = path.suffix.lower() in (".jsonl", ".ndjson")
    source = _jsonl_records if lines_mode else _json_records

    def checked() -> Iterator[tuple[int, dict[str, Any]]]:
        try:
            for row, obj in source(path, codec, display, limits):
                if not isinstance(obj, dict):
                    raise _not_records(display, row)
                if _nested(obj) and _deeper_than(obj, limits.max_json_depth):
                    raise _too_deep(display, row, limits)
                yield row, obj
        except UnicodeDecodeError as exc:
            raise encoding_error(display, codec) from exc
        except (UnicodeError, io.UnsupportedOperation) as exc:
            raise encoding_error(display, codec) from exc

    columns = _Columns(limits)
    for row, obj in checked():  # first pass: the columns
        columns.add(row, obj)
    headers = columns.headers()
    warnings: list[Warning_] = []
    if columns.overflow_rows:
        warnings.append(
            Warning_(
                f"键的种类超过 {limits.max_columns:,} 列上限：{columns.overflow_rows:,} 条记录的其余键"
                f"已合并为 JSON，保存在“{headers[-1]}”列中",
                f"more distinct keys than the limit of {limits.max_columns:,} columns: the further keys of "
                f"{columns.overflow_rows:,} records are kept together as JSON in the column '{headers[-1]}'",
                row=columns.first_overflow,
            )
        )
    yield SheetData(None, 0, headers, _batches(checked(), headers, bool(columns.overflow_rows)), warnings)
