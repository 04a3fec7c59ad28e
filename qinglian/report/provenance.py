"""The custody head a report is made from, printed on it so that the report can be matched to the
custody log (and to an anchor of that head) after the case has moved on."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from qinglian.i18n import t
from qinglian.report.privacy import hash_text
from qinglian.store.case import read_head

# Hex digits of the entry's hash shown on a report: enough to tell heads apart at a glance.
PREFIX = 16


@dataclass(frozen=True)
class Head:
    seq: int
    hash: str

    @property
    def prefix(self) -> str:
        """The hash's first hex digits, as printed (a run of digits that reads like a mobile is cut)."""
        return hash_text(self.hash[:PREFIX])

    def label(self) -> str:
        return t("保管日志头", "Custody log head")

    def text(self) -> str:
        return t(f"第 {self.seq} 条，哈希 {self.prefix}…", f"entry {self.seq}, hash {self.prefix}…")

    def footer(self) -> str:
        """One line for the foot of every PDF page."""
        return t(f"保管日志头：{self.text()}", f"Custody log head: {self.text()}")

    def colophon(self) -> str:
        return t(
            f"本材料据保管日志第 {self.seq} 条（哈希 {self.prefix}…）时的案件库生成；"
            "可用 qinglian verify 与保管日志及其锚定记录核对。",
            f"Made from the case as of custody log entry {self.seq} (hash {self.prefix}…); "
            "check it against the custody log and its anchors with qinglian verify.",
        )


def made_from(con: duckdb.DuckDBPyConnection) -> Head | None:
    """The custody head the store holds on ``con`` (as ``Case.head`` reads it): call it on the
    connection the report's content is read from, so the head and the content are of one moment.
    ``None`` for a store without a custody head."""
    head = read_head(con)
    return Head(*head) if head else None
