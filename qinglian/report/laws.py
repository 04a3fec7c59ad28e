"""Legal provisions for the report: catalog ids → "法律（文本版本）第X条", the text in force at the conduct.

The catalog is the text detectors' (qinglian/laws/laws.yaml via qinglian.laws);
if it is missing or invalid the report shows the bare ids and says why.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from qinglian.errors import QinglianError


@dataclass(frozen=True)
class Entry:
    id: str
    law: str
    topic: str
    versions: str  # "2019 第六条（2019-04-23 起）；2025 第七条（2025-10-15 起）"
    summary: str


def _catalog() -> tuple[Any, str]:
    try:
        from qinglian.laws import catalog

        cat = catalog()
        return cat, str(cat.catalog_version)
    except (ImportError, QinglianError) as exc:
        return None, f"法律条文目录不可用（{type(exc).__name__}），仅列出条文编号"


def _day(on: date | datetime | None) -> date | None:
    if isinstance(on, datetime):
        return on.date()
    return on


def cite(law_ids: list[str], on: date | datetime | None) -> list[str]:
    """Each id as the provision in force on ``on`` (the conduct's date); unknown ids as they are."""
    cat, _ = _catalog()
    out = []
    for lid in law_ids:
        if cat is None:
            out.append(lid)
            continue
        try:
            out.append(cat.get(lid).cite(_day(on)))
        except KeyError:
            out.append(f"{lid}（目录中无此条）")
    return out


def _version_label(text_version: str) -> str:
    """"2021" -> "2021 年文本"; a named text such as "刑法修正案（九）" is shown as it is."""
    return f"{text_version} 年文本" if text_version.isdigit() else f"{text_version}文本"


def appendix(law_ids: set[str]) -> tuple[list[Entry], str]:
    """The catalog entries of the ids a report cites, and the catalog version (or why it is missing)."""
    cat, version = _catalog()
    if cat is None:
        return [], version
    out = []
    for lid in sorted(law_ids):
        try:
            p = cat.get(lid)
        except KeyError:
            out.append(Entry(lid, "（目录中无此条）", "", "", ""))
            continue
        versions = "；".join(
            f"{_version_label(v.text_version)} {v.article}（{v.effective.isoformat()} 起施行）" for v in p.versions
        )
        out.append(Entry(lid, p.law, p.topic, versions, p.versions[-1].summary))
    return out, f"法律条文目录版本 {version}"
