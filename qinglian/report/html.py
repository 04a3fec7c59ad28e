"""The case file as ONE self-contained HTML page: CSS, charts and chain graph inline, no URLs."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import jinja2

from qinglian import __version__
from qinglian.privacy import NameMatcher
from qinglian.report.casefile import CaseFile
from qinglian.report.charts import daily_pair_svg
from qinglian.report.graph import chain_svg

_COMMENT = re.compile(r"<!--.*?-->", re.S)
_METADATA = re.compile(r"<metadata>.*?</metadata>", re.S)  # matplotlib's RDF block: URLs, no picture


def inline_svg(svg: str, prefix: str) -> str:
    """Make an SVG safe to inline next to others: drop comments, prefix ids and their references."""
    if not svg:
        return ""
    svg = _METADATA.sub("", _COMMENT.sub("", svg))
    svg = re.sub(r'\bid="([^"]+)"', lambda m: f'id="{prefix}-{m.group(1)}"', svg)
    svg = re.sub(r"url\(#([^)]+)\)", lambda m: f"url(#{prefix}-{m.group(1)})", svg)
    svg = re.sub(r'href="#([^"]+)"', lambda m: f'href="#{prefix}-{m.group(1)}"', svg)
    return svg


def _token(v: object) -> bool:
    """A short Latin identifier (account, code): laid out unbroken so columns keep their width."""
    return isinstance(v, str) and 0 < len(v) <= 16 and v.isascii() and not any(c.isspace() for c in v)


def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("qinglian.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.tests["token"] = _token
    return env


# ---- the case file built around charges -------------------------------------------------------

# In the PDF: representative items per charge, characters per quote, leads listed, files named in a
# draft, characters of an analysis run's parameters. The HTML shows every item, lead and file.
PDF_ITEMS = 2
PDF_QUOTE_CHARS = 70
PDF_LEADS = 40
PDF_PARAMS_CHARS = 160


@dataclass
class Pictures:
    chain: str = ""
    chain_caption: str = ""
    daily: dict[str, str] = field(default_factory=dict)


def casefile_pictures(cf: CaseFile, raster: bool = False) -> Pictures:
    """The chain and each party's daily chart: inline SVG, or with ``raster`` PNG images (the PDF's)."""
    pics = Pictures()
    svg, pics.chain_caption = chain_svg(cf.chain, per_layer=25, raster=raster)
    pics.chain = svg if raster else inline_svg(svg, "chain")
    for i, p in enumerate(cf.parties):
        by_kind = {d.kind: d.days for d in p.daily}
        svg = daily_pair_svg(by_kind.get("calls", []), by_kind.get("sms", []), f"{p.holder}：每日外呼与短信",
                             raster=raster)
        pics.daily[p.holder] = svg if raster else inline_svg(svg, f"d{i}")
    return pics


def render_casefile(cf: CaseFile, *, for_pdf: bool = False, names: NameMatcher | None = None,
                    pictures: Pictures | None = None) -> str:
    """The case file page; without --reveal the finished page passes the case's name matcher last."""
    pics = pictures or casefile_pictures(cf, raster=for_pdf)
    page = environment().get_template("casefile.html.j2").render(
        d=cf, pics=pics, version=__version__,
        items_shown=PDF_ITEMS if for_pdf else 5,
        quote_chars=PDF_QUOTE_CHARS if for_pdf else 400,
        leads_shown=PDF_LEADS if for_pdf else 10**9,
        draft_files=6 if for_pdf else 10**9,
        params_chars=PDF_PARAMS_CHARS if for_pdf else 10**6,
        brief=for_pdf,
    )
    return page if cf.reveal or not names else names.mask(page)
