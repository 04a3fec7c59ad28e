"""The FastAPI application: routers, security headers on every response, errors as pages."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

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


def _lang_cookies() -> dict[str, bytes]:
    """The Set-Cookie value that keeps each language, as ``Response.set_cookie`` writes it."""
    out = {}
    for lang in LANGS:
        r = Response()
        r.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, httponly=True, samesite="strict", path="/")
        out[lang] = next(v for k, v in r.raw_headers if k == b"set-cookie")
    return out


class _Guard:
    """Refuses a POST body over its limit before anything reads it, and puts the security headers
    (and the language cookie on ``?lang=``) on every response. A plain ASGI middleware: the
    ``@app.middleware`` form runs each request through a task and a stream of its own."""

    def __init__(self, app: ASGIApp, upload_limit: int) -> None:
        self.app = app
        self.upload_limit = upload_limit
        self.cookies = _lang_cookies()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        static = request.url.path.startswith("/static/")
        chosen = request.query_params.get("lang")

        async def send_guarded(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for k, v in HEADERS.items():
                    if not (k == "Cache-Control" and static) and k not in headers:
                        headers[k] = v
                if chosen in LANGS:
                    headers.append("set-cookie", self.cookies[chosen].decode("latin-1"))
            await send(message)

        refused = _body_too_large(request, self.upload_limit)
        await (refused or self.app)(scope, receive, send_guarded)


class _Admit:
    """Lets a few page reads run at once and queues the rest in order of arrival. The pages are
    CPU-bound Python: twenty sharing one interpreter all finish late, a few at a time finish soon.
    A read leaves the queue's count once its response starts (a download streams outside it);
    posts (uploads, reviews) are not queued."""

    def __init__(self, app: ASGIApp, slots: int) -> None:
        self.app = app
        self.slots = asyncio.Semaphore(slots)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD") or scope["path"].startswith("/static/"):
            await self.app(scope, receive, send)
            return
        await self.slots.acquire()
        held = True

        async def send_admitted(message: Message) -> None:
            nonlocal held
            if held and message["type"] == "http.response.start":
                held = False
                self.slots.release()
            await send(message)

        try:
            await self.app(scope, receive, send_admitted)
        finally:
            if held:
                self.slots.release()


def _slots() -> int:
    return max(1, int(os.environ.get("QINGLIAN_WEB_SLOTS", "4")))


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

    app.add_middleware(_Admit, slots=_slots())
    app.add_middleware(_Guard, upload_limit=upload_limit)

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
