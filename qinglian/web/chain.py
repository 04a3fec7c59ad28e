"""The chain of the overview (vendor → accounts → holders → lists → leak sources), built by the
report's own ``chain``: as an SVG picture (loaded with <img>, so nothing in it can run) and as JSON
for the interactive graph (labels drawn on a canvas, never as markup); masked, kept per custody head."""

from __future__ import annotations

import re
import threading
from typing import Any
from urllib.parse import quote

import duckdb

from qinglian.report.data import Chain, chain
from qinglian.report.graph import LAYERS, chain_svg, trim
from qinglian.report.tables import schema_tables
from qinglian.store.case import Case
from qinglian.web.reads import present, redactor

_cache: dict[str, tuple[str, str, str]] = {}  # case root -> (custody head, svg, caption)
_data: dict[str, tuple[str, dict[str, Any]]] = {}  # case root -> (custody head, graph as JSON)
_lock = threading.Lock()
PER_LAYER = 25
GRAPH_PER_LAYER = 60  # the interactive graph can be zoomed, so it keeps more of each layer
LAYERS_EN = ("vendor / platform", "account", "inspected party", "customer list", "leak source")
_SHA = re.compile(r"[0-9a-f]{64}")


def _stamp(case: Case, con: duckdb.DuckDBPyConnection) -> str:
    head = case.head(con)
    return f"{head[0]}:{head[1]}" if head else ""


def _chain(case: Case, con: duckdb.DuckDBPyConnection) -> Chain | None:
    tables = schema_tables(con)
    if "links" not in tables or "accounts" not in tables:
        return None
    return chain(con, tables, redactor(case, con))


def chain_picture(case: Case, con: duckdb.DuckDBPyConnection | None = None) -> tuple[str, str]:
    """(svg, caption); svg is empty where the case has no chain to draw yet."""
    if con is None:
        with case.connect(read_only=True) as c:
            return chain_picture(case, c)
    key = str(case.root.resolve())
    stamp = _stamp(case, con)
    with _lock:
        hit = _cache.get(key)
    if hit is not None and hit[0] == stamp:
        return hit[1], hit[2]
    g = _chain(case, con)
    if g is None:
        return "", "尚无链条（先运行分析）"
    svg, caption = chain_svg(g, per_layer=PER_LAYER)
    with _lock:
        _cache[key] = (stamp, svg, caption)
    return svg, caption


def chain_data(case: Case, case_id: str) -> dict[str, Any]:
    """The chain for the interactive graph: roles (name and colour per layer), nodes (id, masked
    label, layer, and where there is one the page it opens: a party's page, a list's evidence
    file), edges, and how many nodes were cut (the most connected ``GRAPH_PER_LAYER`` of a layer stay)."""
    with case.connect(read_only=True) as con:
        key = str(case.root.resolve())
        stamp = _stamp(case, con)
        with _lock:
            hit = _data.get(key)
        if hit is not None and hit[0] == stamp:
            return hit[1]
        g = _chain(case, con)
        have = present(con)
        parties = {str(r[0]) for r in con.execute("SELECT DISTINCT holder FROM evidence").fetchall()} \
            if "evidence" in have else set()
        files = {str(r[0]) for r in con.execute("SELECT sha256 FROM evidence").fetchall()} if "evidence" in have else set()
    base = f"/cases/{quote(case_id, safe='')}"
    nodes: list[dict[str, Any]] = []
    edges: list[list[str]] = []
    cut = 0
    if g is not None and g.edges:
        graph, cut = trim(g, GRAPH_PER_LAYER)
        graph.remove_nodes_from([n for n in list(graph.nodes) if graph.degree(n) == 0])
        for nid, d in graph.nodes(data=True):
            kind, _, rest = str(nid).partition(":")
            href = None
            if kind in ("holder", "vendor") and rest in parties:
                href = f"{base}/party?holder={quote(rest, safe='')}"
            elif kind == "list" and _SHA.fullmatch(rest[:64]) and rest[:64] in files:
                href = f"{base}/evidence/{rest[:64]}"
            nodes.append({"id": str(nid), "label": str(d["label"]), "layer": int(d["layer"]), "href": href})
        edges = [[str(a), str(b)] for a, b in graph.edges]
    nodes.sort(key=lambda n: (n["layer"], n["label"], n["id"]))
    edges.sort()
    out = {"roles": [{"zh": zh, "en": en, "color": color} for (zh, color), en in zip(LAYERS, LAYERS_EN, strict=True)],
           "nodes": nodes, "edges": edges, "cut": cut}
    with _lock:
        _data[key] = (stamp, out)
    return out
