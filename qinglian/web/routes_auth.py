"""Signing in and out. The sign-in form is guarded by a double-submit token (cookie and field
must match) since there is no session yet to hold one."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from qinglian.web.auth import SESSION_HOURS, Throttled, same, sign_in, sign_out
from qinglian.web.deps import DB, SESSION_COOKIE, check_csrf, client_ip, settings
from qinglian.web.render import page

router = APIRouter()
LOGIN_CSRF_COOKIE = "ql_login_csrf"


def _login_page(request: Request, status: int = 200, error: tuple[str, str] | None = None) -> Response:
    token = secrets.token_urlsafe(24)
    resp = page(request, "login.html", status=status, login_csrf=token, error=error)
    resp.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict",
                    secure=settings(request).secure_cookies, path="/login")
    return resp


@router.get("/login")
def login_form(request: Request) -> Response:
    return _login_page(request)


@router.post("/login")
def login(request: Request, s: DB, name: Annotated[str, Form()] = "", password: Annotated[str, Form()] = "",
          csrf: Annotated[str, Form()] = "") -> Response:
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not csrf or not cookie or not same(csrf, cookie):
        return _login_page(request, 403, ("请求缺少有效的安全令牌，请重新登录", "missing or wrong CSRF token; sign in again"))
    try:
        signed = sign_in(s, name, password, client_ip(request))
    except Throttled:
        return _login_page(request, 429, ("登录失败次数过多，请 15 分钟后再试",
                                          "too many failed sign-ins; try again in 15 minutes"))
    if signed is None:
        return _login_page(request, 401, ("用户名或密码错误", "wrong user name or password"))
    resp = RedirectResponse("/cases", status_code=303)
    resp.set_cookie(SESSION_COOKIE, signed.token, max_age=SESSION_HOURS * 3600, httponly=True, samesite="strict",
                    secure=settings(request).secure_cookies, path="/")
    resp.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return resp


@router.post("/logout", dependencies=[Depends(check_csrf)])
def logout(request: Request, s: DB) -> Response:
    sign_out(s, request.cookies.get(SESSION_COOKIE))
    resp = RedirectResponse("/login", status_code=303)
    resp.delete_cookie(SESSION_COOKIE, path="/")
    return resp
