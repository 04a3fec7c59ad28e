"""The overview's interactive chain (JSON for the vendored graph library, drawn by a static script)
and its charts (server-side SVG images): members only, masked, seized text never markup."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from qinglian.store.case import open_case
from qinglian.web.app import STATIC
from tests.report.conftest import HOLDER_A, HOLDER_B, evidence, record
from tests.web.conftest import Web

SHA_HOSTILE = "9" * 64
HOSTILE_FILE = "<script>alert('x')</script>名单.xlsx"


@pytest.fixture(scope="module")
def hostile_list(web: Web) -> None:
    """A customer list whose file name is a script tag: it becomes a node label of the chain."""
    with open_case(web.cases_dir / "case_a").connect() as con:
        evidence(con, SHA_HOSTILE, HOSTILE_FILE, HOLDER_A, "customers")
        record(con, "customers", holder=HOLDER_A, evidence_sha256=SHA_HOSTILE, sheet="名单", row_no=2,
               name="王某", phone="+8613900000042", extra="{}")


def test_overview_loads_the_graph_from_static_files_only(web: Web, clients: dict[str, TestClient],
                                                         hostile_list: None) -> None:
    html = clients["viewer_a"].get(f"/cases/{web.case_a}").text
    assert f'id="chain-graph" class="graph" data-src="/cases/{web.case_a}/chain.json"' in html
    assert '<script src="/static/vis-network.min.js" defer></script>' in html
    assert '<script src="/static/chain-graph.js" defer></script>' in html
    assert not re.findall(r"<script(?![^>]*\bsrc=\"/static/)", html)  # no inline script
    assert "<script>alert" not in html and "名单.xlsx" not in html  # the labels are not in the page
    for name in ("vis-network.min.js", "vis-network.LICENSE.txt", "chain-graph.js"):
        assert (STATIC / name).is_file()
        assert clients["viewer_a"].get(f"/static/{name}").status_code == 200
    assert "MIT License" in (STATIC / "vis-network.LICENSE.txt").read_text("utf-8")


def test_chain_json_nodes_by_role_with_their_pages(web: Web, clients: dict[str, TestClient],
                                                  hostile_list: None) -> None:
    c = clients["viewer_a"]
    resp = c.get(f"/cases/{web.case_a}/chain.json")
    assert resp.status_code == 200 and resp.headers["content-type"] == "application/json"
    data = resp.json()
    assert [r["zh"] for r in data["roles"]] == ["供应商/平台", "账号", "被检查单位", "客户名单", "泄露源"]
    nodes = {n["id"]: n for n in data["nodes"]}
    assert {n["layer"] for n in nodes.values()} == {0, 1, 2, 3, 4}
    assert all(a in nodes and b in nodes for a, b in data["edges"])
    holder = nodes[f"holder:{HOLDER_A}"]
    assert holder["layer"] == 2 and holder["href"] == f"/cases/{web.case_a}/party?holder={quote(HOLDER_A, safe='')}"
    assert nodes[f"holder:{HOLDER_B}"]["layer"] == 2
    # every link opens a page the viewer may read; accounts and leak sources open nothing
    for n in nodes.values():
        if n["href"]:
            assert c.get(n["href"]).status_code == 200, n
        if n["layer"] in (1, 4):
            assert n["href"] is None
    # the hostile file name is a label (JSON data, drawn on a canvas), linked to its evidence file
    lst = nodes[f"list:{SHA_HOSTILE}:名单"]
    assert lst["label"] == f"{HOSTILE_FILE}/名单" and lst["href"] == f"/cases/{web.case_a}/evidence/{SHA_HOSTILE}"
    assert not any(re.search(r"1\d{10}", n["label"]) for n in nodes.values())  # no phone number unmasked


def test_charts_are_images_of_their_own(web: Web, clients: dict[str, TestClient]) -> None:
    c = clients["viewer_a"]
    html = c.get(f"/cases/{web.case_a}").text
    for name in ("charges", "daily"):
        assert f'src="/cases/{web.case_a}/charts/{name}.svg"' in html
        resp = c.get(f"/cases/{web.case_a}/charts/{name}.svg")
        assert resp.status_code == 200 and resp.headers["content-type"].startswith("image/svg+xml")
        assert "sandbox" in resp.headers["content-security-policy"]
        assert resp.text.startswith("<svg") and "<script" not in resp.text
    assert c.get(f"/cases/{web.case_a}/charts/secret.svg").status_code == 404
    # the case without charges has no charges chart
    b = clients["member_b"]
    assert "/charts/charges.svg" not in b.get(f"/cases/{web.case_b}").text
    assert b.get(f"/cases/{web.case_b}/charts/charges.svg").status_code == 404


def test_charges_chart_counts_per_party(web: Web) -> None:
    from qinglian.web.charts import charged, charges_svg

    case = open_case(web.cases_dir / "case_a")
    with case.connect(read_only=True) as con:
        want = {str(h): (int(n), int(c), int(p)) for h, n, c, p in con.execute(
            "SELECT holder, count(*), count(*) FILTER (WHERE status = 'confirmed'), "
            "count(*) FILTER (WHERE status = 'proposed') FROM charges GROUP BY holder").fetchall()}
        shown = charged(con, case)
        svg = charges_svg(con, case, "en")
    assert {p.holder: (p.charges, p.confirmed, p.proposed) for p in shown} == want
    assert [p.charges for p in shown] == sorted((p.charges for p in shown), reverse=True)
    assert svg.startswith("<svg")


def test_viewer_of_another_case_gets_nothing(web: Web, clients: dict[str, TestClient]) -> None:
    other = clients["member_b"]
    for url in (f"/cases/{web.case_a}/chain.json", f"/cases/{web.case_a}/charts/charges.svg",
                f"/cases/{web.case_a}/charts/daily.svg"):
        resp = other.get(url)
        assert resp.status_code == 404 and HOLDER_A not in resp.text
    log = clients["admin"].get("/admin/access", params={"case": web.case_a}).text
    assert "chain" in log and "chart" in log and "denied" in log
