"""The admin's pages: accounts, memberships, disabling; nobody else reaches them."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.web.conftest import Web, csrf_of, sign_in


def test_only_admins_manage_accounts(web: Web, clients: dict[str, TestClient]) -> None:
    for who in ("lead_a", "viewer_a", "member_b"):
        c = clients[who]
        assert c.get("/admin/users").status_code == 403
        token = csrf_of(c.get("/cases").text)
        assert c.post("/admin/users", data={"csrf": token, "name": "evil", "role": "admin",
                                            "password": "0123456789ab"}).status_code == 403


def test_admin_adds_a_member_who_then_sees_the_case(web: Web, clients: dict[str, TestClient]) -> None:
    admin = clients["admin"]
    page = admin.get("/admin/users").text
    assert "lead_a" in page and "甲案" in page
    token = csrf_of(page)
    assert admin.post("/admin/users", data={"csrf": token, "name": "新成员", "role": "viewer",
                                            "password": "short"}).status_code == 400
    assert admin.post("/admin/users", data={"csrf": token, "name": "新成员", "role": "viewer",
                                            "password": "a long enough one"}, follow_redirects=False).status_code == 303
    c = web.client()
    assert sign_in(c, "新成员", "a long enough one") == 303
    assert "乙案" not in c.get("/cases").text
    page = admin.get("/admin/users").text
    uid = _user_id(page, "新成员")
    assert admin.post("/admin/members", data={"csrf": token, "user_id": uid, "case_id": web.case_b,
                                              "role": "viewer"}, follow_redirects=False).status_code == 303
    assert "乙案" in c.get("/cases").text
    assert c.get(f"/cases/{web.case_b}").status_code == 200
    assert admin.post("/admin/members", data={"csrf": token, "user_id": uid, "case_id": web.case_b,
                                              "role": "remove"}, follow_redirects=False).status_code == 303
    assert c.get(f"/cases/{web.case_b}").status_code == 404
    # Disabling signs the user out everywhere.
    assert admin.post(f"/admin/users/{uid}/active", data={"csrf": token, "active": "false"},
                      follow_redirects=False).status_code == 303
    assert c.get("/cases", follow_redirects=False).status_code == 303
    assert sign_in(web.client(), "新成员", "a long enough one") == 401
    log = admin.get("/admin/access?user=admin").text
    assert "member.set" in log and "user.disable" in log


def _user_id(page: str, name: str) -> str:
    for part in page.split('<option value="')[1:]:
        value, rest = part.split('"', 1)
        if rest.startswith(">" + name + "<"):
            return value
    raise AssertionError(f"{name} not in the user list")


def test_jobs_a_stopped_server_left_end_as_failed(web: Web, clients: dict[str, TestClient]) -> None:
    from qinglian.web.db import Job
    from qinglian.web.jobs import Jobs

    app = clients["admin"].app
    sessions = app.state.sessions  # type: ignore[attr-defined]
    with sessions() as s:
        s.add(Job(id="0" * 32, case_id=web.case_a, user_name="lead_a", kind="ingest", status="running", total=1))
        s.commit()
    leftover = web.cases_dir / ".qinglian-web" / "uploads" / ("0" * 32)
    leftover.mkdir(parents=True)
    (leftover / "x.csv").write_text("a", encoding="utf-8")
    Jobs(sessions, web.cases_dir / ".qinglian-web" / "uploads").shutdown()
    with sessions() as s:
        job = s.get(Job, "0" * 32)
        assert job is not None and job.status == "failed" and "服务器在任务完成前停止" in job.results
    assert not leftover.exists()


def test_many_names_from_one_address_are_throttled(web: Web) -> None:
    # Last in the module: afterwards every sign-in from the test client's address is refused.
    from qinglian.web.auth import THROTTLE_IP_FAILURES

    c = web.client()
    for i in range(THROTTLE_IP_FAILURES):
        assert sign_in(c, f"guess{i}", "wrong password!") in (401, 429)
    assert sign_in(c, "viewer_a") == 429
