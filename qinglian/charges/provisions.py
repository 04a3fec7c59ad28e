"""The provisions a charge cites, in the version in force at the conduct date, with their penalty."""

from __future__ import annotations

from datetime import date
from typing import Any

from qinglian.laws import catalog

CHECKED = ("official", "text")


def cite(ids: tuple[str, ...] | list[str], first: date | None, last: date | None, role: str) -> list[dict[str, Any]]:
    """One entry per provision, in the version in force at the end of the conduct.

    Continuing conduct is judged by the law in force when it ended; where an earlier version was in
    force when it began, that version is named too so the reviewer sees the change. Versions not
    checked against a text are left out (``unverified`` lists them) and never cited as a breach.
    """
    out: list[dict[str, Any]] = []
    for pid in ids:
        p = catalog().get(pid)
        v = p.in_force(last)
        start = p.in_force(first) if first else v
        entry: dict[str, Any] = {
            "id": pid,
            "role": role,
            "law": p.law,
            "law_en": p.law_en,
            "article": v.article,
            "version": v.text_version,
            "effective": v.effective.isoformat(),
            "cite": p.cite(last),
            "summary": v.summary,
            "penalty": v.penalty,
            "verified": v.verified,
            "source": v.source,
        }
        if start.text_version != v.text_version:
            entry["at_start"] = {"version": start.text_version, "article": start.article, "cite": p.cite(first)}
        out.append(entry)
    return out


def checked(entries: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[str]]:
    """(entries verified against a text, citations of the others)."""
    good = [e for e in entries if e["verified"] in CHECKED]
    return good, [e["cite"] for e in entries if e["verified"] not in CHECKED]
