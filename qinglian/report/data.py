"""What the case file reads besides the charges: the holders, the analysis runs, the chain graph.

The chain is built from the records and the stages' tables (declared in ``qinglian.store.tables``);
labels go through the redactor, so it is masked unless ``reveal``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import duckdb

from qinglian.report.privacy import Redactor
from qinglian.store import tables as tbl
from qinglian.store.schema import KINDS
from qinglian.store.sqlident import quote_ident

KIND_ZH: dict[str, str] = {
    "calls": "通话记录", "sms": "短信发送记录", "customers": "客户名单", "chats": "聊天记录",
    "complaints": "投诉", "accounts": "平台账号", "payments": "付款记录",
}


@dataclass
class Daily:
    kind: str  # calls | sms
    days: list[tuple[date, int]]
    total: int
    undated: int


@dataclass
class Chain:
    """The chain graph: nodes by layer (0 vendor … 4 leak source) and directed edges."""

    nodes: dict[str, tuple[str, int]] = field(default_factory=dict)  # id -> (label, layer)
    edges: set[tuple[str, str]] = field(default_factory=set)

    def add(self, node_id: str, label: str, layer: int) -> str:
        self.nodes.setdefault(node_id, (label, layer))
        return node_id

    def link(self, a: str, b: str) -> None:
        if a != b:
            self.edges.add((a, b))

    def around(self, holder: str) -> Chain:
        """The part of the chain that touches one holder (its upstream and downstream)."""
        hid = f"holder:{holder}"
        keep = {hid}
        frontier = {hid}
        while frontier:  # upstream
            frontier = {a for a, b in self.edges if b in frontier} - keep
            keep |= frontier
        frontier = {hid}
        while frontier:  # downstream
            frontier = {b for a, b in self.edges if a in frontier} - keep
            keep |= frontier
        sub = Chain()
        sub.nodes = {k: v for k, v in self.nodes.items() if k in keep}
        sub.edges = {(a, b) for a, b in self.edges if a in keep and b in keep}
        return sub


@dataclass
class Run:
    """One row of ``analysis_runs``: which stage ran, with which version and parameters."""

    analysis: str
    version: str
    ran_at: str
    params: str


def _params_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def runs(con: duckdb.DuckDBPyConnection) -> list[Run]:
    rows = con.execute(
        f"SELECT * FROM ({tbl.ANALYSIS_RUNS.select('analysis', 'version', 'ran_at', 'params')}) "
        "ORDER BY analysis, ran_at"
    ).fetchall()
    return [Run(str(a), str(v), str(r), _params_text(p)) for a, v, r, p in rows]


def holders(con: duckdb.DuckDBPyConnection) -> list[str]:
    parts = " UNION ".join(f"SELECT holder FROM {quote_ident(k)}" for k in KINDS)
    rows = con.execute(
        f"SELECT DISTINCT holder FROM ({parts} UNION SELECT holder FROM evidence) WHERE holder IS NOT NULL "
        "ORDER BY holder"
    ).fetchall()
    return [str(r[0]) for r in rows]


def chain(con: duckdb.DuckDBPyConnection, tables: dict[str, list[str]], redactor: Redactor) -> Chain:
    """vendor → accounts → holders → lists → leak sources, from the records and the link tables."""
    g = Chain()
    known = set(holders(con))
    for h in known:
        g.add(f"holder:{h}", h, 2)
    # The vendor's account table: its holder is the vendor; each account serves a customer company.
    for vendor, account, customer in con.execute(
        "SELECT DISTINCT holder, account, customer FROM accounts WHERE account IS NOT NULL"
    ).fetchall():
        v = g.add(f"vendor:{vendor}", str(vendor), 0)
        a = g.add(f"account:{account}", redactor.text(str(account)), 1)
        g.link(v, a)
        if customer is not None and str(customer) in known:
            g.link(a, f"holder:{customer}")
    for kind in ("calls", "sms"):
        for holder, account in con.execute(
            f"SELECT DISTINCT holder, account FROM {quote_ident(kind)} WHERE account IS NOT NULL"
        ).fetchall():
            a = g.add(f"account:{account}", redactor.text(str(account)), 1)
            g.link(a, f"holder:{holder}")
    for holder, sha, sheet, fname in con.execute(
        "SELECT DISTINCT c.holder, c.evidence_sha256, c.sheet, e.file_name FROM customers c "
        "LEFT JOIN evidence e ON e.sha256 = c.evidence_sha256"
    ).fetchall():
        label = str(fname or str(sha)[:12]) + (f"/{sheet}" if sheet else "")
        lst = g.add(f"list:{sha}:{sheet or ''}", redactor.text(label), 3)
        g.link(f"holder:{holder}", lst)
    _chain_links(con, redactor, g)
    for cid, list_id, holder, fname in con.execute(
        f"SELECT DISTINCT * FROM ({tbl.LEAK_CLUSTERS.select('cluster_id', 'list_id', 'holder', 'file_name')})"
    ).fetchall():
        src = g.add(f"leak:{cid}", f"泄露源 {cid}", 4)
        lst = f"list:{list_id}"
        if lst not in g.nodes and f"{lst}:" in g.nodes:  # list ids with and without the sheet
            lst = f"{lst}:"
        if lst not in g.nodes:
            lst = g.add(lst, redactor.text(str(fname or list_id)), 3)
            if holder is not None:
                g.link(f"holder:{holder}", lst)
        g.link(lst, src)
    return g


# Entity id prefixes of the link analysis (``entities.entity_id`` is "type:key") and their layer.
LINK_LAYERS: dict[str, int] = {"vendor": 0, "platform": 0, "account": 1, "holder": 2, "list": 3}


def _chain_links(con: duckdb.DuckDBPyConnection, redactor: Redactor, g: Chain) -> None:
    """Edges of the link analysis between vendor/platform, account, holder and list entities."""
    names = {str(i): str(n) for i, n in con.execute(
        f"SELECT entity_id, any_value(name) FROM ({tbl.ENTITIES.select('entity_id', 'name')}) GROUP BY 1"
    ).fetchall()}
    for src, dst in con.execute(f"SELECT DISTINCT * FROM ({tbl.LINKS.select('src', 'dst')})").fetchall():
        ends = []
        for nid in (str(src), str(dst)):
            kind, _, key = nid.partition(":")
            if kind not in LINK_LAYERS:
                break
            ends.append((nid, names.get(nid, key), LINK_LAYERS[kind]))
        if len(ends) != 2 or ends[0][2] >= ends[1][2]:
            continue
        for nid, label, layer in ends:
            g.add(nid, redactor.text(label), layer)
        g.link(ends[0][0], ends[1][0])
