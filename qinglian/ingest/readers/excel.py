"""XLSX / XLS workbooks (python-calamine): every sheet, header found below merged title rows.

Cells become text as the investigator sees them: whole numbers without ".0" (phone numbers
are often stored as numbers), dates as ISO text, durations as seconds. Formula cells are read
as the value the file saved and are reported, never evaluated.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
from python_calamine import CalamineError, CalamineWorkbook

from qinglian.errors import QinglianError
from qinglian.ingest.readers.base import (
    ROW_NO,
    SheetData,
    Warning_,
    blank_header_error,
    check_headers,
    column_names,
    find_header,
)
from qinglian.ingest.readers.xlsxguard import check_xlsx

BATCH_ROWS = 100_000


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


def read_excel(path: Path, display: str, only_sheet: str | None) -> Iterator[SheetData]:
    if path.stat().st_size == 0:
        raise QinglianError("文件为空（0 字节）", "the file is empty (0 bytes)", file=display)
    with path.open("rb") as fh:
        magic = fh.read(8)
    # Measured before calamine sees it: calamine allocates a sheet's whole bounding box.
    # (Legacy .xls is an OLE2 container and is not measured here.)
    guard = check_xlsx(path, display) if magic.startswith(b"PK") else None
    try:
        wb = CalamineWorkbook.from_path(str(path))
    except (CalamineError, OSError, ValueError, RuntimeError) as exc:
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
            rows = wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
        except (CalamineError, ValueError) as exc:
            raise QinglianError(
                "工作表无法读取（文件可能损坏）",
                "the sheet cannot be read (the file may be damaged)",
                file=display,
                sheet=name,
            ) from exc
        text_rows = [[cell_text(v) for v in r] for r in rows]
        while text_rows and not any(c.strip() for c in text_rows[-1]):
            text_rows.pop()
        if not text_rows:
            continue
        formula_rows = guard.formula_rows(list(wb.sheet_names).index(name)) if guard is not None else []
        yield _sheet(display, name, text_rows, formula_rows)


def _sheet(display: str, name: str, rows: list[list[str]], all_formula_rows: list[int]) -> SheetData:
    h = find_header(rows)
    header_row = h + 1
    width = max(len(r) for r in rows)
    raw_headers = rows[h] + [""] * (width - len(rows[h]))
    data = [r + [""] * (width - len(r)) for r in rows[h + 1 :]]
    # trailing columns with neither header nor data are formatting, not data
    while width and not raw_headers[width - 1].strip() and not any(r[width - 1].strip() for r in data):
        width -= 1
    raw_headers = raw_headers[:width]
    data = [r[:width] for r in data]
    headers = check_headers(raw_headers, display, name, header_row)
    for col, hdr in enumerate(headers):
        if not hdr:
            for i, r in enumerate(data):
                if r[col].strip():
                    raise blank_header_error(col, display, name, header_row, header_row + 1 + i)
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

    def batches() -> Iterator[pa.Table]:
        for start in range(0, len(data), BATCH_ROWS):
            chunk = data[start : start + BATCH_ROWS]
            cols: dict[str, Any] = {
                n: pa.array([r[i] for r in chunk], type=pa.string()) for i, n in enumerate(names)
            }
            first = header_row + 1 + start
            cols[ROW_NO] = pa.array(range(first, first + len(chunk)), type=pa.int64())
            yield pa.table(cols)

    return SheetData(sheet=name, header_row=header_row, headers=headers, batches=batches(), warnings=warnings)
