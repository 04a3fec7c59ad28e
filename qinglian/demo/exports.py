"""Writers that give the demo files the shapes of real exports: UTF-8 and GBK CSVs (written
vectorised through pyarrow), XLSX with merged title rows above the header and some Excel
serial dates, ZIP archives, and times and durations in the forms Chinese systems print.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import xlsxwriter

Columns = Mapping[str, Sequence[Any] | np.ndarray]

FIXED_CREATED = datetime(2025, 7, 22, 10, 0, 0)  # reproducible workbook metadata
EXCEL_EPOCH = np.datetime64("1899-12-30T00:00:00", "s")


class Serial(float):
    """A date written into an XLSX cell as a bare Excel serial number (no date format)."""


@dataclass(frozen=True)
class Written:
    """A file as written: its data rows and the spreadsheet row number of the first data row."""

    rows: int
    first_row_no: int
    encoding: str | None
    fmt: str


def _table(columns: Columns) -> pa.Table:
    arrays = {}
    for name, values in columns.items():
        arr = np.asarray(values) if not isinstance(values, np.ndarray) else values
        if arr.dtype.kind in "iufU":
            arrays[name] = pa.array(arr)
        elif arr.dtype.kind == "O" and all(isinstance(v, str) for v in arr[:50]):
            try:
                arrays[name] = pa.array(arr, type=pa.string())
            except (pa.ArrowInvalid, pa.ArrowTypeError):
                arrays[name] = pa.array([None if v is None else str(v) for v in arr], type=pa.string())
        else:
            arrays[name] = pa.array([None if v is None else str(v) for v in arr], type=pa.string())
    return pa.table(arrays)


def csv_bytes(columns: Columns) -> bytes:
    buf = io.BytesIO()
    opts = pacsv.WriteOptions(include_header=True, quoting_style="needed")
    pacsv.write_csv(_table(columns), buf, write_options=opts)
    return buf.getvalue()


def encode_csv(columns: Columns, encoding: str) -> tuple[bytes, str]:
    """CSV text in the given encoding; GBK falls back to GB18030 for characters GBK lacks."""
    data = csv_bytes(columns)
    if encoding == "utf-8":
        return data, encoding
    if encoding == "utf-8-sig":
        return b"\xef\xbb\xbf" + data, encoding
    text = data.decode("utf-8")
    try:
        return text.encode(encoding), encoding
    except UnicodeEncodeError:
        return text.encode("gb18030"), "gb18030"


def write_csv(path: Path, columns: Columns, encoding: str = "utf-8") -> Written:
    data, used = encode_csv(columns, encoding)
    path.write_bytes(data)
    return Written(_nrows(columns), 2, used, "csv")


def _nrows(columns: Columns) -> int:
    return len(next(iter(columns.values()))) if columns else 0


def write_xlsx(
    path: Path,
    columns: Columns,
    *,
    title: str,
    subtitle: str,
    sheet: str = "Sheet1",
) -> Written:
    """A workbook whose first two rows are merged title rows; the header is on row 3.

    datetime values become date cells, Serial values bare Excel serial numbers.
    """
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_numbers": False})
    wb.set_properties({"created": FIXED_CREATED, "comments": "演示数据（合成）"})
    ws = wb.add_worksheet(sheet)
    title_fmt = wb.add_format({"bold": True, "font_size": 14, "align": "center"})
    head_fmt = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    names = list(columns)
    last = max(len(names) - 1, 1)
    ws.merge_range(0, 0, 0, last, title, title_fmt)
    ws.merge_range(1, 0, 1, last, subtitle)
    ws.write_row(2, 0, names, head_fmt)
    cols = [
        list(np.asarray(columns[n]).tolist()) if isinstance(columns[n], np.ndarray) else list(columns[n])
        for n in names
    ]
    for r in range(_nrows(columns)):
        for c, col in enumerate(cols):
            v = col[r]
            if v is None:
                continue
            if isinstance(v, Serial):
                ws.write_number(r + 3, c, float(v))
            elif isinstance(v, datetime):
                ws.write_datetime(r + 3, c, v, date_fmt)
            elif isinstance(v, int | float) and not isinstance(v, bool):
                ws.write_number(r + 3, c, v)
            else:
                ws.write_string(r + 3, c, str(v))
    wb.close()
    return Written(_nrows(columns), 4, None, "xlsx")


def split_members(columns: Columns, keys: Sequence[str], gbk_every: int = 0) -> dict[str, bytes]:
    """One CSV member per distinct key (rows keep their order); at least two members.

    With gbk_every=k, every k-th member is written in GBK, the rest in UTF-8.
    """
    key_arr = np.asarray(keys)
    names = list(dict.fromkeys(key_arr.tolist()))
    if len(names) < 2:
        half = np.arange(key_arr.size) >= key_arr.size // 2
        key_arr = np.where(half, f"{names[0]}_2", f"{names[0]}_1")
        names = list(dict.fromkeys(key_arr.tolist()))
    members: dict[str, bytes] = {}
    for j, name in enumerate(names):
        sel = key_arr == name
        part = {k: np.asarray(v)[sel] for k, v in columns.items()}
        enc = "gbk" if gbk_every and j % gbk_every == gbk_every - 1 else "utf-8"
        members[f"{name}.csv"] = encode_csv(part, enc)[0]
    return members


def write_zip(path: Path, members: dict[str, bytes]) -> None:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            info = zipfile.ZipInfo(name, date_time=(2025, 7, 22, 10, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)


# ---- value forms -------------------------------------------------------------------------------


def iso_times(ts: np.ndarray) -> np.ndarray:
    """datetime64[s] → '2025-07-20 09:01:05' (vectorised)."""
    return np.char.replace(np.datetime_as_string(ts.astype("datetime64[s]"), unit="s"), "T", " ")


def slash_times(ts: np.ndarray) -> list[str]:
    """datetime64[s] → '2025/7/20 9:01:05' (the form Excel and many Chinese systems print)."""
    out = []
    for v in ts.astype("datetime64[s]").tolist():
        out.append(f"{v.year}/{v.month}/{v.day} {v.hour}:{v.minute:02d}:{v.second:02d}")
    return out


def cn_times(ts: np.ndarray) -> list[str]:
    """datetime64[s] → '2025年7月20日 09:01'."""
    return [
        f"{v.year}年{v.month}月{v.day}日 {v.hour:02d}:{v.minute:02d}"
        for v in ts.astype("datetime64[s]").tolist()
    ]


def excel_serial(ts: np.datetime64) -> Serial:
    return Serial(round(float((ts.astype("datetime64[s]") - EXCEL_EPOCH).astype(np.int64)) / 86400.0, 6))


def to_datetime(ts: np.datetime64) -> datetime:
    value = ts.astype("datetime64[s]").tolist()
    assert isinstance(value, datetime)
    return value


def durations(seconds: np.ndarray, form: str, rng: np.random.Generator | None = None) -> list[str]:
    """Seconds in one of the forms dialers export: '80', '1分20秒', '00:01:20', or 'mixed'."""
    secs = seconds.astype(np.int64).tolist()
    forms = ["plain", "cn", "clock"]
    pick = (
        rng.integers(0, 3, size=len(secs)).tolist()
        if form == "mixed" and rng is not None
        else [forms.index(form)] * len(secs)
    )
    out = []
    for s, k in zip(secs, pick, strict=True):
        if k == 0:
            out.append(str(s))
        elif k == 1:
            out.append(f"{s // 60}分{s % 60}秒" if s >= 60 else f"{s}秒")
        else:
            out.append(f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}")
    return out
