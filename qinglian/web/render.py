"""Pages: Jinja2 with autoescape on for every template (seized text is hostile; no template marks
case data safe), the request's language, and the signed-in user's CSRF token."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

LANGS = ("zh", "en")
LANG_COOKIE = "ql_lang"

# auto_reload off: templates ship with the package, so no page has to look at their files again.
env = Environment(loader=PackageLoader("qinglian.web", "templates"), autoescape=True, undefined=StrictUndefined,
                  trim_blocks=True, lstrip_blocks=True, auto_reload=False)


def lang_of(request: Request) -> str:
    """?lang=en or the language cookie; Chinese by default."""
    for v in (request.query_params.get("lang"), request.cookies.get(LANG_COOKIE)):
        if v in LANGS:
            return v
    return "zh"


def translator(lang: str) -> Callable[[str, str], str]:
    def tr(zh: str, en: str) -> str:
        return en if lang == "en" else zh

    return tr


def _when(v: Any) -> str:
    if isinstance(v, datetime):
        return v.strftime("%Y-%m-%d %H:%M")
    return "" if v is None else str(v)


def _short(v: Any, n: int = 12) -> str:
    return "" if v is None else str(v)[:n]


env.filters["when"] = _when
env.filters["short"] = _short


def page(request: Request, template: str, status: int = 200, **ctx: Any) -> HTMLResponse:
    lang = lang_of(request)
    state = request.state
    html = env.get_template(template).render(
        request=request, lang=lang, tr=translator(lang), user=getattr(state, "user", None),
        csrf=getattr(state, "csrf", ""), **ctx)
    return HTMLResponse(html, status_code=status)


def fragment(template: str, lang: str, **ctx: Any) -> Markup:
    """A part of a page rendered on its own (escaped as any page is), for a page to keep and reuse:
    it must not depend on the user, the role or the CSRF token."""
    # safe: the fragment was rendered with autoescape, as a whole page is
    return Markup(env.get_template(template).render(lang=lang, tr=translator(lang), **ctx))
