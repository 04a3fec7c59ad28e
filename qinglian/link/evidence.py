"""Reasons with evidence citations, the shape upstream and targets share."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

Citation = dict[str, Any]
Reason = dict[str, Any]


def cite(rows: Iterable[Sequence[Any]], limit: int = 5) -> list[Citation]:
    """(evidence_sha256, sheet, row_no) tuples to citations, first ``limit`` distinct ones."""
    out: list[Citation] = []
    seen: set[tuple[Any, Any, Any]] = set()
    for sha, sheet, row_no in rows:
        if sha is None or row_no is None or (sha, sheet, row_no) in seen:
            continue
        seen.add((sha, sheet, row_no))
        out.append({"evidence_sha256": str(sha), "sheet": sheet, "row_no": int(row_no)})
        if len(out) >= limit:
            break
    return out


def reason(zh: str, en: str, evidence: list[Citation], **extra: Any) -> Reason:
    return {"reason_zh": zh, "reason_en": en, "evidence": evidence, **extra}
