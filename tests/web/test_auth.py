"""Signing in and out, throttling, CSRF, cookies and security headers."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from qinglian.web.users import add_user
from tests.helpers import cli
from tests.web.conftest import PASSWORD, Web, csrf_of, sign_in


def test_sign_in_and_out(web: Web) -> None:
    c = web.client()
    assert c.get("/cases", follow_redirects=False).headers["location"] == "/login"
    form = c.get("/login")
    resp = c.post("/login", data={"name": "viewer_a", "password": "correct horse battery",
                                  "csrf": csrf_of(form.text)}, follow_redirects=False)
    assert resp.status_code == 303
    cookie = resp.headers["set-cookie"].lower()
    assert "ql_session=" in cookie and "httponly" in cookie and "samesite=strict" in cookie
    page = c.get("/cases")
    assert page.status_code == 200 and "甲案" in page.text and "乙案" not in page.text
    out = c.post("/logout", data={"csrf": csrf_of(page.text)}, follow_redirects=False)
    assert out.status_code == 303
    assert c.get("/cases", follow_redirects=False).status_code == 303


def test_a_session_is_gone_after_sign_out_even_with_the_old_cookie(web: Web) -> None:
    c = web.client()
    assert sign_in(c, "viewer_a") == 303
    token = c.cookies.get("ql_session")
    page = c.get("/cases")
    c.post("/logout", data={"csrf": csrf_of(page.text)})
    thief = web.client()
    thief.cookies.set("ql_session", token or "")
    assert thief.get("/cases", follow_redirects=False).status_code == 303


def test_wrong_password_and_unknown_user_are_refused_alike(web: Web) -> None:
    c = web.client()
    wrong = c.post("/login", data={"name": "lead_a", "password": "nope", "csrf": csrf_of(c.get("/login").text)})
    nobody = c.post("/login", data={"name": "ghost", "password": "nope", "csrf": csrf_of(c.get("/login").text)})
    assert wrong.status_code == nobody.status_code == 401
    assert "用户名或密码错误" in wrong.text
    assert "ql_session" not in c.cookies


def test_five_failures_lock_out_even_the_right_password(web: Web) -> None:
    add_user(web.cases_dir, "guessed", PASSWORD, "viewer", [], db_url=web.db_url)
    c = web.client()
    for _ in range(5):
        assert sign_in(c, "guessed", "wrong password!") == 401
    assert sign_in(c, "guessed") == 429
    # Another user from the same address is not locked out.
    assert sign_in(web.client(), "reviewer_a") == 303


def test_sign_in_without_its_token_is_refused(web: Web) -> None:
    c = web.client()
    c.get("/login")
    resp = c.post("/login", data={"name": "lead_a", "password": "correct horse battery"}, follow_redirects=False)
    assert resp.status_code == 403


def test_posts_without_csrf_token_are_refused(web: Web, clients: dict[str, TestClient]) -> None:
    c = clients["lead_a"]
    url = f"/cases/{web.case_a}/charges/C-impersonate01/review"
    for data in ({"decision": "confirm", "reason": "理由充分", "holder": "x"},
                 {"decision": "confirm", "reason": "理由充分", "holder": "x", "csrf": "forged"}):
        assert c.post(url, data=data, follow_redirects=False).status_code == 403
    assert c.post("/logout", follow_redirects=False).status_code == 403


def test_security_headers_on_every_page(web: Web, clients: dict[str, TestClient]) -> None:
    for resp in (web.client().get("/login"), clients["lead_a"].get(f"/cases/{web.case_a}")):
        csp = resp.headers["content-security-policy"]
        assert "default-src 'self'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert resp.headers["x-content-type-options"] == "nosniff"
        assert resp.headers["x-frame-options"] == "DENY"


def test_assets_come_from_the_package(web: Web) -> None:
    c = web.client()
    page = c.get("/login").text
    assert "http://" not in page and "https://" not in page
    assert c.get("/static/htmx.min.js").status_code == 200
    assert c.get("/static/app.css").status_code == 200


def test_english_by_query_then_cookie(web: Web) -> None:
    c = web.client()
    assert "登录" in c.get("/login").text
    assert "Sign in" in c.get("/login?lang=en").text
    assert "Sign in" in c.get("/login").text
    assert "登录" in c.get("/login?lang=zh").text


def test_users_add_on_the_command_line(web: Web, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QINGLIAN_PASSWORD", "another long password")
    db = ["--db", web.db_url] if web.db_url else []
    assert cli("users", "add", "新调查员", "--role", "investigator", "--case", "case_a",
               "--cases", web.cases_dir, *db) == 0
    c = web.client()
    assert sign_in(c, "新调查员", "another long password") == 303
    assert "甲案" in c.get("/cases").text
    monkeypatch.setenv("QINGLIAN_PASSWORD", "short")
    assert cli("users", "add", "x", "--role", "viewer", "--cases", web.cases_dir) == 2
    monkeypatch.setenv("QINGLIAN_PASSWORD", "another long password")
    assert cli("users", "add", "x", "--role", "boss", "--cases", web.cases_dir) == 2
    assert cli("users", "add", "x", "--role", "viewer", "--case", "nope", "--cases", web.cases_dir) == 2
