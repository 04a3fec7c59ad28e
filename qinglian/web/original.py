"""One row of a seized file as the file holds it, read again from the stored original with the
intake's own readers (same encoding, same sheet, same header detection), so header -> cell is
what the file says at the sheet and row number the normalised record points to."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyarrow.compute as pc

from qinglian.ingest.api import DELIMITED, EXCEL, JSON
from qinglian.ingest.readers.base import ROW_NO, SheetData
from qinglian.ingest.readers.delimited import read_delimited
from qinglian.ingest.readers.excel import read_excel
from qinglian.ingest.readers.jsonfile import read_json
from qinglian.store.case import Case


@dataclass
class OriginalRow:
    header_row: int  # 0 where the format has no header row (JSON keys)
    cells: list[tuple[int, str, str]]  # (column index, header, cell text), in the file's column order


def stored_file(case: Case, stored_path: str) -> Path | None:
    """The stored original, only where it lies inside the case's evidence folder."""
    path = (case.root / stored_path).resolve()
    if not path.is_relative_to(case.evidence_dir.resolve()) or not path.is_file():
        return None
    return path


def _sheets(path: Path, name: str, encoding: str | None, sheet: str | None) -> Iterator[SheetData] | None:
    suffix = path.suffix.lower()
    if suffix in DELIMITED:
        return read_delimited(path, name, encoding)
    if suffix in EXCEL:
        return read_excel(path, name, sheet)
    if suffix in JSON:
        return read_json(path, name, encoding)
    return None


def original_row(case: Case, stored_path: str, name: str, encoding: str | None, sheet: str | None,
                 row_no: int) -> OriginalRow | None:
    """The cells of the original file's row ``row_no`` of ``sheet``; None where the file, the sheet or
    the row is not there. The file is read from its start down to the row (streamed, batch by batch)."""
    path = stored_file(case, stored_path)
    sheets = _sheets(path, name, encoding, sheet) if path is not None else None
    if sheets is None:
        return None
    for data in sheets:
        if data.sheet != sheet:
            continue
        for batch in data.batches:
            numbers = batch.column(ROW_NO)
            if len(numbers) == 0 or numbers[-1].as_py() < row_no:
                continue
            at = pc.index(numbers, row_no).as_py()
            if at < 0:
                return None
            cells = []
            for i, header in enumerate(data.headers):
                value = batch.column(f"c{i}")[at].as_py() or ""
                if header or value:  # a column without a header shows only where it holds something
                    cells.append((i, header, value))
            return OriginalRow(data.header_row, cells)
        return None
    return None
