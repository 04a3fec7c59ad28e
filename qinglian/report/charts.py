"""Daily charts as inline SVG (matplotlib, glyphs drawn as paths so any viewer shows the CJK text),
or for the PDF as PNG images: WeasyPrint draws thousands of glyph paths far slower than it places a picture."""

from __future__ import annotations

import base64
import io
from datetime import date
from functools import lru_cache
from typing import Any

import matplotlib

matplotlib.use("Agg")
from matplotlib import font_manager
from matplotlib.figure import Figure

CJK_FAMILIES: tuple[str, ...] = ("Noto Sans CJK SC", "Noto Sans CJK JP", "WenQuanYi Micro Hei",
                                 "WenQuanYi Zen Hei", "Source Han Sans SC", "SimHei")


@lru_cache(maxsize=1)
def cjk_family() -> str | None:
    """The first installed CJK font family that matplotlib can use, or None."""
    names = {f.name for f in font_manager.fontManager.ttflist}
    for fam in CJK_FAMILIES:
        if fam in names:
            return fam
    # fonts installed after matplotlib built its cache: add Noto CJK files directly
    for path in font_manager.findSystemFonts():
        if "NotoSansCJK" in path or "wqy" in path.lower():
            try:
                font_manager.fontManager.addfont(path)
            except (OSError, RuntimeError, ValueError):
                continue
    names = {f.name for f in font_manager.fontManager.ttflist}
    return next((fam for fam in CJK_FAMILIES if fam in names), None)


def rc() -> dict[Any, Any]:
    fam = cjk_family()
    return {
        "svg.fonttype": "path",
        "svg.hashsalt": "qinglian",
        "font.family": [fam, "DejaVu Sans"] if fam else ["DejaVu Sans"],
        "font.size": 9,
        "axes.unicode_minus": False,
    }


def to_svg(fig: Figure, tight: bool = True) -> str:
    """The figure as an <svg> element; ``tight=False`` skips the extra layout pass (faster)."""
    buf = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "path", "svg.hashsalt": "qinglian"}):
        fig.savefig(buf, format="svg", bbox_inches="tight" if tight else None, metadata={"Date": None})
    svg = buf.getvalue()
    start = svg.find("<svg")
    return svg[start:] if start >= 0 else svg


PNG_DPI = 150  # sharp enough in print at the sizes the case file uses


def to_img(fig: Figure, tight: bool = True) -> str:
    """The figure as an <img> holding a PNG (a data: URI), for the PDF."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=PNG_DPI, bbox_inches="tight" if tight else None, metadata={"Software": None})
    png = buf.getvalue()
    # laid out at the figure's own size (CSS px are 1/96 in), whatever the PNG's resolution
    width, height = (int.from_bytes(png[i:i + 4], "big") * 96 // PNG_DPI for i in (16, 20))
    data = base64.b64encode(png).decode("ascii")
    # a style, not width/height attributes: WeasyPrint reads no presentational hints by default
    return (f'<img class="chart" alt="" style="width: {width}px; height: {height}px" '
            f'src="data:image/png;base64,{data}">')


def picture(fig: Figure, tight: bool = True, raster: bool = False) -> str:
    return to_img(fig, tight) if raster else to_svg(fig, tight)


def daily_pair_svg(calls: list[tuple[date, int]], sms: list[tuple[date, int]], title: str,
                   raster: bool = False) -> str:
    """Calls and SMS per day on one small chart (bars side by side); empty string when no days.
    ``raster``: a PNG <img> instead of an <svg>."""
    if not calls and not sms:
        return ""
    days = sorted({d for d, _ in calls} | {d for d, _ in sms})
    pos = {d: i for i, d in enumerate(days)}
    with matplotlib.rc_context(rc()):
        fig = Figure(figsize=(min(9.0, max(4.0, 0.22 * len(days) + 2)), 1.8))
        ax = fig.add_subplot()
        for series, label, color, shift in ((calls, "外呼", "#2c6fbb", -0.2), (sms, "短信", "#c0392b", 0.2)):
            if series:
                ax.bar([pos[d] + shift for d, _ in series], [n for _, n in series], width=0.4, color=color,
                       label=label)
        step = max(1, len(days) // 15)
        ax.set_xticks(list(range(len(days)))[::step], [d.strftime("%m-%d") for d in days][::step])
        ax.set_title(title, fontsize=9)
        ax.legend(fontsize=7, frameon=False)
        ax.spines[["top", "right"]].set_visible(False)
        fig.subplots_adjust(left=0.1, right=0.98, bottom=0.2, top=0.85)
        return picture(fig, tight=False, raster=raster)
