"""Industry packs: loading and checking, the loans pack as the built-in rules, a pack added as data,
each shipped pack's rules on texts that break them and on lawful ones, header synonyms, case init."""

from __future__ import annotations

import tomllib
from pathlib import Path

import numpy as np
import pytest

from qinglian.detect.text.engine import classify_batch
from qinglian.errors import QinglianError
from qinglian.ingest.mapping import match_headers
from qinglian.labels import LABELS
from qinglian.laws import catalog
from qinglian.packs import DEFAULT_PACKS, available, check_names, load_pack, load_packs
from qinglian.store.case import init_case, open_case
from tests.packs.pets import PETS_PACK, add_pets_pack

SHIPPED = ("education", "loans", "real_estate", "renovation")


def _flags(texts: list[str], packs: tuple[str, ...]) -> list[set[str]]:
    res = classify_batch(texts, packs=packs)
    return [{lb for lb, v in res.labels(i).items() if v >= 0.5} for i in range(len(texts))]


def test_the_shipped_packs_load() -> None:
    assert set(SHIPPED) <= set(available())
    packs = {p.name: p for p in load_packs(SHIPPED)}
    assert packs["loans"].builtin_rules and not packs["loans"].rules
    assert packs["real_estate"].party_zh == "房产中介"
    assert packs["renovation"].party_zh == "装修公司"
    assert packs["education"].party_zh == "培训机构"
    for name in ("real_estate", "renovation", "education"):
        assert all(r.id.startswith(name + ".") for r in packs[name].rules)
        assert {r.label for r in packs[name].rules} >= {"false_promise", "impersonation"}


@pytest.mark.parametrize("name", SHIPPED)
def test_every_provision_a_pack_cites_is_checked_against_a_text(name: str) -> None:
    cat = catalog()
    for pid in load_pack(name).cited():
        versions = cat.get(pid).versions
        assert any(v.verified in ("official", "text") and v.source for v in versions), pid


def test_the_sector_articles_of_the_advertising_law() -> None:
    cat = catalog()
    assert cat.get("adlaw.24").versions[-1].article == "第二十四条"
    assert "保证性承诺" in cat.get("adlaw.24").versions[-1].summary
    assert cat.get("adlaw.26").versions[-1].article == "第二十六条"
    assert "升值或者投资回报的承诺" in cat.get("adlaw.26").versions[-1].summary
    assert "国家机关" in cat.get("adlaw.9").versions[-1].summary


def test_an_unknown_pack_is_refused_with_the_list_of_packs(tmp_path: Path) -> None:
    with pytest.raises(QinglianError) as exc:
        check_names(["loans", "pets"])
    assert "pets" in exc.value.zh and "real_estate" in (exc.value.hint_zh or "")
    with pytest.raises(QinglianError):
        init_case(tmp_path / "c", "x", packs=("nope",))
    assert not (tmp_path / "c").exists()


def test_case_init_stores_the_packs_and_defaults_to_loans(tmp_path: Path) -> None:
    case = init_case(tmp_path / "a", "x", packs=("loans", "real_estate", "loans"))
    assert tomllib.loads(case.toml_path.read_text(encoding="utf-8"))["packs"] == ["loans", "real_estate"]
    assert open_case(case.root).packs == ("loans", "real_estate")
    plain = init_case(tmp_path / "b", "y")
    assert plain.packs == DEFAULT_PACKS
    # a case made before packs existed has no packs line: it is a loans case
    text = plain.toml_path.read_text(encoding="utf-8")
    plain.toml_path.write_text("\n".join(x for x in text.splitlines() if not x.startswith("packs")) + "\n",
                               encoding="utf-8")
    assert plain.packs == DEFAULT_PACKS


_LOAN_TEXTS = [
    "【惠民金融】无抵押信用贷，最快当天放款，黑户可贷，详询138xxxx，回T退订",
    "您好，这里是工商银行信用卡中心，您的额度可以提升，需要先交验资费",
    "【顺达咨询】您好，我司提供贷款咨询服务，拒收请回T",
    "你好，明天下午三点开会",
    "我是市住建局的，通知您房产需要核验",
    "中考冲刺班签约保过，不提分退费",
]


def test_the_loans_pack_is_the_built_in_rules_unchanged() -> None:
    plain = classify_batch(_LOAN_TEXTS)
    loans = classify_batch(_LOAN_TEXTS, packs=("loans",))
    assert np.array_equal(plain.scores, loans.scores)
    assert plain.hits == loans.hits


def test_an_industry_pack_only_adds_its_own_rules() -> None:
    plain = classify_batch(_LOAN_TEXTS)
    more = classify_batch(_LOAN_TEXTS, packs=("loans", "real_estate", "renovation", "education"))
    for i in range(len(_LOAN_TEXTS)):
        assert more.hits[i][: len(plain.hits[i])] == plain.hits[i]
        extra = more.hits[i][len(plain.hits[i]):]
        assert all(h.rule.split(".")[0] in ("real_estate", "renovation", "education") for h in extra)
        if not extra:
            assert np.array_equal(plain.scores[i], more.scores[i])


_CASES = {
    "real_estate": (
        ["【安家置业】城东学区房急售，保证升值，零首付即可入住，回T退订",
         "内部房源特价，年回报8%，错过不再",
         "名校旁现房，保证入学，欢迎看房"],
        ["我是市住建局不动产登记中心的，您的房产需要核验",
         "住建局通知：您名下房产需办理核验，请致电预约"],
        ["【诚信房产】您登记关注的小区有新房源上架，建筑面积89平方米，欢迎预约看房，拒收请回T",
         "学区房政策以教育部门当年公布的划片为准，请以官方信息为准",
         "谨防冒充住建局工作人员的诈骗电话",
         "房东急售，看房请联系"],
    ),
    "renovation": (
        ["【美居装饰】0元装修拎包入住，终身质保，回T退订",
         "全包价绝无增项，质保终身，免费设计"],
        ["我是街道办的，咱们小区统一做防水检测",
         "物业通知：本楼统一安排管道改造检测，请预约"],
        ["【安心家装】您预约的免费量房已安排在周六上午，拒收请回T",
         "家装以旧换新可申请政府补贴，详情见商务部门公告",
         "全包套餐报价以合同清单为准，欢迎来电了解"],
    ),
    "education": (
        ["【启航教育】中考冲刺班签约保过，命题专家亲授，回T退订",
         "暑期班保证提高30分，名额不多",
         "考研集训营包上岸，内部名额仅剩5个"],
        ["家长您好，我是区教育局的，孩子的暑期测评需要在指定机构报名",
         "教育局通知：暑期学业测评须在指定机构报名"],
        ["【博学教育】您预约的试听课安排在周六上午九点，拒收请回T",
         "秋季班开始报名，名师授课，课程和收费以合同为准",
         "对课程不满意的，开课两周内可申请退费",
         "提醒：谨防冒充教育局的诈骗电话"],
    ),
}


@pytest.mark.parametrize("name", sorted(_CASES))
def test_each_pack_flags_its_breaches_and_leaves_lawful_texts_alone(name: str) -> None:
    promises, guises, lawful = _CASES[name]
    packs = ("loans", name)
    for text, labels in zip(promises, _flags(promises, packs), strict=True):
        assert "false_promise" in labels, text
    for text, labels in zip(guises, _flags(guises, packs), strict=True):
        assert "impersonation" in labels, text
    for text, labels in zip(lawful, _flags(lawful, packs), strict=True):
        assert not labels & {"false_promise", "impersonation", "fraud"}, (text, labels)
    # without the pack the built-in rules do not see these promises and guises
    assert sum("false_promise" in f for f in _flags(promises, ("loans",))) < len(promises)




def test_a_pack_is_added_as_data_from_another_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    add_pets_pack(tmp_path, monkeypatch)
    assert "pets" in available()
    texts = ["【萌宠之家】进口药包治百病，回T退订", "【萌宠之家】猫粮到货，拒收请回T"]
    assert "false_promise" not in _flags(texts, ("loans",))[0]
    res = classify_batch(texts, packs=("loans", "pets"))
    assert res.labels(0)["false_promise"] >= 0.5 and res.labels(1)["false_promise"] < 0.5
    assert [h.rule for h in res.hits[0] if h.label == "false_promise"] == ["pets.cure_all"]
    assert res.hits[0][-1].laws and "广告法" in res.hits[0][-1].laws[0]
    assert match_headers("customers", ["姓名", "宠物医院地址"], packs=("pets",)) == {0: "name", 1: "address"}
    case = init_case(tmp_path / "case", "x", packs=("pets",))
    assert case.packs == ("pets",)


@pytest.mark.parametrize("bad, what", [
    (PETS_PACK.replace("label: false_promise", "label: scam"), "scam"),
    (PETS_PACK + "colour: red\n", "colour"),
    (PETS_PACK.replace("address: [宠物医院地址]", "street: [宠物医院地址]"), "street"),
    (PETS_PACK.replace("name: pets", "name: dogs"), "dogs"),
])
def test_a_malformed_pack_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bad: str, what: str) -> None:
    add_pets_pack(tmp_path, monkeypatch, bad)
    with pytest.raises(QinglianError) as exc:
        load_pack("pets")
    assert what in str(exc.value)


def test_a_pack_rule_citing_an_unknown_provision_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    add_pets_pack(tmp_path, monkeypatch, PETS_PACK.replace("[adlaw.28]", "[adlaw.999]"))
    with pytest.raises(QinglianError) as exc:
        classify_batch(["包治百病"], packs=("pets",))
    assert "adlaw.999" in str(exc.value)


def test_pack_header_synonyms_never_take_a_column_the_shipped_ones_map() -> None:
    headers = ["学生姓名", "家长电话", "就读学校", "成绩", "来源"]
    assert match_headers("customers", headers) == {4: "source"}
    assert match_headers("customers", headers, packs=("education",)) == {
        0: "name", 1: "phone", 2: "employer", 3: "credit_info", 4: "source"}
    assert match_headers("customers", ["小区名称", "地址"], packs=("real_estate",)) == {1: "address"}
    assert LABELS[0] == "marketing"


def test_a_party_without_pack_rule_hits_takes_the_pack_of_its_vocabulary() -> None:
    import duckdb

    from qinglian.charges.packs import _by_vocabulary

    con = duckdb.connect()
    con.execute("CREATE TABLE sms (holder VARCHAR, content VARCHAR, status VARCHAR)")
    con.execute("""INSERT INTO sms VALUES ('甲房产', '新房源上架，欢迎看房', '成功'), ('甲房产', '二手房带看', '成功'),
                   ('乙咨询', '信用贷额度高，放款快', '成功'), ('丙公司', '你好', '成功'),
                   ('丁公司', '看房请回复', '上行'), ('丁公司', '贷款咨询', '成功')""")
    got = _by_vocabulary(con, load_packs(("loans", "real_estate")))
    assert {h: p.name for h, p in got.items() if p is not None} == {
        "甲房产": "real_estate", "乙咨询": "loans", "丁公司": "loans"}
