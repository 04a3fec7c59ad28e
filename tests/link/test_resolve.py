from __future__ import annotations

from qinglian.link.names import normalise
from qinglian.link.resolve import resolve_names


def _clusters(names: list[str], preferred: set[str] | None = None) -> dict[str, str]:
    return {d.record_name: d.canonical_name for d in resolve_names(dict.fromkeys(names, "test"), preferred)}


def test_legal_form_region_and_spacing_variants_merge() -> None:
    names = ["华信科技有限公司", "华信科技有限责任公司", "华信科技（深圳）有限公司", "深圳市华信科技有限公司",
             "华信 科技 有限公司"]
    got = _clusters(names, {"华信科技有限责任公司"})
    assert set(got.values()) == {"华信科技有限责任公司"}


def test_different_companies_stay_apart() -> None:
    got = _clusters(["华信科技有限公司", "宏达科技有限公司", "华信网络科技有限公司", "华信贸易有限公司"])
    assert len(set(got.values())) == 4


def test_ambiguous_short_name_joins_nothing() -> None:
    got = _clusters(["华信", "华信科技有限公司", "华信网络科技有限公司"])
    assert got["华信"] == "华信"
    assert got["华信科技有限公司"] != got["华信网络科技有限公司"]


def test_unambiguous_short_name_joins_with_weight() -> None:
    decisions = resolve_names({"宏达": "payments.payee", "宏达信息咨询有限公司": "holder"}, {"宏达信息咨询有限公司"})
    by = {d.record_name: d for d in decisions}
    assert by["宏达"].canonical_name == "宏达信息咨询有限公司"
    assert by["宏达"].cluster_id == by["宏达信息咨询有限公司"].cluster_id
    assert by["宏达"].match_weight is not None and by["宏达"].match_weight > 0
    assert by["宏达"].source == "payments.payee"


def test_exact_core_outweighs_abbreviation() -> None:
    decisions = resolve_names(dict.fromkeys(["鑫源金融服务有限公司", "鑫源金融服务有限责任公司"], "t"))
    assert all(d.match_probability is not None and d.match_probability > 0.95 for d in decisions)


def test_normalise_parts() -> None:
    parts = normalise("深圳市 华信科技（深圳）有限责任公司")
    assert parts.core == "华信科技"
    assert parts.brand == "华信"
    assert parts.region == "深圳"


def test_district_variants_merge_but_districts_stay_apart() -> None:
    full = "演示市东湖区鑫达信息咨询有限公司"
    names = [full, "演示市（东湖区）鑫达信息咨询有限公司", "东湖区鑫达信息咨询有限公司",
             "演示市东湖区鑫达信息咨询有限责任公司", "演示市西岭区鑫达信息咨询有限公司"]
    got = _clusters(names, {full})
    assert {got[n] for n in names[:4]} == {full}
    assert got["演示市西岭区鑫达信息咨询有限公司"] == "演示市西岭区鑫达信息咨询有限公司"


def test_short_name_fitting_two_districts_is_left_alone() -> None:
    got = _clusters(["演示市东湖区鑫达信息咨询有限公司", "演示市西岭区鑫达信息咨询有限公司", "鑫达信息"])
    assert got["鑫达信息"] == "鑫达信息"
    assert len(set(got.values())) == 3


def test_short_name_by_truncation_joins_its_company() -> None:
    got = _clusters(["演示市南港区融通金融服务有限公司", "融通金融"], {"演示市南港区融通金融服务有限公司"})
    assert got["融通金融"] == "演示市南港区融通金融服务有限公司"
