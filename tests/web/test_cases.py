"""The case pages: membership decides what a user sees, roles decide who reviews, every view is
logged, PI is masked and seized text is escaped."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from qinglian.web import evidence, reads, search_index
from qinglian.web.cases import find_cases
from tests.report.conftest import HOLDER_A, HOLDER_B, IMPERSONATION, PI_CHARGE, SHA_CALLS, SHA_SMS
from tests.web.conftest import Web, csrf_of


def _pages(case_id: str) -> list[str]:
    return [f"/cases/{case_id}", f"/cases/{case_id}/party?holder={quote(HOLDER_A)}",
            f"/cases/{case_id}/evidence", f"/cases/{case_id}/evidence/{SHA_CALLS}",
            f"/cases/{case_id}/sheets/1", f"/cases/{case_id}/search?q=" + quote("低息")]


def test_a_member_reads_every_page_of_its_case(web: Web, clients: dict[str, TestClient]) -> None:
    c = clients["viewer_a"]
    for url in _pages(web.case_a):
        assert c.get(url).status_code == 200, url


@pytest.mark.parametrize("who", ["lead_a", "viewer_a", "admin"])
def test_no_page_of_another_case_by_changing_the_id(web: Web, clients: dict[str, TestClient], who: str) -> None:
    c = clients[who]
    for url in [*_pages(web.case_b), f"/cases/{web.case_b}/charges/{IMPERSONATION}/review"]:
        resp = c.get(url) if "/review" not in url else c.post(url, data={
            "csrf": csrf_of(c.get("/cases").text), "decision": "confirm", "reason": "越权", "holder": HOLDER_A})
        assert resp.status_code == 404, url
        assert "乙案" not in resp.text
    assert "乙案" not in c.get("/cases").text
    # Made-up ids and the folder name are refused the same way.
    for url in ("/cases/case_b", "/cases/..%2Fcase_b", "/cases/x/evidence"):
        assert c.get(url).status_code == 404


def test_member_of_b_sees_only_b(web: Web, clients: dict[str, TestClient]) -> None:
    c = clients["member_b"]
    listing = c.get("/cases").text
    assert "乙案" in listing and "甲案" not in listing
    assert c.get(f"/cases/{web.case_b}").status_code == 200
    assert c.get(f"/cases/{web.case_a}/search?q=" + quote("低息")).status_code == 404


def test_overview_ranks_parties_with_their_charges(web: Web, clients: dict[str, TestClient]) -> None:
    html = clients["viewer_a"].get(f"/cases/{web.case_a}").text
    assert HOLDER_A in html and HOLDER_B in html
    assert html.index(HOLDER_A) < html.index(HOLDER_B)  # the 'after' ranking holds only HOLDER_A
    # the ranked table is kept per language: each view gets its own words and the same links
    en = clients["viewer_a"].get(f"/cases/{web.case_a}?lang=en").text
    zh = clients["viewer_a"].get(f"/cases/{web.case_a}?lang=zh").text
    assert "<th>Party</th>" in en and "<th>当事人</th>" not in en
    assert "<th>当事人</th>" in zh and "<th>Party</th>" not in zh
    link = f'href="/cases/{web.case_a}/party?holder={quote(HOLDER_A)}"'
    assert link in en and link in zh


def test_party_page_shows_charges_with_masked_evidence(web: Web, clients: dict[str, TestClient]) -> None:
    html = clients["viewer_a"].get(f"/cases/{web.case_a}/party?holder={quote(HOLDER_A)}").text
    assert IMPERSONATION in html and PI_CHARGE in html
    assert "外呼记录.xlsx" in html and "Sheet1" in html
    assert "13912345678" not in html and "139****5678" in html
    assert "第六条" in html
    assert "<td>credit</td><td>50</td><td>600</td>" in html  # PI held, by category


def test_unknown_party_is_not_found(web: Web, clients: dict[str, TestClient]) -> None:
    assert clients["viewer_a"].get(f"/cases/{web.case_a}/party?holder=nobody").status_code == 404


def _review(c: TestClient, web: Web, charge: str, decision: str, reason: str) -> int:
    page = c.get(f"/cases/{web.case_a}/party?holder={quote(HOLDER_A)}")
    resp = c.post(f"/cases/{web.case_a}/charges/{charge}/review",
                  data={"csrf": csrf_of(page.text), "decision": decision, "reason": reason, "holder": HOLDER_A},
                  follow_redirects=False)
    return int(resp.status_code)


def test_a_viewer_cannot_review(web: Web, clients: dict[str, TestClient]) -> None:
    c = clients["viewer_a"]
    page = c.get(f"/cases/{web.case_a}/party?holder={quote(HOLDER_A)}").text
    assert "/review" not in page  # no review form for a viewer
    assert _review(c, web, PI_CHARGE, "reject", "不同意") == 403


def test_a_reviewer_reviews_and_the_custody_log_names_them(web: Web, clients: dict[str, TestClient]) -> None:
    c = clients["reviewer_a"]
    assert _review(c, web, IMPERSONATION, "confirm", "话术录音已核实") == 303
    log = [json.loads(line) for line in (web.cases_dir / "case_a" / "custody.jsonl").read_text("utf-8").splitlines()]
    last = [e for e in log if e["action"] == "review"][-1]
    assert last["user"] == "reviewer_a" and last["args"] == {"charge": IMPERSONATION, "status": "confirmed"}
    assert last["details"]["reason"] == "话术录音已核实"
    html = c.get(f"/cases/{web.case_a}/party?holder={quote(HOLDER_A)}").text
    assert "已确认" in html and "reviewer_a" in html
    assert _review(c, web, "C-doesnotexist", "more", "再查") == 400


def test_hostile_text_renders_as_text(web: Web, clients: dict[str, TestClient]) -> None:
    c = clients["viewer_a"]
    found = c.get(f"/cases/{web.case_a}/search?q=" + quote("script")).text
    assert "<script>alert" not in found
    assert "&lt;<mark>script</mark>&gt;alert(&#39;x&#39;)&lt;/<mark>script</mark>&gt;" in found
    sheet = c.get(f"/cases/{web.case_a}/evidence/{SHA_SMS}").text
    sheet_url = sheet.split(f"/cases/{web.case_a}/sheets/")[1].split('"')[0]
    rows = c.get(f"/cases/{web.case_a}/sheets/{sheet_url}").text
    assert "<script>alert" not in rows and "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in rows
    assert "=HYPERLINK(&#34;http://evil&#34;)" in rows  # shown as the text it is
    assert "13800000099" not in rows  # the recipient is masked


def test_search_marks_matches_and_masks_numbers(web: Web, clients: dict[str, TestClient]) -> None:
    html = clients["viewer_a"].get(f"/cases/{web.case_a}/search?q=" + quote("工商银行")).text
    assert "<mark>工商银行</mark>" in html
    assert "13912345678" not in html
    fragment = clients["viewer_a"].get(f"/cases/{web.case_a}/search?q=" + quote("工商银行"),
                                       headers={"HX-Request": "true"}).text
    assert "<html" not in fragment and "<mark>工商银行</mark>" in fragment
    # LIKE wildcards in the query are literal
    assert "<mark>" not in clients["viewer_a"].get(f"/cases/{web.case_a}/search?q=%25").text


def test_evidence_rows_page_by_row_number(web: Web, clients: dict[str, TestClient]) -> None:
    c = clients["viewer_a"]
    html = c.get(f"/cases/{web.case_a}/evidence/{SHA_CALLS}").text
    sheet_id = html.split(f"/cases/{web.case_a}/sheets/")[1].split('"')[0]
    first = c.get(f"/cases/{web.case_a}/sheets/{sheet_id}").text
    assert "after=" not in first  # 30 rows: one page
    assert "138****0000" in first and "+8613810000000" not in first
    # Keyset paging: each page starts after the last row number of the one before.
    case = find_cases(web.cases_dir)[web.case_a].case
    one = evidence.rows(case, int(sheet_id), 0, page=20)
    assert one is not None and one.next_after is not None and len(one.rows) == 20
    two = evidence.rows(case, int(sheet_id), one.next_after, page=20)
    assert two is not None and two.next_after is None and len(two.rows) == 10
    row_no = one.columns.index("row_no")
    assert [r[row_no] for r in one.rows + two.rows] == list(range(2, 32))


def test_access_log_is_for_admins_and_records_views(web: Web, clients: dict[str, TestClient]) -> None:
    clients["viewer_a"].get(f"/cases/{web.case_a}")
    clients["viewer_a"].get(f"/cases/{web.case_b}")
    assert clients["viewer_a"].get("/admin/access").status_code == 403
    html = clients["admin"].get("/admin/access?user=viewer_a").text
    assert "overview" in html and web.case_a in html
    assert "denied" in html and web.case_b in html


def test_a_case_held_by_another_writer_answers_case_busy(web: Web, clients: dict[str, TestClient],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from qinglian.store import lock

    monkeypatch.setenv("QINGLIAN_LOCK_WAIT", "0.1")
    reads.release_idle()  # the store the last reads shared keeps the case's lock for a moment
    with lock.hold(web.cases_dir / "case_a", exclusive=True):  # as a CLI ingest or analysis would
        resp = clients["viewer_a"].get(f"/cases/{web.case_a}")
    assert resp.status_code == 409 and "案件正被其他操作使用" in resp.text
    assert clients["viewer_a"].get(f"/cases/{web.case_a}").status_code == 200


def test_reveal_needs_a_reason_a_role_and_is_in_the_custody_log(web: Web, clients: dict[str, TestClient]) -> None:
    url = f"/cases/{web.case_a}/sheets/1"
    viewer = clients["viewer_a"].get(url).text
    assert "/reveal" not in viewer
    denied = clients["viewer_a"].post(url + "/reveal", data={"csrf": csrf_of(viewer), "reason": "想看"})
    assert denied.status_code == 403
    c = clients["reviewer_a"]
    page = c.get(url).text
    assert "/reveal" in page and "+8613810000000" not in page
    assert c.post(url + "/reveal", data={"csrf": csrf_of(page), "reason": " "}).status_code == 400
    shown = c.post(url + "/reveal", data={"csrf": csrf_of(page), "reason": "核对名单来源"})
    assert shown.status_code == 200 and "+8613810000000" in shown.text
    log = [json.loads(line) for line in (web.cases_dir / "case_a" / "custody.jsonl").read_text("utf-8").splitlines()]
    last = [e for e in log if e["action"] == "web.reveal"][-1]
    assert last["user"] == "reviewer_a" and last["details"]["reason"] == "核对名单来源"
    assert c.post(f"/cases/{web.case_a}/sheets/99999/reveal", data={"csrf": csrf_of(page), "reason": "核对"}).status_code == 404


def test_reports_build_as_a_job_and_download_as_attachments(web: Web, clients: dict[str, TestClient]) -> None:
    import time

    c = clients["lead_a"]
    page = c.get(f"/cases/{web.case_a}/reports").text
    resp = c.post(f"/cases/{web.case_a}/reports", data={"csrf": csrf_of(page), "formats": ["html"]},
                  follow_redirects=False)
    url = str(resp.headers["location"])
    deadline = time.monotonic() + 120
    while "hx-trigger" in (html := c.get(url, headers={"HX-Request": "true"}).text):
        assert time.monotonic() < deadline, "the report job did not finish"
        time.sleep(0.3)
    assert "已完成" in html, html
    listing = c.get(f"/cases/{web.case_a}/reports").text
    name = listing.split(f'href="/cases/{web.case_a}/reports/')[1].split('"')[0]
    got = clients["viewer_a"].get(f"/cases/{web.case_a}/reports/{name}")
    assert got.status_code == 200 and got.headers["content-disposition"].startswith("attachment")
    assert "13912345678" not in got.content.decode("utf-8", "replace")
    assert clients["member_b"].get(f"/cases/{web.case_a}/reports/{name}").status_code == 404
    assert c.get(f"/cases/{web.case_a}/reports/..%2Fcase.toml").status_code == 404
    assert c.get(f"/cases/{web.case_a}/reports/nothing.html").status_code == 404
    # A revealed report is for the case's leads only (tests/web/test_revealed_reports.py).
    (web.cases_dir / "case_a" / "reports" / "x-revealed.html").write_text("PI", encoding="utf-8")
    assert clients["viewer_a"].get(f"/cases/{web.case_a}/reports/x-revealed.html").status_code == 403
    assert clients["reviewer_a"].get(f"/cases/{web.case_a}/reports/x-revealed.html").status_code == 403
    assert clients["lead_a"].get(f"/cases/{web.case_a}/reports/x-revealed.html").status_code == 200
    viewer_page = clients["viewer_a"].get(f"/cases/{web.case_a}/reports").text
    assert 'name="formats"' not in viewer_page


def test_a_case_lead_creates_a_case_and_leads_it(web: Web, clients: dict[str, TestClient]) -> None:
    c = clients["lead_a"]
    listing = c.get("/cases").text
    assert 'href="/cases/new"' in listing
    resp = c.post("/cases/new", data={"csrf": csrf_of(listing), "name": "丙案<script>", "agency": "东湖区局"},
                  follow_redirects=False)
    assert resp.status_code == 303
    overview = c.get(str(resp.headers["location"])).text
    assert "丙案&lt;script&gt;" in overview and "case_lead" in overview
    assert "丙案" not in clients["viewer_a"].get("/cases").text
    viewer_page = clients["viewer_a"].get("/cases").text
    assert 'href="/cases/new"' not in viewer_page
    assert clients["viewer_a"].post("/cases/new", data={"csrf": csrf_of(viewer_page), "name": "丁案"}).status_code == 403
    assert not any("丁案" in p.read_text("utf-8") for p in web.cases_dir.glob("*/case.toml"))


def test_search_index_finds_what_the_scan_finds_and_goes_stale_with_the_case(web: Web, tmp_path: Path) -> None:
    case = find_cases(web.cases_dir)[web.case_a].case
    index = tmp_path / "idx.sqlite"
    ran: list[object] = []
    for q in ("工商银行", "SCRIPT", "不看征信", "低息"):
        scanned, _, how = evidence.search(case, q)
        assert how == "scan"
        if len(q) >= 3:
            search_index.build(case, index)
            found, _, how = evidence.search(case, q, index=index)
            assert how == "index"
            key = [(h["kind"], h["evidence_sha256"], h["row_no"]) for h in found]
            assert sorted(key) == sorted((h["kind"], h["evidence_sha256"], h["row_no"]) for h in scanned)
            assert any(hit for h in found for _, hit in h["pieces"])
    case.log("test.touch", {}, user="tester")  # the custody head moves: the index is stale
    _, _, how = evidence.search(case, "工商银行", index=index, submit=lambda fn: ran.append(fn))
    assert how == "scan" and len(ran) == 1


def test_chain_picture_is_an_image_for_members_only(web: Web, clients: dict[str, TestClient]) -> None:
    overview = clients["viewer_a"].get(f"/cases/{web.case_a}").text
    assert f'href="/cases/{web.case_a}/chain.svg"' in overview  # the still picture, beside the graph
    got = clients["viewer_a"].get(f"/cases/{web.case_a}/chain.svg")
    assert got.status_code == 200 and got.headers["content-type"].startswith("image/svg+xml")
    assert "sandbox" in got.headers["content-security-policy"]
    assert "<script" not in got.text
    assert clients["member_b"].get(f"/cases/{web.case_a}/chain.svg").status_code == 404


def test_sheet_rows_filter_on_their_text(web: Web, clients: dict[str, TestClient]) -> None:
    case = find_cases(web.cases_dir)[web.case_a].case
    only = evidence.rows(case, 1, 0, q="工商银行")
    assert only is not None and [r[only.columns.index("row_no")] for r in only.rows] == [2]
    none = evidence.rows(case, 1, 0, q="%")  # a LIKE wildcard is a literal
    assert none is not None and none.rows == []
    html = clients["viewer_a"].get(f"/cases/{web.case_a}/sheets/1?q=" + quote("工商银行")).text
    assert html.count("<tr>") == 2  # the header and one row


def test_a_viewer_cannot_look_a_number_up_but_a_reviewer_can(web: Web, clients: dict[str, TestClient]) -> None:
    for q in ("13912345678", "139 1234 5678"):
        r = clients["viewer_a"].get(f"/cases/{web.case_a}/search?q=" + quote(q))
        assert r.status_code == 403 and "139****5678" not in r.text  # nothing found is shown
        assert clients["viewer_a"].get(f"/cases/{web.case_a}/sheets/1?q=" + quote(q)).status_code == 403
    allowed = clients["reviewer_a"].get(f"/cases/{web.case_a}/search?q=" + quote("13912345678"))
    assert allowed.status_code == 200 and "139****5678" in allowed.text  # found, shown masked
    assert clients["viewer_a"].get(f"/cases/{web.case_a}/search?q=" + quote("工商银行")).status_code == 200
