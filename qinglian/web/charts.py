"""The overview's charts, drawn server-side as SVG with the report's matplotlib setup (CJK glyphs
as paths) and served as images: charges per party, and calls and SMS per day. Kept per custody
head and language."""

from __future__ import annotations

import threading

import duckdb
import matplotlib
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from qinglian.report.charts import daily_pair_svg, rc, to_svg
from qinglian.store.case import Case
from qinglian.store.sqlident import quote_ident
from qinglian.web.reads import Party, overview, present

CHARTS = ("charges", "daily")
TOP_PARTIES = 15
_cache: dict[tuple[str, str, str], tuple[str, str]] = {}  # (case root, chart, lang) -> (custody head, svg)
_lock = threading.Lock()
# matplotlib's rc_context changes process-wide settings: one chart is drawn at a time.
_draw = threading.Lock()


def _short(label: str, n: int = 16) -> str:
    return label if len(label) <= n else label[: n - 1] + "…"


def charged(con: duckdb.DuckDBPyConnection, case: Case) -> list[Party]:
    """The parties the chart shows: the ``TOP_PARTIES`` most charged, with their counts by review state."""
    return sorted((p for p in overview(case, con).parties if p.charges), key=lambda p: (-p.charges, p.holder))[
        :TOP_PARTIES]


def charges_svg(con: duckdb.DuckDBPyConnection, case: Case, lang: str) -> str:
    """Charges per party, the most charged first, split by review state; empty without charges."""
    parties = charged(con, case)
    if not parties:
        return ""
    en = lang == "en"
    names = [_short(p.holder) for p in parties][::-1]
    parts = (([p.confirmed for p in parties], "confirmed" if en else "已确认", "#1b6e20"),
             ([p.proposed for p in parties], "proposed" if en else "待复核", "#2c6fbb"),
             ([p.charges - p.confirmed - p.proposed for p in parties], "other" if en else "其他（驳回、需补充）", "#999999"))
    with _draw, matplotlib.rc_context(rc()):
        fig = Figure(figsize=(7.5, 0.32 * len(parties) + 1.1))
        ax = fig.add_subplot()
        left = [0] * len(parties)
        for values, label, color in parts:
            vals = values[::-1]
            ax.barh(names, vals, left=left, color=color, label=label, height=0.6)
            left = [a + b for a, b in zip(left, vals, strict=True)]
        ax.set_title("Charges per party" if en else "各当事人的指控", fontsize=9, pad=18)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.legend(fontsize=7, frameon=False, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=3)
        ax.spines[["top", "right"]].set_visible(False)
        return to_svg(fig)


def daily_svg(con: duckdb.DuckDBPyConnection, lang: str) -> str:
    """Calls and SMS of the whole case per day (the report's own daily chart); empty without dated records."""
    have = present(con)
    series = []
    for kind, ts in (("calls", "started_at"), ("sms", "sent_at")):
        series.append([(d, int(n)) for d, n in con.execute(
            f"SELECT CAST({quote_ident(ts)} AS DATE) d, count(*) FROM {quote_ident(kind)} "
            f"WHERE {quote_ident(ts)} IS NOT NULL GROUP BY 1 ORDER BY 1").fetchall()] if kind in have else [])
    with _draw:
        return daily_pair_svg(series[0], series[1], "Calls and SMS per day" if lang == "en" else "每日外呼与短信")


def chart(case: Case, name: str, lang: str) -> str:
    """One of ``CHARTS`` as SVG ('' where the case has nothing to draw)."""
    with case.connect(read_only=True) as con:
        head = case.head(con)
        stamp = f"{head[0]}:{head[1]}" if head else ""
        key = (str(case.root.resolve()), name, lang)
        with _lock:
            hit = _cache.get(key)
        if hit is not None and hit[0] == stamp:
            return hit[1]
        svg = charges_svg(con, case, lang) if name == "charges" else daily_svg(con, lang)
    with _lock:
        _cache[key] = (stamp, svg)
    return svg
