"""Referral packets hold counts and masked extracts: no consumer number, calling number or contact
number of the case is written in any form, and the packets are logged to custody."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from python_calamine import CalamineWorkbook

from qinglian.charges.provisions import CHECKED
from qinglian.laws import catalog
from qinglian.link.referrals import referrals as by_region
from qinglian.referrals import referrals
from qinglian.report import referral as rr
from qinglian.report.privacy import Redactor
from qinglian.report.referral import PROCEDURE_BLANK, ReferralRun
from qinglian.store.case import open_case

ARTICLE = re.compile(r"第[零〇一二三四五六七八九十百千_＿]+条")


def _numbers(case_dir: Path) -> set[str]:
    """Every mobile number the case holds (E.164 without +86) and every 11-digit run in its extras."""
    with open_case(case_dir).connect(read_only=True) as con:
        found = {str(r[0])[3:] for r in con.execute(
            """SELECT callee FROM calls UNION SELECT caller FROM calls UNION SELECT recipient FROM sms
               UNION SELECT phone FROM customers""").fetchall() if r[0] and str(r[0]).startswith("+86")}
        for (extra,) in con.execute("SELECT extra::VARCHAR FROM accounts WHERE extra IS NOT NULL").fetchall():
            found.update(re.findall(r"1[3-9]\d{9}", str(extra)))
    return found


def _xlsx_text(path: Path) -> str:
    book = CalamineWorkbook.from_path(str(path))
    cells = [str(v) for name in book.sheet_names for row in book.get_sheet_by_name(name).to_python() for v in row]
    return "\n".join(cells)


@pytest.fixture(scope="module")
def demo_run(pipeline_demo: Any, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, ReferralRun]:
    """Every region's packet as HTML and XLSX, written once on a copy of the demo case."""
    case_dir = tmp_path_factory.mktemp("referral") / "case"
    shutil.copytree(pipeline_demo.case_dir, case_dir)
    return case_dir, referrals(open_case(case_dir), formats=("html", "xlsx"), user="tester")


def test_packets_hold_no_raw_number_and_are_logged(demo_run: tuple[Path, ReferralRun]) -> None:
    case_dir, run = demo_run
    numbers = _numbers(case_dir)
    assert len(numbers) > 1000  # the demo's consumers, callers and account contacts
    assert len(run.packets) == len(run.referrals.regions) > 1
    texts: list[str] = []
    for packet in run.packets:
        html, xlsx = packet.paths
        assert html.suffix == ".html" and xlsx.suffix == ".xlsx"
        texts += [html.read_text(encoding="utf-8"), _xlsx_text(xlsx)]
    extract_rows = sum(len(r.extract) for r in run.referrals.regions)
    assert extract_rows > 0
    joined = "\n".join(texts)
    assert "****" in joined  # the extract shows masked numbers
    digits = set(re.findall(r"(?<!\d)1[3-9]\d{9}(?!\d)", joined))
    assert not digits & numbers
    assert not digits  # nor any other whole mobile number
    entries = [json.loads(line) for line in (case_dir / "custody.jsonl").read_text(encoding="utf-8").splitlines()]
    last = entries[-1]
    assert last["action"] == "referrals"
    logged = {o["file"] for o in last["details"]["outputs"]}
    assert logged == {f"referrals/{p.name}" for packet in run.packets for p in packet.paths}


def test_one_region_as_pdf(pipeline_demo: Any, tmp_path: Path) -> None:
    case_dir = tmp_path / "case"
    shutil.copytree(pipeline_demo.case_dir, case_dir)
    with open_case(case_dir).connect(read_only=True) as con:
        smallest = min((r for r in by_region(con).regions if r.accounts), key=lambda r: (r.consumers, r.region))
    run = referrals(open_case(case_dir), region=smallest.region, formats=("pdf",))
    ((pdf,),) = [p.paths for p in run.packets]
    assert pdf.read_bytes().startswith(b"%PDF")
    assert [p.name for p in pdf.parent.iterdir()] == [pdf.name]


def _sheet(path: Path, name: str, first: str) -> list[list[str]]:
    """The rows of a sheet's table below its header (the row starting with ``first``; a note may sit above)."""
    rows = [[str(v) for v in row] for row in CalamineWorkbook.from_path(str(path)).get_sheet_by_name(name).to_python()]
    head = next(i for i, r in enumerate(rows) if r and r[0] == first)
    return rows[head + 1:]


def _stored_cites(case_dir: Path) -> dict[str, list[str]]:
    """Per charge, the citations the charges stage stored (what the case report prints), checked
    against the catalog: each is the catalog's citation in the version in force at the conduct's end."""
    out: dict[str, list[str]] = {}
    with open_case(case_dir).connect(read_only=True) as con:
        for cid, raw, last in con.execute("SELECT charge_id, provisions, last_at FROM charges").fetchall():
            entries = [p for p in json.loads(raw) if p["verified"] in CHECKED]
            for p in entries:
                assert p["cite"] == catalog().get(p["id"]).cite(last.date() if last else None)
            out[str(cid)] = [p["cite"] for p in entries]
    return out


def _catalog_strings() -> list[str]:
    """Every citation, summary and penalty text the catalog holds, longest first."""
    found: set[str] = set()
    for p in catalog().provisions:
        for v in p.versions:
            found |= {f"{p.law}（{v.text_version}）{v.article}", v.summary, v.penalty or ""}
    return sorted((s for s in found if s), key=len, reverse=True)


def test_a_charged_region_cites_its_charges_provisions(demo_run: tuple[Path, ReferralRun]) -> None:
    case_dir, run = demo_run
    stored = _stored_cites(case_dir)
    packets = {p.region: p.paths for p in run.packets}
    charged = [r for r in run.referrals.regions if r.charges]
    assert charged
    for region in charged:
        html_path, xlsx = packets[region.region]
        html = html_path.read_text(encoding="utf-8")
        letter = html.split('<section class="letter" id="letter">')[1].split("</section>")[0]
        rows = {r[0]: r for r in _sheet(xlsx, "指控", "编号")}
        summary = "\n".join(" ".join(r) for r in _sheet(xlsx, "概要", "项目"))
        wanted = {c for ch in region.charges for c in stored[str(ch["charge_id"])]}
        assert wanted  # the demo's charges cite checked provisions
        for cite in wanted:
            assert cite in letter and cite in summary
        for ch in region.charges:
            row = " ".join(rows[str(ch["charge_id"])])
            assert all(c in row for c in stored[str(ch["charge_id"])])
        assert {r[0] for r in _sheet(xlsx, "所引条款", "条款")} == wanted


def test_the_json_lists_each_regions_provisions_as_the_letter_cites_them(
        demo_run: tuple[Path, ReferralRun]) -> None:
    case_dir, run = demo_run
    stored = _stored_cites(case_dir)
    for row, region in zip(run.json_rows(), run.referrals.regions, strict=True):
        cited = row["provisions"]
        assert {p["cite"] for p in cited} == {c for ch in region.charges for c in stored[str(ch["charge_id"])]}
        for p in cited:  # each once, counted over the region's charges that cite it
            assert p["role"] in ("breach", "referral") and p["id"] in catalog().ids()
            assert p["charges"] == sum(p["cite"] in stored[str(ch["charge_id"])] for ch in region.charges)
        if not region.charges:
            assert cited == []
    assert any(row["provisions"] for row in run.json_rows())
    json.dumps(run.json_rows(), ensure_ascii=False)  # what --json prints


def test_a_region_without_charges_cites_no_provision(demo_run: tuple[Path, ReferralRun]) -> None:
    _, run = demo_run
    packets = {p.region: p.paths for p in run.packets}
    quiet = [r for r in run.referrals.regions if not r.charges]
    assert quiet
    for region in quiet:
        html, xlsx = packets[region.region]
        for text in (html.read_text(encoding="utf-8"), _xlsx_text(xlsx)):
            assert not ARTICLE.search(text)
            assert PROCEDURE_BLANK in text  # the procedural basis: a blank the bureau fills
        assert _sheet(xlsx, "所引条款", "条款") == []


def test_no_provision_outside_the_catalog(demo_run: tuple[Path, ReferralRun]) -> None:
    _, run = demo_run
    known = _catalog_strings()
    for packet in run.packets:
        html, xlsx = packet.paths
        for text in (html.read_text(encoding="utf-8"), _xlsx_text(xlsx)):
            assert "第__条" not in text and PROCEDURE_BLANK in text
            for s in known:
                text = text.replace(s, "")
            assert not ARTICLE.search(text), ARTICLE.findall(text)


def test_a_procedural_basis_in_the_catalog_is_cited_instead_of_the_blank(
        demo_run: tuple[Path, ReferralRun], monkeypatch: pytest.MonkeyPatch) -> None:
    _, run = demo_run
    monkeypatch.setattr(rr, "PROCEDURE_IDS", ("pipl.10", "not.in.catalog"))
    assert rr.procedure_basis() == [catalog().get("pipl.10").cite()]
    region = run.referrals.regions[0]
    data = rr.packet_data(region, run.referrals, case_name="案", agency="局", red=Redactor(False, None),
                          procedure=rr.procedure_basis())
    html = rr.render_html(data)
    assert f"根据{catalog().get('pipl.10').cite()}的规定" in html and PROCEDURE_BLANK not in html
