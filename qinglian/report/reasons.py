"""Reasons with evidence, as the link stage writes them, made readable for the case file.

``targets.reasons`` and ``upstream.reasons`` hold a JSON list of
``{"reason_zh", "reason_en", "evidence": [{"evidence_sha256", "sheet", "row_no"}], "weight"}``.
The report shows each reason as a sentence with its citations (file name, hash prefix, sheet,
row), and checks every cited row against the record tables, exactly as it does for findings.
Other analyses may write a plain string; that is shown as it is (masked).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import duckdb

from qinglian.report.evidence import Citation
from qinglian.report.privacy import Redactor


@dataclass(frozen=True)
class Reason:
    text: str
    citations: tuple[Citation, ...] = ()
    more: int = 0  # citations not shown


@dataclass
class Reasons:
    """The reasons of one table row (a cell value the templates render as a list)."""

    items: tuple[Reason, ...] = ()

    def as_text(self) -> str:
        """One numbered line per reason with its citations (for spreadsheet cells)."""
        lines = []
        for i, r in enumerate(self.items, 1):
            cites = "；".join(c.text for c in r.citations) + (f"；另 {r.more} 处" if r.more else "")
            lines.append(f"{i}. {r.text}" + (f"（证据：{cites}）" if cites else ""))
        return "\n".join(lines)


@dataclass
class ReasonReader:
    """Turns reason cells into ``Reasons`` with their citations."""

    con: duckdb.DuckDBPyConnection
    redactor: Redactor
    per_reason: int = 10  # citations kept per reason
    _files: dict[str, str] | None = None

    def files(self) -> dict[str, str]:
        if self._files is None:
            self._files = {str(s): str(n) for s, n in self.con.execute(
                "SELECT sha256, file_name FROM evidence").fetchall()}
        return self._files

    def cell(self, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        try:
            parsed = json.loads(value)
        except ValueError:
            return self.redactor.text(value)
        if not isinstance(parsed, list) or not all(isinstance(p, dict) for p in parsed):
            return self.redactor.text(value)
        items: list[Reason] = []
        for p in parsed:
            text = str(p.get("reason_zh") or p.get("reason_en") or "")  # the case file is in Chinese
            refs = [e for e in (p.get("evidence") or []) if isinstance(e, dict)]
            cites = tuple(self._citation(e) for e in refs[: self.per_reason])
            items.append(Reason(self.redactor.text(text), cites, max(0, len(refs) - self.per_reason)))
        return Reasons(tuple(items))

    def _citation(self, e: dict[str, Any]) -> Citation:
        sha = str(e.get("evidence_sha256") or "")
        row = e.get("row_no")
        sheet = e.get("sheet")
        name = self.files().get(sha)
        return Citation(
            kind="",
            sha256=sha,
            file_name=self.redactor.text(name) if name else "（证据登记中无此文件）",
            sheet=str(sheet or ""),
            row_no=int(row) if isinstance(row, int) else None,
            resolved=False,
        )
