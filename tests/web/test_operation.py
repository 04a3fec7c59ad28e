"""The inspection-day operation: plan from the ranking, teams, packets as PDF, site status by the
team or the lead, the board by district, roles, other cases, CSRF."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from qinglian.store.case import open_case
from qinglian.web.operation import district_of
from qinglian.web.operation_db import OperationSite
from tests.report.conftest import HOLDER_A, HOLDER_B, record
from tests.web.conftest import Web, csrf_of

SITE_B = "演示市东湖区滨江路12号302室"


def _plan(c: TestClient, web: Web, phase: str, picks: list[int]) -> int:
    form = c.get(f"/cases/{web.case_a}/operation/plan?phase={phase}")
    assert form.status_code == 200
    holders = re.findall(r'name="holder" value="([^"]*)"', form.text)
    sites = re.findall(r'name="site" maxlength="200" value="([^"]*)"', form.text)
    districts = re.findall(r'name="district" maxlength="64" value="([^"]*)"', form.text)
    data: dict[str, str | list[str]] = {
        "csrf": csrf_of(form.text), "phase": phase, "name": "七区联合检查", "day": "2025-07-23",
        "holder": holders, "site": sites, "district": districts, "pick": [str(i) for i in picks]}
    return int(c.post(f"/cases/{web.case_a}/operation/plan", data=data, follow_redirects=False).status_code)


def _site_id(web: Web, holder: str) -> int:
    c_app = web.client().app
    with c_app.state.sessions() as s:  # type: ignore[attr-defined]
        found = s.scalar(select(OperationSite).where(OperationSite.case_id == web.case_a,
                                                     OperationSite.holder == holder))
        assert found is not None
        return int(found.id)


@pytest.fixture(scope="module")
def planned(web: Web, clients: dict[str, TestClient]) -> dict[str, int]:
    with open_case(web.cases_dir / "case_a").connect() as con:
        record(con, "calls", holder=HOLDER_B, site=SITE_B, evidence_sha256="7" * 64, sheet=None, row_no=2,
               caller="+8617000000001", callee="+8613800000001", extra="{}")
    c = clients["lead_a"]
    assert _plan(c, web, "before", [0]) == 303
    assert _plan(c, web, "after", [0]) == 303
    return {"a": _site_id(web, HOLDER_A), "b": _site_id(web, HOLDER_B)}


def _post(c: TestClient, web: Web, path: str, data: dict[str, str | list[str]], csrf: bool = True) -> int:
    board = c.get(f"/cases/{web.case_a}/operation")
    if csrf:
        data = {**data, "csrf": csrf_of(board.text)}
    return int(c.post(f"/cases/{web.case_a}{path}", data=data, follow_redirects=False).status_code)


def _user_id(web: Web, name: str) -> int:
    from qinglian.web.db import User

    with web.client().app.state.sessions() as s:  # type: ignore[attr-defined]
        uid = s.scalar(select(User.id).where(User.name == name))
        assert uid is not None
        return int(uid)


def test_district_from_site() -> None:
    assert district_of(SITE_B) == "东湖区"
    assert district_of("杭州市西湖区文三路") == "西湖区"
    assert district_of("") == ""
    assert district_of("演示市江滨区易动力信息咨询有限公司") == "江滨区"


def test_plan_groups_sites_by_district(web: Web, clients: dict[str, TestClient], planned: dict[str, int]) -> None:
    html = clients["lead_a"].get(f"/cases/{web.case_a}/operation").text
    assert HOLDER_A in html and HOLDER_B in html and SITE_B in html
    assert "<h2>东湖区 (1)</h2>" in html and "未注明区县" in html
    # planning again does not add a holder twice
    assert _plan(clients["lead_a"], web, "before", [0]) == 303
    assert clients["lead_a"].get(f"/cases/{web.case_a}/operation").text.count(f'>{HOLDER_B}</a>') == 1


def test_assign_team_and_mark_site(web: Web, clients: dict[str, TestClient], planned: dict[str, int]) -> None:
    sid = planned["b"]
    reviewer = clients["reviewer_a"]
    # not on the team yet: refused
    assert _post(reviewer, web, f"/operation/sites/{sid}/status", {"status": "on_site"}) == 403
    assert _post(clients["lead_a"], web, f"/operation/sites/{sid}/team",
                 {"user_id": [str(_user_id(web, "reviewer_a"))]}) == 303
    assert _post(reviewer, web, f"/operation/sites/{sid}/status", {"status": "on_site"}) == 303
    board = clients["lead_a"].get(f"/cases/{web.case_a}/operation").text
    row = board[board.index(f'id="site-{sid}"'):]
    row = row[:row.index("</tr>")]
    assert "reviewer_a" in row and "已到场" in row
    assert _post(clients["lead_a"], web, f"/operation/sites/{sid}/status", {"status": "done"}) == 303
    en = clients["lead_a"].get(f"/cases/{web.case_a}/operation?lang=en").text
    assert "done: 1" in en
    clients["lead_a"].get(f"/cases/{web.case_a}/operation?lang=zh")
    log = clients["admin"].get("/admin/access", params={"case": web.case_a}).text
    assert "operation.status" in log and "on_site -&gt; done" in log


def test_viewer_and_unknown_values_refused(web: Web, clients: dict[str, TestClient], planned: dict[str, int]) -> None:
    sid = planned["a"]
    assert _post(clients["viewer_a"], web, f"/operation/sites/{sid}/status", {"status": "done"}) == 403
    assert _post(clients["viewer_a"], web, f"/operation/sites/{sid}/team", {"user_id": []}) == 403
    assert clients["viewer_a"].get(f"/cases/{web.case_a}/operation/plan").status_code == 403
    assert _post(clients["lead_a"], web, f"/operation/sites/{sid}/status", {"status": "gone"}) == 400
    # a viewer cannot be put on a team
    assert _post(clients["lead_a"], web, f"/operation/sites/{sid}/team",
                 {"user_id": [str(_user_id(web, "viewer_a"))]}) == 400
    # the viewer reads the board
    assert clients["viewer_a"].get(f"/cases/{web.case_a}/operation").status_code == 200


def test_missing_csrf_refused(web: Web, clients: dict[str, TestClient], planned: dict[str, int]) -> None:
    assert _post(clients["lead_a"], web, f"/operation/sites/{planned['a']}/status", {"status": "done"},
                 csrf=False) == 403


def test_other_case_member_gets_404(web: Web, clients: dict[str, TestClient], planned: dict[str, int]) -> None:
    other = clients["member_b"]
    sid = planned["a"]
    assert other.get(f"/cases/{web.case_a}/operation").status_code == 404
    assert other.get(f"/cases/{web.case_a}/operation/sites/{sid}/packet.pdf").status_code == 404
    assert _post(other, web, f"/operation/sites/{sid}/status", {"status": "done"}, csrf=False) in (403, 404)
    # a site of case A through case B's address is not there
    assert other.get(f"/cases/{web.case_b}/operation/sites/{sid}/packet.pdf").status_code == 404


def test_packet_pdf(web: Web, clients: dict[str, TestClient], planned: dict[str, int], tmp_path: Path) -> None:
    resp = clients["reviewer_a"].get(f"/cases/{web.case_a}/operation/sites/{planned['b']}/packet.pdf")
    assert resp.status_code == 200 and resp.content.startswith(b"%PDF")
    assert resp.headers["content-disposition"].startswith("attachment")
    pdftotext = shutil.which("pdftotext")
    assert pdftotext, "pdftotext (poppler-utils) is needed to read the packet"
    path = tmp_path / "packet.pdf"
    path.write_bytes(resp.content)
    text = subprocess.run([pdftotext, str(path), "-"], capture_output=True, text=True, check=True).stdout
    compact = re.sub(r"\s+", "", text)
    for want in (HOLDER_B, "滨江路12号", "3宗投诉指向该单位", "证据登记表", "话术", "短信平台", "reviewer_a"):
        assert want in compact, want


def test_packet_in_english(web: Web, clients: dict[str, TestClient], planned: dict[str, int], tmp_path: Path) -> None:
    resp = clients["lead_a"].get(f"/cases/{web.case_a}/operation/sites/{planned['a']}/packet.pdf?lang=en")
    clients["lead_a"].get(f"/cases/{web.case_a}/operation?lang=zh")
    assert resp.status_code == 200
    path = tmp_path / "packet.pdf"
    path.write_bytes(resp.content)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "Evidence register" in text and "SMS platform" in text and HOLDER_A in re.sub(r"\s+", "", text)


def test_lead_removes_a_site(web: Web, clients: dict[str, TestClient], planned: dict[str, int]) -> None:
    lead = clients["lead_a"]
    assert _post(clients["reviewer_a"], web, f"/operation/sites/{planned['a']}/remove", {}) == 403
    assert _post(lead, web, f"/operation/sites/{planned['a']}/remove", {}) == 303
    assert lead.get(f"/cases/{web.case_a}/operation/sites/{planned['a']}/packet.pdf").status_code == 404
    assert _plan(lead, web, "after", [0]) == 303  # planned again from the ranking
    planned["a"] = _site_id(web, HOLDER_A)


def test_upload_link_prefills_holder_and_site(web: Web, clients: dict[str, TestClient], planned: dict[str, int]) -> None:
    board = clients["lead_a"].get(f"/cases/{web.case_a}/operation").text
    links = [u.replace("&amp;", "&") for u in re.findall(r'href="(/cases/[^"]+/upload\?holder=[^"]+)"', board)]
    link = next(u for u in links if quote(HOLDER_B) in u)
    form = clients["lead_a"].get(link).text
    assert f'value="{HOLDER_B}"' in form and f'value="{SITE_B}"' in form


def test_board_refreshes_itself(web: Web, clients: dict[str, TestClient], planned: dict[str, int]) -> None:
    from qinglian.web.db import AccessLog

    viewer, lead = clients["viewer_a"], clients["lead_a"]
    page = viewer.get(f"/cases/{web.case_a}/operation").text
    assert f'hx-get="/cases/{web.case_a}/operation" hx-trigger="every 15s" hx-swap="outerHTML"' in page
    assert '<script src="/static/board.js" defer></script>' in page
    assert viewer.get("/static/board.js").status_code == 200
    sid = planned["b"]
    sessions = web.client().app.state.sessions  # type: ignore[attr-defined]
    with sessions() as s:
        site = s.get(OperationSite, sid)
        assert site is not None
        old_site, site.site = site.site, "<script>alert('x')</script>滨江路"
        s.commit()
    try:
        assert _post(lead, web, f"/operation/sites/{sid}/status", {"status": "seized"}) == 303
        with sessions() as s:
            logged = s.query(AccessLog).filter_by(user_name="viewer_a", action="operation").count()
        resp = viewer.get(f"/cases/{web.case_a}/operation", headers={"HX-Request": "true"})
        assert resp.status_code == 200
        frag = resp.text
        # only the board: the lead's change shows, the seized-text-like site stays text
        assert "<html" not in frag and frag.lstrip().startswith('<div id="board"')
        row = frag[frag.index(f'id="site-{sid}"'):]
        assert "证据已查获" in row[:row.index("</tr>")]
        assert "<script>alert" not in frag and "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;滨江路" in frag
        with sessions() as s:
            assert s.query(AccessLog).filter_by(user_name="viewer_a", action="operation").count() == logged
        # not a member: the refresh is refused like the page
        assert clients["member_b"].get(f"/cases/{web.case_a}/operation",
                                       headers={"HX-Request": "true"}).status_code == 404
    finally:
        with sessions() as s:
            site = s.get(OperationSite, sid)
            assert site is not None
            site.site = old_site
            s.commit()
