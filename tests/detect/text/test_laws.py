from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from qinglian.detect.text.rules import RULES
from qinglian.errors import QinglianError
from qinglian.laws import catalog, load_catalog


def test_every_rule_points_into_the_catalog() -> None:
    ids = catalog().ids()
    sign_only = {"marketing.opt_out", "marketing.signature", "loan.term"}
    for rule in RULES:
        assert bool(rule.laws) != (rule.id in sign_only), rule.id
        assert set(rule.laws) <= ids, rule.id


def test_aucl_article_moves_with_the_2025_revision() -> None:
    false_pub = catalog().get("aucl.false_publicity")
    assert false_pub.in_force(date(2025, 10, 14)).article == "第八条"
    assert false_pub.in_force(date(2025, 10, 15)).article == "第九条"
    assert catalog().get("aucl.bribery").in_force(date(2024, 1, 1)).article == "第七条"
    assert catalog().get("aucl.bribery").in_force(date(2026, 1, 1)).article == "第八条"
    assert catalog().get("aucl.confusion").in_force(date(2026, 1, 1)).article == "第七条"
    assert "（2019）第六条" in catalog().get("aucl.confusion").cite(date(2020, 5, 1))


def test_required_provisions_are_present() -> None:
    ids = catalog().ids()
    for pid in (
        "pipl.10",
        "pipl.13",
        "pipl.28",
        "pipl.66",
        "cpl.29",
        "adlaw.28",
        "adlaw.43",
        "sms_rules.18",
        "criminal.253-1",
        "spc_spp.2017.pi",
    ):
        assert pid in ids


def test_strict_loader_rejects_unknown_keys(tmp_path: Path) -> None:
    bad = tmp_path / "laws.yaml"
    bad.write_text(
        "catalog_version: x\nprovisions:\n  - id: a\n    law: L\n    law_en: L\n    topic: T\n"
        "    versions:\n      - text_version: '1'\n        article: A\n        effective: 2020-01-01\n"
        "        summary: S\n        verified: unchecked\n        descriptuon: typo\n",
        encoding="utf-8",
    )
    with pytest.raises(QinglianError) as exc:
        load_catalog(bad)
    assert "descriptuon" in str(exc.value)


def test_loader_rejects_versions_out_of_order(tmp_path: Path) -> None:
    bad = tmp_path / "laws.yaml"
    v = "      - {{text_version: '{0}', article: A, effective: {1}, summary: S, verified: unchecked}}\n"
    bad.write_text(
        "catalog_version: x\nprovisions:\n  - id: a\n    law: L\n    law_en: L\n    topic: T\n    versions:\n"
        + v.format("2025", "2025-10-15")
        + v.format("2019", "2019-04-23"),
        encoding="utf-8",
    )
    with pytest.raises(QinglianError):
        load_catalog(bad)
