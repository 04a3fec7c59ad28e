"""The rows page's filters: combined, kept in the URL (the next page too), on the same keyset scan;
a number filter is refused to viewers as a number search is; masking and escaping unchanged."""

from __future__ import annotations

import json
import re
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from qinglian.web import evidence
from qinglian.web.cases import find_cases
from qinglian.web.users import add_user
from tests.web.conftest import PASSWORD, Web, csrf_of, sign_in

CALLS = 1  # case A's call log: rows 2..31, callee +8613810000000 + i, rows 2-6 on 2025-07-20, account acc-001
SMS = 4  # case A's SMS: sent on the 20th and the 21st in turn, and row 100 carries a <script> tag
_ROW = re.compile(r'/sheets/\d+/rows/(\d+)"')


@pytest.fixture(scope="module")
def investigator(web: Web) -> TestClient:
    add_user(web.cases_dir, "inv_a", PASSWORD, "investigator", ["case_a"], db_url=web.db_url)
    c = web.client()
    assert sign_in(c, "inv_a") == 303
    return c


def _rows(html: str) -> list[int]:
    return [int(n) for n in _ROW.findall(html)]


def _access(clients: dict[str, TestClient], user: str) -> str:
    return str(clients["admin"].get(f"/admin/access?user={user}").text)


def test_filters_combine_and_every_role_of_the_case_may_use_them(web: Web, clients: dict[str, TestClient],
                                                                   investigator: TestClient) -> None:
    url = f"/cases/{web.case_a}/sheets/{CALLS}"
    for c in (clients["viewer_a"], clients["reviewer_a"], clients["lead_a"], investigator):
        assert _rows(c.get(url + "?finding=impersonation").text) == [2]
        assert _rows(c.get(url + "?who=acc-001&finding=any&since=2025-07-20&until=2025-07-20").text) == [2]
        assert _rows(c.get(url + "?since=2025-07-20&until=2025-07-20").text) == [2, 3, 4, 5, 6]
        assert _rows(c.get(url + "?since=2030-01-01").text) == []
        assert _rows(c.get(url + "?q=" + quote("资金周转") + "&who=nobody").text) == []
    html = clients["viewer_a"].get(url + "?finding=any").text
    assert 'value="any" selected' in html and "冒充银行/机构 (1)" in html  # the labels found on this sheet
    assert "138****0000" in html and "+8613810000000" not in html  # masked as before
    assert 'name="number"' not in html  # a viewer is not offered the number filter


def test_a_member_of_another_case_gets_nothing(web: Web, clients: dict[str, TestClient]) -> None:
    for q in ("", "?finding=any", "?since=2025-07-20", "?number=13810000003"):
        r = clients["member_b"].get(f"/cases/{web.case_a}/sheets/{CALLS}{q}")
        assert r.status_code == 404 and "138****" not in r.text and "<tr>" not in r.text


def test_a_number_filter_is_refused_to_viewers_and_logged(web: Web, clients: dict[str, TestClient],
                                                          investigator: TestClient) -> None:
    url = f"/cases/{web.case_a}/sheets/{CALLS}?number=" + quote("138 1000 0003")
    r = clients["viewer_a"].get(url)
    assert r.status_code == 403 and "138****0003" not in r.text
    assert r.status_code == 403 == clients["viewer_a"].get(url.replace("number=", "number=0") + "&finding=any").status_code
    assert "number=***" in _access(clients, "viewer_a") and "denied" in _access(clients, "viewer_a")
    # A number hidden in the text filter is refused as a search is.
    assert clients["viewer_a"].get(f"/cases/{web.case_a}/sheets/{CALLS}?q=13912345678").status_code == 403
    for c in (clients["reviewer_a"], clients["lead_a"], investigator):
        got = c.get(url)
        assert got.status_code == 200 and _rows(got.text) == [5]
        assert "138****0003" in got.text and "+8613810000003" not in got.text  # found, still masked
    # The access log holds the filter without the number.
    assert "13810000003" not in _access(clients, "reviewer_a")


def test_filters_stay_in_the_url_across_pages(web: Web, clients: dict[str, TestClient],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(evidence, "PAGE", 2)
    c = clients["reviewer_a"]
    first = c.get(f"/cases/{web.case_a}/sheets/{SMS}?since=2025-07-21&who=sms-01").text
    assert _rows(first) == [3, 5]
    more = re.search(r'hx-get="([^"]+)"', first)
    assert more is not None
    nxt = more.group(1).replace("&amp;", "&")
    assert "after=5" in nxt and "since=2025-07-21" in nxt and "who=sms-01" in nxt
    assert _rows(c.get(nxt, headers={"HX-Request": "true"}).text) == [7, 9]


def test_bad_filters_are_refused(web: Web, clients: dict[str, TestClient]) -> None:
    url = f"/cases/{web.case_a}/sheets/{CALLS}"
    assert clients["viewer_a"].get(url + "?since=yesterday").status_code == 400
    assert clients["viewer_a"].get(url + "?finding=" + quote("<script>")).status_code == 400
    assert clients["viewer_a"].get(f"/cases/{web.case_a}/sheets/99999?finding=any").status_code == 404


def test_seized_script_renders_as_text_in_a_filtered_page(web: Web, clients: dict[str, TestClient]) -> None:
    for c in (clients["viewer_a"], clients["reviewer_a"]):
        html = c.get(f"/cases/{web.case_a}/sheets/{SMS}?q=" + quote("<script>")).text
        assert _rows(html) == [100]
        assert "&lt;script&gt;alert" in html and "<script>alert" not in html
        assert 'value="&lt;script&gt;"' in html  # the filter's own value is escaped too


def test_a_filtered_page_is_revealed_as_filtered_with_a_reason(web: Web, clients: dict[str, TestClient]) -> None:
    url = f"/cases/{web.case_a}/sheets/{CALLS}"
    page = clients["reviewer_a"].get(url + "?number=13810000003").text
    assert 'name="number" value="13810000003"' in page  # carried by the reveal form
    token = csrf_of(page)
    data = {"reason": "核对被叫", "number": "13810000003"}
    assert clients["reviewer_a"].post(url + "/reveal", data=data).status_code == 403  # no CSRF
    denied = clients["viewer_a"].post(url + "/reveal", data={**data, "csrf": csrf_of(clients["viewer_a"].get(url).text)})
    assert denied.status_code == 403
    assert clients["member_b"].post(url + "/reveal", data={**data, "csrf": token}).status_code in (403, 404)
    shown = clients["reviewer_a"].post(url + "/reveal", data={**data, "csrf": token})
    assert shown.status_code == 200 and _rows(shown.text) == [5] and "+8613810000003" in shown.text
    log = [json.loads(line) for line in (web.cases_dir / "case_a" / "custody.jsonl").read_text("utf-8").splitlines()]
    last = [e for e in log if e["action"] == "web.reveal"][-1]
    assert last["user"] == "reviewer_a" and last["details"]["reason"] == "核对被叫"
    assert "13810000003" not in json.dumps(last) and "number=" in json.dumps(last, ensure_ascii=False)


def test_a_filtered_page_keeps_the_same_keyset_scan(web: Web) -> None:
    """The filters only add conditions: the plan still reads the sheet's rows after ``after`` in
    row order and stops at the page (a top-N / limit on row_no), never sorts on another key."""
    case = find_cases(web.cases_dir)[web.case_a].case
    f = evidence.Filters.parse(who="acc", since="2025-07-20", finding="any", number="138")
    where, params = evidence._where("calls", {"evidence_sha256": "a" * 64, "sheet": "Sheet1"}, f, True)
    with case.connect(read_only=True) as con:
        plan = "\n".join(str(r[1]) for r in con.execute(
            "EXPLAIN SELECT row_no FROM calls_rows WHERE sheet_id = ? AND row_no > ?" + where +
            " ORDER BY row_no LIMIT ?", [CALLS, 10, *params, 51]).fetchall())
    # The scan of the sheet's rows filters on sheet_id and row_no itself; the top-N on row_no stops it.
    assert "Top N" in plan and "sheet_id=1" in plan.replace(" ", "") and "row_no>10" in plan.replace(" ", ""), plan
    one = evidence.rows(case, CALLS, 0, page=1, filters=evidence.Filters.parse(who="acc-001"))
    assert one is not None and one.next_after == 2
    two = evidence.rows(case, CALLS, one.next_after, page=1, filters=evidence.Filters.parse(who="acc-001"))
    assert two is not None and [r[two.columns.index("row_no")] for r in two.rows] == [3]
