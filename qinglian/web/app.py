"""The FastAPI application: routers, security headers on every response, errors as pages."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from qinglian.errors import QinglianError
from qinglian.web import routes_admin, routes_auth, routes_case, routes_jobs, routes_operation
from qinglian.web.db import default_url, make_engine, session_factory
from qinglian.web.deps import NotSignedIn, Refused, Settings
from qinglian.web.jobs import Jobs
from qinglian.web.render import LANG_COOKIE, LANGS, page

STATIC = Path(__file__).parent / "static"
# Everything from this server only; no inline script or style, no framing, forms post here only.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
       "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


FORM_LIMIT = 1 << 20  # bytes in a POST that is not an upload


def _body_too_large(request: Request, upload_limit: int) -> Response | None:
    """Refuse a POST body over its limit before anything reads it (an upload is spooled to disk
    as it is parsed, so the limit must hold before parsing); a POST must say its length."""
    if request.method != "POST":
        return None
    limit = upload_limit + FORM_LIMIT if request.url.path.endswith("/upload") else FORM_LIMIT
    length = request.headers.get("content-length")
    if length is None or not length.isdigit():
        return Response("length required", status_code=411)
    if int(length) > limit:
        return Response("request too large", status_code=413)
    return None


def create_app(cases_dir: Path, db_url: str | None = None, secure_cookies: bool = False,
               upload_limit: int = 2 << 30) -> FastAPI:
    cases_dir = Path(cases_dir)
    url = db_url or default_url(cases_dir)
    app = FastAPI(title="Qinglian", docs_url=None, redoc_url=None, openapi_url=None)
    engine = make_engine(url)
    app.state.settings = Settings(cases_dir, url, secure_cookies, upload_limit)
    app.state.engine = engine
    app.state.sessions = session_factory(engine)
    # Uploads wait beside the cases, never inside one, until intake copies them in.
    app.state.jobs = Jobs(app.state.sessions, cases_dir / ".qinglian-web" / "uploads")
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for r in (routes_auth.router, routes_case.router, routes_jobs.router, routes_admin.router, routes_operation.router):
        app.include_router(r)

    @app.middleware("http")
    async def headers(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        refused = _body_too_large(request, upload_limit)
        resp = refused or await call_next(request)
        for k, v in HEADERS.items():
            if k == "Cache-Control" and request.url.path.startswith("/static/"):
                continue
            resp.headers.setdefault(k, v)
        chosen = request.query_params.get("lang")
        if chosen in LANGS:
            resp.set_cookie(LANG_COOKIE, chosen, max_age=365 * 86400, httponly=True, samesite="strict", path="/")
        return resp

    @app.exception_handler(NotSignedIn)
    async def not_signed_in(request: Request, exc: NotSignedIn) -> Response:
        if request.headers.get("hx-request") == "true":
            return Response(status_code=401, headers={"HX-Redirect": "/login"})
        return RedirectResponse("/login", status_code=303)

    @app.exception_handler(Refused)
    async def refused(request: Request, exc: Refused) -> Response:
        return page(request, "error.html", status=exc.status, message=(exc.zh, exc.en))

    @app.exception_handler(QinglianError)
    async def qinglian_error(request: Request, exc: QinglianError) -> Response:
        busy = "busy" in exc.en or "in use" in exc.en
        return page(request, "error.html", status=409 if busy else 400, message=(exc.render("zh"), exc.render("en")))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        return page(request, "error.html", status=400, message=("请求参数不正确", "invalid request"))

    return app
