"""`qinglian demo --industry`: each industry pack's demo is charged as its ground truth says, compliant
holders get neither a charge nor a lead, and the charges use the pack's wording and provisions."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from qinglian.demo.industry import HOLDERS, run_industry_demo
from qinglian.errors import QinglianError
from qinglian.packs import load_pack
from qinglian.store.case import open_case


@pytest.mark.parametrize("industry", sorted(HOLDERS))
def test_the_industry_demo_is_charged_as_its_ground_truth_says(tmp_path: Path, industry: str) -> None:
    result = run_industry_demo(tmp_path / industry, industry, report=False)
    truth = json.loads(result.manifest.ground_truth_path.read_text(encoding="utf-8"))
    assert truth["industry"] == industry
    expected = {(h, c) for h, v in truth["charges"]["holders"].items() for c in v["conducts"]}
    case = open_case(result.case_dir)
    assert case.packs == (industry,)
    pack = load_pack(industry)
    with case.connect(read_only=True) as con:
        charges = con.execute(
            "SELECT holder, conduct, conduct_zh, facts_zh, provisions, scale FROM charges").fetchall()
        leads = {str(r[0]) for r in con.execute("SELECT holder FROM leads").fetchall()}
        cust = con.execute("SELECT count(*) FROM customers WHERE address IS NOT NULL OR employer IS NOT NULL").fetchall()
    assert {(str(r[0]), str(r[1])) for r in charges} == expected
    compliant = {h for h, v in truth["charges"]["holders"].items() if not v["violating"]}
    assert len(compliant) == 2 and not compliant & leads
    # the customer lists' own column is mapped through the pack's header synonyms
    assert cust[0][0] == 4 * 40
    for holder, conduct, zh, facts, provisions, scale in charges:
        assert json.loads(scale)["party_zh"] == pack.party_zh, holder
        wording = pack.conducts.get(str(conduct))
        if wording is not None:
            assert zh == wording.zh
            cited = {p["id"] for p in json.loads(provisions)}
            assert set(wording.provisions) <= cited
        if conduct == "false_promise":
            assert "贷款" not in facts


def test_an_unknown_industry_is_refused(tmp_path: Path) -> None:
    with pytest.raises(QinglianError) as exc:
        run_industry_demo(tmp_path / "x", "pets")
    assert "real_estate" in (exc.value.hint_zh or "")
    assert not (tmp_path / "x").exists()


def test_a_case_with_loans_and_an_industry_pack_words_each_party_by_its_own_pack(tmp_path: Path) -> None:
    from qinglian import pipeline

    result = run_industry_demo(tmp_path / "re", "real_estate", report=False)
    case = open_case(result.case_dir)
    text = case.toml_path.read_text(encoding="utf-8").replace('packs = ["real_estate"]', 'packs = ["loans", "real_estate"]')
    case.toml_path.write_text(text, encoding="utf-8")
    assert case.packs == ("loans", "real_estate")
    pipeline.analyze(case)
    pipeline.charges(case)
    pack = load_pack("real_estate")
    with case.connect(read_only=True) as con:
        rows = con.execute("SELECT holder, conduct, conduct_zh, scale FROM charges ORDER BY 1, 2").fetchall()
    assert {(str(h), str(c)) for h, c, _, _ in rows} == {
        (h.name, c) for h in HOLDERS["real_estate"] for c in h.conducts}
    for _, conduct, zh, scale in rows:
        assert json.loads(scale)["party_zh"] == "房产中介"
        if conduct in pack.conducts:
            assert zh == pack.conducts[str(conduct)].zh


@pytest.mark.parametrize("scale", [0.2, 3.0])
def test_a_scaled_industry_demo_is_charged_the_same_in_office_hours(tmp_path: Path, scale: float) -> None:
    result = run_industry_demo(tmp_path / "re", "renovation", scale=scale, report=False)
    truth = json.loads(result.manifest.ground_truth_path.read_text(encoding="utf-8"))
    expected = {(h, c) for h, v in truth["charges"]["holders"].items() for c in v["conducts"]}
    with open_case(result.case_dir).connect(read_only=True) as con:
        charges = {(str(h), str(c)) for h, c in con.execute("SELECT holder, conduct FROM charges").fetchall()}
        leads = {str(r[0]) for r in con.execute("SELECT holder FROM leads").fetchall()}
        [(customers,)] = con.execute("SELECT count(*) FROM customers").fetchall()
        [(sms, calls)] = con.execute("SELECT (SELECT count(*) FROM sms), (SELECT count(*) FROM calls)").fetchall()
        hours = {int(r[0]) for r in con.execute("SELECT DISTINCT hour(sent_at) FROM sms UNION "
                                                "SELECT DISTINCT hour(started_at) FROM calls").fetchall()}
    assert charges == expected
    compliant = {h for h, v in truth["charges"]["holders"].items() if not v["violating"]}
    assert not compliant & leads
    assert customers == 4 * max(20, round(40 * scale))
    assert (sms, calls) == (4 * max(10, round(30 * scale)), 4 * max(10, round(25 * scale)))
    assert hours and min(hours) >= 9 and max(hours) < 18


def test_a_scale_that_is_not_positive_is_refused_before_anything_is_written(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from tests.helpers import cli

    for industry in ([], ["--industry", "education"]):
        assert cli("demo", str(tmp_path / "d"), "--scale", "0", *industry) == 2
        assert "数据量倍数须为正数" in capsys.readouterr().err
        assert not (tmp_path / "d").exists()


def test_the_case_report_names_each_charged_party_by_its_packs_kind(tmp_path: Path) -> None:
    result = run_industry_demo(tmp_path / "ed", "education", formats=("html",))
    [html] = list((result.case_dir / "reports").glob("*.html"))
    text = html.read_text(encoding="utf-8")
    headings = re.findall(r'<h3 class="party">[^<]*', text)
    truth = json.loads(result.manifest.ground_truth_path.read_text(encoding="utf-8"))["charges"]["holders"]
    charged = [h for h, v in truth.items() if v["conducts"]]
    assert charged and len(headings) >= len(charged)
    for holder in charged:
        assert any(f"{holder}（{load_pack('education').party_zh}）" in h for h in headings), holder
