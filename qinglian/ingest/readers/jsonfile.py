"""JSON (an array of objects, or an object holding one) and JSON Lines (one object per line)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa

from qinglian.errors import QinglianError
from qinglian.ingest import encoding as enc
from qinglian.ingest.readers.base import ROW_NO, SheetData, column_names, encoding_error

BATCH_ROWS = 50_000


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


def _records_of(doc: Any, display: str) -> list[Any]:
    if isinstance(doc, list):
        return doc
    if isinstance(doc, dict):
        lists = [v for v in doc.values() if isinstance(v, list) and v and isinstance(v[0], dict)]
        if len(lists) == 1:
            return lists[0]
    raise _not_records(display)


def _sheet(records: Iterator[tuple[int, dict[str, Any]]], headers: list[str]) -> Iterator[pa.Table]:
    names = column_names(len(headers))
    buf: list[tuple[int, dict[str, Any]]] = []

    def flush() -> pa.Table:
        cols: dict[str, Any] = {
            n: pa.array([_text(r.get(h)) for _, r in buf], type=pa.string()) for n, h in zip(names, headers, strict=True)
        }
        cols[ROW_NO] = pa.array([i for i, _ in buf], type=pa.int64())
        return pa.table(cols)

    for item in records:
        buf.append(item)
        if len(buf) >= BATCH_ROWS:
            yield flush()
            buf = []
    if buf:
        yield flush()


def read_json(path: Path, display: str, encoding: str | None) -> Iterator[SheetData]:
    if path.stat().st_size == 0:
        raise QinglianError("文件为空（0 字节）", "the file is empty (0 bytes)", file=display)
    codec = enc.canonical(encoding) if encoding else enc.detect(path)
    if codec == "utf-8":
        codec = "utf-8-sig"
    lines_mode = path.suffix.lower() in (".jsonl", ".ndjson")
    if not lines_mode:
        try:
            text = path.read_text(encoding=codec)
        except UnicodeDecodeError as exc:
            raise encoding_error(display, codec) from exc
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            raise QinglianError(
                f"JSON 格式错误（第 {exc.lineno} 行第 {exc.colno} 列），文件可能被截断",
                f"invalid JSON (line {exc.lineno}, column {exc.colno}); the file may be truncated",
                file=display,
                row=exc.lineno,
                hint_zh="确认文件完整后重新导入",
                hint_en="check that the file is complete and ingest again",
            ) from exc
        records = _records_of(doc, display)
        for i, r in enumerate(records):
            if not isinstance(r, dict):
                raise _not_records(display, i + 1)
        headers = list(dict.fromkeys(k for r in records for k in r))
        yield SheetData(None, 0, headers, _sheet(((i + 1, r) for i, r in enumerate(records)), headers))
        return

    def lines() -> Iterator[tuple[int, dict[str, Any]]]:
        with path.open("r", encoding=codec) as fh:
            for n, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise QinglianError(
                        "该行不是有效的 JSON，文件可能被截断",
                        "the line is not valid JSON; the file may be truncated",
                        file=display,
                        row=n,
                        hint_zh="确认文件完整后重新导入",
                        hint_en="check that the file is complete and ingest again",
                    ) from exc
                if not isinstance(obj, dict):
                    raise _not_records(display, n)
                yield n, obj

    try:
        headers = list(dict.fromkeys(k for _, obj in lines() for k in obj))  # first pass: all keys
    except UnicodeDecodeError as exc:
        raise encoding_error(display, codec) from exc
    yield SheetData(None, 0, headers, _sheet(lines(), headers))
