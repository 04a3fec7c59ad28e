"""The legal catalog says how each version was checked, and against what; the corrected entries hold."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from qinglian.errors import QinglianError
from qinglian.laws import catalog, load_catalog

_ONE = (
    "catalog_version: x\nprovisions:\n  - id: a\n    law: L\n    law_en: L\n    topic: T\n    versions:\n"
    "      - text_version: '1'\n        article: A\n        effective: 2020-01-01\n        summary: S\n"
)


def test_every_checked_version_names_its_source() -> None:
    for p in catalog().provisions:
        for v in p.versions:
            if v.verified != "unchecked":
                assert v.source and v.source.strip(), (p.id, v.text_version)


def test_a_checked_version_without_a_source_is_rejected(tmp_path: Path) -> None:
    bad = tmp_path / "laws.yaml"
    bad.write_text(_ONE + "        verified: text\n", encoding="utf-8")
    with pytest.raises(QinglianError) as exc:
        load_catalog(bad)
    assert "needs a source" in str(exc.value)


def test_text_with_a_source_and_unchecked_without_one_load(tmp_path: Path) -> None:
    good = tmp_path / "laws.yaml"
    good.write_text(_ONE + "        verified: text\n        source: repo/path.md\n", encoding="utf-8")
    assert load_catalog(good).get("a").versions[0].source == "repo/path.md"
    plain = tmp_path / "plain.yaml"
    plain.write_text(_ONE + "        verified: unchecked\n", encoding="utf-8")
    assert load_catalog(plain).get("a").versions[0].source is None


def test_an_unknown_verification_value_is_rejected(tmp_path: Path) -> None:
    bad = tmp_path / "laws.yaml"
    bad.write_text(_ONE + "        verified: lawyer\n        source: s\n", encoding="utf-8")
    with pytest.raises(QinglianError):
        load_catalog(bad)


def test_fraudulent_loan_article_follows_amendment_eleven() -> None:
    p = catalog().get("criminal.175-1")
    old, new = p.in_force(date(2020, 12, 31)), p.in_force(date(2021, 3, 1))
    assert old.text_version == "刑法修正案（六）" and "或者有其他严重情节的，构成犯罪" in old.summary
    assert new.text_version == "刑法修正案（十一）"
    assert new.summary.startswith("以欺骗手段取得") and "造成重大损失的，构成犯罪" in new.summary


def test_bribery_of_non_state_staff_follows_amendment_nine() -> None:
    p = catalog().get("criminal.164")
    assert p.in_force(date(2015, 10, 31)).text_version == "刑法修正案（六）"
    assert p.in_force(date(2015, 11, 1)).text_version == "刑法修正案（九）"
    assert all(v.article == "第一百六十四条" for v in p.versions)


def test_advertising_law_cites_the_2021_text_for_recent_conduct() -> None:
    for pid, article in (("adlaw.28", "第二十八条"), ("adlaw.43", "第四十三条")):
        p = catalog().get(pid)
        assert p.in_force(date(2024, 6, 1)).text_version == "2021"
        assert p.in_force(date(2020, 6, 1)).text_version == "2018"
        assert p.in_force(date(2016, 6, 1)).text_version == "2015"
        assert {v.article for v in p.versions} == {article}


def test_pi_interpretation_thresholds() -> None:
    v = catalog().get("spc_spp.2017.pi").in_force(date(2024, 1, 1))
    assert v.article == "第五条" and v.effective == date(2017, 6, 1)
    for n in ("五十条", "五百条", "五千条"):
        assert n in v.summary


def test_sms_rules_cite_the_2026_revision_from_may_2026() -> None:
    p = catalog().get("sms_rules.18")
    assert p.in_force(date(2026, 4, 30)).article == "第十八条"
    new = p.in_force(date(2026, 5, 1))
    assert new.text_version == "2026" and "第二十一条" in new.article and "第二十三条" in new.article
    assert p.cite(date(2026, 6, 1)) == "通信短信息服务管理规定（2026）第二十一条、第二十三条"
