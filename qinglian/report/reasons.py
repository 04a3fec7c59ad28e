"""Reasons with evidence, as the link stage writes them, made readable for the case file.

``targets.reasons`` and ``upstream.reasons`` hold a JSON list of
``{"reason_zh", "reason_en", "evidence": [{"evidence_sha256", "sheet", "row_no"}], "weight"}``.
The report shows each reason as a sentence with its citations (file name, hash prefix, sheet,
row), and checks every cited row against the record tables, exactly as it does for findings.
Other analyses may write a plain string; that is shown as it is (masked).
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from typing import Any

import duckdb
import pyarrow as pa

from qinglian.report.evidence import Citation
from qinglian.report.privacy import Redactor
from qinglian.store.schema import KINDS
from qinglian.store.sqlident import quote_ident


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
    """Turns reason cells into ``Reasons``; ``resolve`` then checks every cited row at once."""

    con: duckdb.DuckDBPyConnection
    redactor: Redactor
    per_reason: int = 10  # citations kept per reason
    track: bool = True  # keep the cells for ``resolve`` (off when streaming a whole table)
    _files: dict[str, str] | None = None
    _pending: list[Reasons] = field(default_factory=list)

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
        out = Reasons(tuple(items))
        if self.track:
            self._pending.append(out)
        return out

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

    def resolve(self) -> None:
        """Mark each pending citation resolved (with its record kind) when that row exists."""
        cites = {(c.sha256, c.sheet, c.row_no) for rs in self._pending for r in rs.items for c in r.citations}
        if not cites:
            self._pending.clear()
            return
        refs = pa.table({"sha": [c[0] for c in cites], "sheet": [c[1] or None for c in cites],
                         "row_no": [c[2] for c in cites]},
                        schema=pa.schema([("sha", pa.string()), ("sheet", pa.string()), ("row_no", pa.int64())]))
        self.con.register("report_reason_refs", refs)
        try:
            union = " UNION ALL ".join(
                f"SELECT '{k}' AS kind, r.sha, r.sheet, r.row_no FROM report_reason_refs r "
                f"SEMI JOIN {quote_ident(k)} t ON t.evidence_sha256 = r.sha "
                "AND t.sheet IS NOT DISTINCT FROM r.sheet AND t.row_no = r.row_no"
                for k in KINDS
            )
            found = {(str(s), str(sh or ""), int(n)): str(k)
                     for k, s, sh, n in self.con.execute(union).fetchall()}
        finally:
            self.con.unregister("report_reason_refs")
        for rs in self._pending:
            rs.items = tuple(
                dataclasses.replace(r, citations=tuple(
                    dataclasses.replace(c, kind=found.get((c.sha256, c.sheet, c.row_no or -1), ""),
                                        resolved=(c.sha256, c.sheet, c.row_no or -1) in found)
                    for c in r.citations))
                for r in rs.items)
        self._pending.clear()
