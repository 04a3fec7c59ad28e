"""The evidence browser's row view: a normalised record beside the cells of the original file's row
(read again from the stored original: same sheet, same row number), masked unless revealed with a
reason (in the custody log), for members only; seized text stays text."""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
import xlsxwriter
from fastapi.testclient import TestClient
from sqlalchemy import select

from qinglian.ingest.api import IngestOptions, ingest_files
from qinglian.store.case import init_case, open_case
from qinglian.web.cases import find_cases
from qinglian.web.db import Membership, User
from tests.web.conftest import Web, csrf_of

HOSTILE = "<script>alert('x')</script>您好"
# A title line above the header: the header is row 2, the data rows 3 and 4 (as a spreadsheet counts).
CALLS_CSV = ("外呼记录导出 2025-07\n"
             "主叫,被叫号码,开始时间,通话时长,通话内容,坐席备注\n"
             f"17000000001,13912345678,2025/7/20 9:01,80,{HOSTILE},首呼\n"
             "17000000001,13900001111,2025/7/20 9:03,1分20秒,低息贷款了解一下,回访\n").encode("gbk")


def _xlsx() -> bytes:
    """Two customer sheets; the second has two title rows, so its header is row 3."""
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    first = wb.add_worksheet("名单")
    for r, row in enumerate([["姓名", "手机号", "身份证号"], ["张三", "13800000001", "310101199001011234"]]):
        first.write_row(r, 0, row)
    second = wb.add_worksheet("补充名单")
    for r, row in enumerate([["补充名单（机密）"], [], ["姓名", "手机号", "身份证号", "来源"],
                             ["王五", "13800000009", "310101199001019999", "贷款中介"],
                             ["赵六", "13800000010", "310101199001010000", "<b>展会</b>"]]):
        second.write_row(r, 0, row)
    wb.close()
    return buf.getvalue()


@dataclass(frozen=True)
class Seized:
    case_id: str
    root: Path
    calls_sheet: int
    list_sheet: int


@pytest.fixture(scope="module")
def seized(web: Web, tmp_path_factory: pytest.TempPathFactory) -> Seized:
    """A case whose evidence came in through the intake (so its originals are stored), with lead_a
    leading it and viewer_a and reviewer_a on it; member_b is not a member."""
    root = web.cases_dir / "case_c"
    case = init_case(root, "丙案", "测试局", user="tester")
    src = tmp_path_factory.mktemp("seized")
    (src / "外呼.csv").write_bytes(CALLS_CSV)
    (src / "名单.xlsx").write_bytes(_xlsx())
    ingest_files(case, [src / "外呼.csv", src / "名单.xlsx"], IngestOptions(holder="某某科技", site="东湖区 1 号"))
    case_id = next(cid for cid, info in find_cases(web.cases_dir).items() if info.root.name == "case_c")
    with web.client().app.state.sessions() as s:  # type: ignore[attr-defined]
        for name, role in (("lead_a", "case_lead"), ("viewer_a", "viewer"), ("reviewer_a", "reviewer")):
            uid = s.scalar(select(User.id).where(User.name == name))
            s.add(Membership(user_id=uid, case_id=case_id, role=role))
        s.commit()
    with case.connect(read_only=True) as con:
        ids = dict(con.execute("SELECT coalesce(sheet, kind), sheet_id FROM record_sheets").fetchall())
    return Seized(case_id, root, int(ids["calls"]), int(ids["补充名单"]))


def _url(s: Seized, sheet: int, row: int) -> str:
    return f"/cases/{s.case_id}/sheets/{sheet}/rows/{row}"


def _original(html: str) -> str:
    return html[html.index('class="rows record original"'):]


def test_rows_link_to_the_row_view(seized: Seized, clients: dict[str, TestClient]) -> None:
    html = clients["viewer_a"].get(f"/cases/{seized.case_id}/sheets/{seized.calls_sheet}").text
    assert f'href="{_url(seized, seized.calls_sheet, 3)}"' in html
    assert f'href="{_url(seized, seized.calls_sheet, 4)}"' in html


def test_the_original_row_beside_the_normalised_one_masked(seized: Seized, clients: dict[str, TestClient]) -> None:
    resp = clients["viewer_a"].get(_url(seized, seized.calls_sheet, 3))
    assert resp.status_code == 200
    html = resp.text
    record, original = html[:html.index('class="rows record original"')], _original(html)
    assert "<th>callee</th>" in record and "<th>started_at</th>" in record
    # the file's own header -> cell, in its column order, the header row found as the intake found it
    assert "表头在第 2 行" in html
    cells = re.findall(r"<tr><td>(\d+)</td><th>([^<]*)</th><td>([^<]*)</td></tr>", original)
    assert [(i, h) for i, h, _ in cells] == [("1", "主叫"), ("2", "被叫号码"), ("3", "开始时间"), ("4", "通话时长"),
                                             ("5", "通话内容"), ("6", "坐席备注")]
    assert cells[2][2] == "2025/7/20 9:01" and cells[3][2] == "80" and cells[5][2] == "首呼"
    # masked on both sides; the seized script is text
    assert "13912345678" not in html and "139****5678" in original
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;您好" in original
    assert "/reveal" not in html  # a viewer may not reveal


def test_a_value_kept_raw_shows_as_the_file_has_it(seized: Seized, clients: dict[str, TestClient]) -> None:
    html = clients["viewer_a"].get(_url(seized, seized.calls_sheet, 4)).text
    assert "<td>1分20秒</td>" in _original(html)


def test_the_row_of_the_right_sheet_below_title_rows(seized: Seized, clients: dict[str, TestClient]) -> None:
    html = clients["reviewer_a"].get(_url(seized, seized.list_sheet, 5)).text
    assert "表头在第 3 行" in html
    original = _original(html)
    assert "赵六" not in original and "赵*" in original  # a name, masked
    assert "&lt;b&gt;展会&lt;/b&gt;" in original and "<b>" not in original
    assert "王五" not in html and "张三" not in html  # other rows, other sheet
    assert clients["reviewer_a"].get(_url(seized, seized.list_sheet, 3)).status_code == 404  # the header row


def test_reveal_the_row_needs_a_role_and_a_reason_and_is_logged(seized: Seized, clients: dict[str, TestClient]) -> None:
    url = _url(seized, seized.calls_sheet, 3)
    viewer = clients["viewer_a"].get(url).text
    assert clients["viewer_a"].post(url + "/reveal", data={"csrf": csrf_of(viewer), "reason": "想看"}).status_code == 403
    lead = clients["lead_a"]
    page = lead.get(url).text
    assert f'action="{url}/reveal"' in page
    assert lead.post(url + "/reveal", data={"csrf": csrf_of(page), "reason": " "}).status_code == 400
    assert lead.post(url + "/reveal", data={"reason": "核对原件"}).status_code == 403  # no CSRF token
    shown = lead.post(url + "/reveal", data={"csrf": csrf_of(page), "reason": "核对原件"})
    assert shown.status_code == 200
    assert "13912345678" in _original(shown.text) and "<script>alert" not in shown.text
    log = [json.loads(line) for line in (seized.root / "custody.jsonl").read_text("utf-8").splitlines()]
    last = [e for e in log if e["action"] == "web.reveal"][-1]
    assert last["user"] == "lead_a" and last["details"]["reason"] == "核对原件"
    assert last["args"]["row_no"] == 3 and last["args"]["sheet_id"] == seized.calls_sheet
    access = clients["admin"].get("/admin/access", params={"case": seized.case_id}).text
    assert "evidence.row" in access and "denied" in access


def test_not_a_member_or_no_such_row(seized: Seized, clients: dict[str, TestClient]) -> None:
    other = clients["member_b"]
    assert other.get(_url(seized, seized.calls_sheet, 3)).status_code == 404
    page = other.get("/cases").text
    assert other.post(_url(seized, seized.calls_sheet, 3) + "/reveal",
                      data={"csrf": csrf_of(page), "reason": "越权"}).status_code == 404
    viewer = clients["viewer_a"]
    assert viewer.get(_url(seized, seized.calls_sheet, 99)).status_code == 404
    assert viewer.get(_url(seized, 99999, 3)).status_code == 404


def test_a_search_hit_opens_its_row_beside_the_original(seized: Seized, clients: dict[str, TestClient]) -> None:
    c = clients["reviewer_a"]
    html = c.get(f"/cases/{seized.case_id}/search", params={"q": "低息贷款"}).text
    links = [u.replace("&amp;", "&") for u in re.findall(r'href="(/cases/[^"]+/evidence/[0-9a-f]{64}/rows/\d+[^"]*)"',
                                                         html)]
    assert len(links) == 1 and links[0].endswith("/rows/4?kind=calls")
    resp = c.get(links[0], follow_redirects=False)
    assert resp.status_code == 303 and resp.headers["location"] == _url(seized, seized.calls_sheet, 4)
    assert "<td>1分20秒</td>" in _original(c.get(links[0]).text)
    # a sheet named in the address; a file the case does not hold; not a member
    sha = links[0].split("/evidence/")[1][:64]
    named = c.get(f"/cases/{seized.case_id}/evidence/{sha}/rows/4", params={"sheet": "补充名单"})
    assert named.status_code == 404  # the CSV has no such sheet
    with open_case(seized.root).connect(read_only=True) as con:
        xlsx = con.execute("SELECT sha256 FROM evidence WHERE file_name = '名单.xlsx'").fetchall()[0][0]
    got = c.get(f"/cases/{seized.case_id}/evidence/{xlsx}/rows/5", params={"sheet": "补充名单"}, follow_redirects=False)
    assert got.headers["location"] == _url(seized, seized.list_sheet, 5)
    assert c.get(f"/cases/{seized.case_id}/evidence/{'0' * 64}/rows/4").status_code == 404
    assert clients["member_b"].get(links[0]).status_code == 404


def test_a_charges_evidence_row_opens_its_row_view(web: Web, clients: dict[str, TestClient]) -> None:
    from urllib.parse import quote

    from tests.report.conftest import HOLDER_A

    c = clients["viewer_a"]
    html = c.get(f"/cases/{web.case_a}/party?holder={quote(HOLDER_A)}").text
    links = [u.replace("&amp;", "&") for u in re.findall(r'href="(/cases/[^"]+/evidence/[0-9a-f]{64}/rows/\d+[^"]*)"',
                                                         html)]
    assert links
    row = c.get(links[0])
    assert row.status_code == 200 and "标准化记录" in row.text
    # the hand-made case stores no original file: the page says so instead of failing
    assert "原始文件中找不到这一行" in row.text


def test_an_unreadable_original_still_shows_the_record(seized: Seized, clients: dict[str, TestClient],
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from qinglian.errors import QinglianError
    from qinglian.web import evidence

    def broken(*args: object) -> None:
        raise QinglianError("文件内容无法按 gbk 编码读取", "the file cannot be read as gbk", file="外呼.csv")

    monkeypatch.setattr(evidence, "original_row", broken)
    resp = clients["viewer_a"].get(_url(seized, seized.calls_sheet, 3))
    assert resp.status_code == 200 and "<th>callee</th>" in resp.text
    assert "原始文件无法读取" in resp.text and "文件内容无法按 gbk 编码读取" in resp.text


def test_a_column_named_by_the_cases_pack_is_masked_for_what_it_is(
        web: Web, clients: dict[str, TestClient], tmp_path_factory: pytest.TempPathFactory) -> None:
    """小区名称 is an address only in the real-estate pack: the row view masks it as one, as intake read it."""
    root = web.cases_dir / "case_estate"
    case = init_case(root, "房产案", "测试局", user="tester", packs=("real_estate",))
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    wb.add_worksheet("客户").write_row(0, 0, ["姓名", "手机号", "小区名称"])
    wb.worksheets()[0].write_row(1, 0, ["钱七", "13800000011", "阳光花园3栋"])
    wb.close()
    src = tmp_path_factory.mktemp("estate") / "客户.xlsx"
    src.write_bytes(buf.getvalue())
    ingest_files(case, [src], IngestOptions(holder="某某房产", site="东湖区 2 号"))
    case_id = next(cid for cid, info in find_cases(web.cases_dir).items() if info.root.name == "case_estate")
    with web.client().app.state.sessions() as s:  # type: ignore[attr-defined]
        s.add(Membership(user_id=s.scalar(select(User.id).where(User.name == "viewer_a")), case_id=case_id,
                         role="viewer"))
        s.commit()
    with case.connect(read_only=True) as con:
        assert con.execute("SELECT address FROM customers").fetchall() == [("阳光花园3栋",)]  # intake used the pack
        [(sheet,)] = con.execute("SELECT sheet_id FROM record_sheets").fetchall()
    html = clients["viewer_a"].get(f"/cases/{case_id}/sheets/{sheet}/rows/2").text
    assert "阳光花园3栋" not in html and "阳光****" in _original(html)
