"""Reading the demo's files back in tests, independently of qinglian.ingest."""

from __future__ import annotations

import csv
import io
import zipfile
from typing import Any

from python_calamine import CalamineWorkbook

from qinglian.demo import Manifest, ManifestEntry

SMALL = 0.05


def _csv_rows(data: bytes, encoding: str) -> list[dict[str, str]]:
    text = data.decode(encoding)
    if text.startswith("\ufeff"):
        text = text[1:]
    return list(csv.DictReader(io.StringIO(text)))


def _guess(data: bytes) -> str:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return "gb18030"
    return "utf-8"


def read_rows(manifest: Manifest, entry: ManifestEntry) -> list[dict[str, Any]]:
    """The data rows of a demo file as dicts (header row found where the writer put it)."""
    path = manifest.path(entry)
    if entry.fmt == "xlsx":
        rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
        header = [str(h) for h in rows[2]]
        return [dict(zip(header, r, strict=True)) for r in rows[3:]]
    if entry.fmt == "zip":
        out: list[dict[str, Any]] = []
        with zipfile.ZipFile(path) as zf:
            for name in zf.namelist():
                data = zf.read(name)
                out += _csv_rows(data, _guess(data))
        return out
    data = path.read_bytes()
    return _csv_rows(data, "gb18030" if entry.encoding in ("gbk", "gb18030") else "utf-8")


def entries(manifest: Manifest, kind: str, holder: str | None = None) -> list[ManifestEntry]:
    return [e for e in manifest.entries if e.kind == kind and (holder is None or e.holder == holder)]


def as_phone(value: Any) -> str:
    if isinstance(value, float):
        return str(int(value))
    return str(value)


def holder_text(manifest: Manifest, holder: str) -> str:
    """Everything a holder's files say, as one string."""
    parts: list[str] = []
    for e in manifest.entries:
        if e.holder == holder:
            for row in read_rows(manifest, e):
                parts.extend(str(v) for v in row.values())
    return "\n".join(parts)
