"""A revealed report from the browser: case leads only, with a reason, built as a background job
whose reveal is in the custody log before any file; revealed files downloaded by the case's leads
only (an admin as its lead), every download in the custody and access logs under the user's name."""

from __future__ import annotations

import json
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from tests.web.conftest import PASSWORD, Web, csrf_of, sign_in


@pytest.fixture(scope="module")
def more(web: Web) -> dict[str, TestClient]:
    """An investigator of case A and an admin who is a member of it (so its lead)."""
    from qinglian.web.users import add_user

    out = {}
    for name, role in (("inv_r", "investigator"), ("admin_a", "admin")):
        add_user(web.cases_dir, name, PASSWORD, role, ["case_a"], db_url=web.db_url)
        c = web.client()
        assert sign_in(c, name) == 303
        out[name] = c
    return out


def _custody(web: Web) -> list[dict[str, object]]:
    path: Path = web.cases_dir / "case_a" / "custody.jsonl"
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


def _wait(c: TestClient, url: str) -> str:
    deadline = time.monotonic() + 180
    while "hx-trigger" in (html := c.get(url, headers={"HX-Request": "true"}).text):
        assert time.monotonic() < deadline, "the report job did not finish"
        time.sleep(0.3)
    return str(html)


def test_only_a_case_lead_is_offered_and_may_build_it(web: Web, clients: dict[str, TestClient],
                                                      more: dict[str, TestClient]) -> None:
    url = f"/cases/{web.case_a}/reports"
    for who, c in (("viewer_a", clients["viewer_a"]), ("reviewer_a", clients["reviewer_a"]),
                   ("inv_r", more["inv_r"])):
        page = c.get(url).text
        assert "/reports/reveal" not in page
        r = c.post(url + "/reveal", data={"csrf": csrf_of(page), "formats": ["html"], "reason": "想看"},
                   follow_redirects=False)
        assert r.status_code == 403, who
        assert "report.reveal" in clients["admin"].get(f"/admin/access?user={who}").text
    b = clients["member_b"]
    r = b.post(url + "/reveal", data={"csrf": csrf_of(b.get(f"/cases/{web.case_b}").text), "formats": ["html"],
                                      "reason": "越权"}, follow_redirects=False)
    assert r.status_code == 404
    lead = clients["lead_a"]
    page = lead.get(url).text
    assert "/reports/reveal" in page and "生成含完整个人信息的报告" in page
    assert "Build the case file with PI revealed" in lead.get(url + "?lang=en").text
    lead.get(url + "?lang=zh")  # the language cookie back to Chinese for the tests after
    assert lead.post(url + "/reveal", data={"formats": ["html"], "reason": "移送法院"}).status_code == 403  # no CSRF
    assert lead.post(url + "/reveal", data={"csrf": csrf_of(page), "formats": ["html"], "reason": " "}).status_code == 400
    assert not any(e["action"] == "report.reveal" for e in _custody(web))  # nothing refused reached the case


def test_a_revealed_report_is_logged_first_and_downloaded_by_leads_only(web: Web, clients: dict[str, TestClient],
                                                                       more: dict[str, TestClient]) -> None:
    lead = clients["lead_a"]
    url = f"/cases/{web.case_a}/reports"
    r = lead.post(url + "/reveal", data={"csrf": csrf_of(lead.get(url).text), "formats": ["html"],
                                         "reason": "向法院提交证据目录"}, follow_redirects=False)
    assert r.status_code == 303
    job = str(r.headers["location"])
    assert "已完成" in _wait(lead, job)
    assert "含完整个人信息" in lead.get(job).text
    log = _custody(web)
    at = [i for i, e in enumerate(log) if e["action"] == "report.reveal"]
    done = [i for i, e in enumerate(log) if e["action"] == "report"]
    assert at and done and at[-1] < done[-1]  # the reveal is written before the report is finished
    entry = log[at[-1]]
    assert entry["user"] == "lead_a" and json.dumps(entry, ensure_ascii=False).count("向法院提交证据目录")
    names = [p.name for p in (web.cases_dir / "case_a" / "reports").iterdir()]
    name = next(n for n in names if "-revealed" in n and n.endswith(".html"))
    # Every role but the case's leads is refused, and told so in the access log.
    for who, c in (("viewer_a", clients["viewer_a"]), ("reviewer_a", clients["reviewer_a"]),
                   ("inv_r", more["inv_r"])):
        assert f'href="{url}/{quote(name)}"' not in c.get(url).text
        assert c.get(f"{url}/{name}").status_code == 403, who
    assert clients["member_b"].get(f"{url}/{name}").status_code == 404
    before = len([e for e in _custody(web) if e["action"] == "web.report.download"])
    for who in ("lead_a", "admin_a"):
        c = clients["lead_a"] if who == "lead_a" else more["admin_a"]
        assert f'href="{url}/{quote(name)}"' in c.get(url).text
        got = c.get(f"{url}/{name}")
        assert got.status_code == 200 and got.headers["content-disposition"].startswith("attachment")
        assert "13912345678" in got.content.decode("utf-8", "replace")  # revealed indeed
        last = [e for e in _custody(web) if e["action"] == "web.report.download"][-1]
        assert last["user"] == who and last["args"] == {"file": name, "revealed": True}
        assert "download.revealed" in clients["admin"].get(f"/admin/access?user={who}").text
    assert len([e for e in _custody(web) if e["action"] == "web.report.download"]) == before + 2


def test_seized_script_in_a_revealed_report_stays_text(web: Web, clients: dict[str, TestClient]) -> None:
    reports = web.cases_dir / "case_a" / "reports"
    name = next(p for p in reports.iterdir() if "-revealed" in p.name and p.name.endswith(".html"))
    html = name.read_text("utf-8")
    assert "<script>alert" not in html
    listing = clients["lead_a"].get(f"/cases/{web.case_a}/reports").text
    assert "<script>" not in listing


def test_a_masked_report_job_page_says_nothing_of_a_reveal(web: Web, clients: dict[str, TestClient]) -> None:
    lead = clients["lead_a"]
    url = f"/cases/{web.case_a}/reports"
    r = lead.post(url, data={"csrf": csrf_of(lead.get(url).text), "formats": ["html"]}, follow_redirects=False)
    job = str(r.headers["location"])
    _wait(lead, job)
    page = lead.get(job)
    assert page.status_code == 200 and "含完整个人信息" not in page.text
