"""The case file as ONE self-contained HTML page: CSS, charts and chain graph inline, no URLs."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field

import jinja2

from qinglian import __version__
from qinglian.labels import LABEL_ZH
from qinglian.privacy import NameMatcher
from qinglian.report import laws
from qinglian.report.casefile import CaseFile
from qinglian.report.charts import daily_pair_svg, daily_svg
from qinglian.report.data import KIND_ZH, ReportData, Scope
from qinglian.report.graph import chain_svg
from qinglian.report.reasons import Reasons
from qinglian.report.tables import Table


@dataclass
class Views:
    """The pictures of one scope, already SVG."""

    charts: list[str] = field(default_factory=list)
    graph: str = ""
    graph_caption: str = ""


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


def views(scope: Scope, key: str, graph_per_layer: int) -> Views:
    v = Views()
    for d in scope.daily:
        title = f"{scope.title}：每日{'通话' if d.kind == 'calls' else '短信'}量"
        v.charts.append(inline_svg(daily_svg(d.days, title, d.peak), f"{key}-{d.kind}"))
    if scope.chain is not None:
        svg, v.graph_caption = chain_svg(scope.chain, per_layer=graph_per_layer)
        v.graph = inline_svg(svg, f"{key}-graph")
    return v


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
    env.tests["reasons"] = lambda v: isinstance(v, Reasons)
    env.tests["token"] = _token
    return env


# A PDF with a chapter per holder grows long and WeasyPrint slow; past this many holders the
# case PDF keeps the chapters of the best-ranked inspection targets only (none when targets
# did not run) and points to the HTML/XLSX and `--holder` PDFs for the others.
PDF_MAX_HOLDER_CHAPTERS = 8
# Rows per table in the PDF (WeasyPrint lays out long tables slowly); the rest is in the XLSX.
PDF_MAX_ROWS = 60
# Reasons per row and citations per reason in the PDF.
PDF_MAX_REASONS = 5
PDF_MAX_CITATIONS = 3


def _trim_cell(v: object) -> object:
    return v.trimmed(PDF_MAX_REASONS, PDF_MAX_CITATIONS) if isinstance(v, Reasons) else v


def _trim_table(t: Table | None, k: int) -> Table | None:
    if t is None:
        return None
    return dataclasses.replace(t, rows=[[_trim_cell(v) for v in r] for r in t.rows[:k]])


def trim(scope: Scope, k: int) -> Scope:
    """The scope with every list cut to ``k`` rows (totals kept, so the notes say what was cut)."""
    return dataclasses.replace(
        scope,
        scripts=scope.scripts[:k],
        bribery=scope.bribery[:k],
        findings=scope.findings[:k],
        payments=_trim_table(scope.payments, k),
        behaviour=[t for t in (_trim_table(b, k) for b in scope.behaviour) if t is not None],
        link_tables=[t for t in (_trim_table(b, k) for b in scope.link_tables) if t is not None],
    )


def render_html(data: ReportData, *, single: bool = False, for_pdf: bool = False,
                names: NameMatcher | None = None) -> str:
    """The page; without --reveal the finished page passes the case's name matcher as a last step,
    so a name in any quote, caption, chart or graph label is masked (markup holds no Chinese names)."""
    page = _render(data, single=single, for_pdf=for_pdf)
    return page if data.reveal or not names else names.mask(page)


def _render(data: ReportData, *, single: bool, for_pdf: bool) -> str:
    omit_holders = for_pdf and len(data.holder_scopes) > PDF_MAX_HOLDER_CHAPTERS
    if omit_holders:
        top = data.target_order[:PDF_MAX_HOLDER_CHAPTERS]
        by_name = {s.holder: s for s in data.holder_scopes}
        data = dataclasses.replace(data, holder_scopes=[by_name[h] for h in top if h in by_name])
    if for_pdf:
        data = dataclasses.replace(data, case_scope=trim(data.case_scope, PDF_MAX_ROWS),
                                   holder_scopes=[trim(h, PDF_MAX_ROWS) for h in data.holder_scopes])
    scopes = [data.case_scope, *data.holder_scopes]
    all_views = [views(s, f"s{i}", 25 if i == 0 else 10) for i, s in enumerate(scopes)]
    law_entries, law_note = laws.appendix(data.law_ids)
    return environment().get_template("report.html.j2").render(
        d=data,
        omitted_holders=omit_holders,
        law_entries=law_entries,
        law_note=law_note,
        views=all_views,
        single=single,
        version=__version__,
        labels=LABEL_ZH,
        kinds=KIND_ZH,
    )


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


def casefile_pictures(cf: CaseFile) -> Pictures:
    pics = Pictures()
    svg, pics.chain_caption = chain_svg(cf.chain, per_layer=25)
    pics.chain = inline_svg(svg, "chain")
    for i, p in enumerate(cf.parties):
        by_kind = {d.kind: d.days for d in p.daily}
        svg = daily_pair_svg(by_kind.get("calls", []), by_kind.get("sms", []), f"{p.holder}：每日外呼与短信")
        pics.daily[p.holder] = inline_svg(svg, f"d{i}")
    return pics


def render_casefile(cf: CaseFile, *, for_pdf: bool = False, names: NameMatcher | None = None,
                    pictures: Pictures | None = None) -> str:
    """The case file page; without --reveal the finished page passes the case's name matcher last."""
    pics = pictures or casefile_pictures(cf)
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
