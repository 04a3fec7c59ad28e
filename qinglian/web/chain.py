"""The chain picture of the overview (vendor → accounts → holders → lists → leak sources): the
report's own chain and drawing, served as an SVG image (loaded with <img>, so nothing in it can run),
masked, and kept per custody head."""

from __future__ import annotations

import threading

import duckdb

from qinglian.report.data import chain
from qinglian.report.graph import chain_svg
from qinglian.report.tables import schema_tables
from qinglian.store.case import Case
from qinglian.web.reads import redactor

_cache: dict[str, tuple[str, str, str]] = {}  # case root -> (custody head, svg, caption)
_lock = threading.Lock()
PER_LAYER = 25


def chain_picture(case: Case, con: duckdb.DuckDBPyConnection | None = None) -> tuple[str, str]:
    """(svg, caption); svg is empty where the case has no chain to draw yet."""
    if con is None:
        with case.connect(read_only=True) as c:
            return chain_picture(case, c)
    key = str(case.root.resolve())
    head = case.head(con)
    stamp = f"{head[0]}:{head[1]}" if head else ""
    with _lock:
        hit = _cache.get(key)
    if hit is not None and hit[0] == stamp:
        return hit[1], hit[2]
    tables = schema_tables(con)
    if "links" not in tables or "accounts" not in tables:
        return "", "尚无链条（先运行分析）"
    svg, caption = chain_svg(chain(con, tables, redactor(case, con)), per_layer=PER_LAYER)
    with _lock:
        _cache[key] = (stamp, svg, caption)
    return svg, caption
