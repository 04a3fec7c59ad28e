from __future__ import annotations

import json

from qinglian.detect.pi.patterns import CATEGORY_OF, extract
from qinglian.detect.pi.sources import COLUMN_SOURCES
from qinglian.detect.pi.textscan import scan_json_cells, scan_text
from qinglian.detect.pi.thresholds import default_thresholds

from .factory import make_card, make_id


def kinds(text: str) -> list[tuple[str, str]]:
    return [(m.kind, m.value) for m in extract(text)]


def test_numbers_in_text_are_validated() -> None:
    good_id, card = make_id(), make_card()
    text = f"客户身份证{good_id}，卡号 {card}，手机 138-1234-5678，座机 010-62345678。"
    assert kinds(text) == [
        ("id_number", good_id),
        ("bank_card", card),
        ("mobile", "138-1234-5678"),
        ("fixed", "010-62345678"),
    ]
    wrong_id = good_id[:17] + ("0" if good_id[17] != "0" else "1")
    wrong_card = card[:-1] + str((int(card[-1]) + 1) % 10)
    assert kinds(f"身份证{wrong_id} 卡号{wrong_card} 订单号12812345678") == []


def test_masked_numbers_are_not_pi() -> None:
    assert kinds("您尾号 138****5678 的客户，证件 3101**********1234") == []


def test_mobile_with_country_code() -> None:
    [m] = extract("联系+86 13812345678谢谢")
    assert m.subject == "tel:+8613812345678"


def test_names_only_in_clear_contexts() -> None:
    assert kinds("姓名：王小明，电话13812345678")[0] == ("name", "王小明")
    assert ("name", "张先生") in kinds("张先生您好，我是客服")
    assert ("name", "欧阳女士") in kinds("欧阳女士您好")
    # "这里是XX金融" or a product name is no one's name.
    assert [k for k, _ in kinds("这里是平安金融，我们有低息贷款，先生您好")] == []


def test_address_employer_credit() -> None:
    text = "李女士，您住在上海市浦东新区张江路88号3栋201室，在杭州某某科技有限公司上班，负债20万，网贷 5 笔，逾期3次"
    found = kinds(text)
    assert ("address", "上海市浦东新区张江路88号3栋201室") in found
    assert ("employer", "杭州某某科技有限公司") in found
    assert {v for k, v in found if k == "credit"} == {"负债20万", "网贷 5 笔", "逾期3次"}


def test_marketing_phrases_and_questions_are_not_pi() -> None:
    script = "您好，这里是某某金融服务有限公司，我们不看征信，黑户可贷，低息无抵押，征信花了也能办"
    assert kinds(script) == []
    assert kinds("请问您征信有逾期吗？网贷3笔吗") == []
    assert kinds("我征信花了") == [("credit", "我征信花了")]


def test_text_pi_goes_to_the_row_subject() -> None:
    hits = scan_text("王先生您好，您说负债20万，网贷3笔对吧", anchor="tel:+8613712345678")
    assert {(h.subject, h.category) for h in hits} == {("tel:+8613712345678", "identity"),
                                                      ("tel:+8613712345678", "credit")}


def test_excluded_number_is_not_a_subject() -> None:
    hits = scan_text("有需要回电13600000000", anchor="tel:+8613712345678", exclude="tel:+8613600000000")
    assert hits == []


def test_lines_attribute_pi_to_their_own_numbers() -> None:
    chat = "客户1：13812345678 负债20万\n客户2：13912345678 无"
    hits = scan_text(chat)
    credit = {h.subject for h in hits if h.category == "credit"}
    assert credit == {"tel:+8613812345678"}
    assert {h.subject for h in hits if h.category == "contact"} == {"tel:+8613812345678", "tel:+8613912345678"}


def test_pi_without_a_subject_is_unattributed() -> None:
    hits = scan_text("姓名：王小明 负债30万")
    assert hits and all(h.subject is None for h in hits)


def test_unknown_columns_read_by_header() -> None:
    card = make_card()
    extra = json.dumps({"银行卡号": card, "家庭住址": "北京市海淀区中关村大街1号", "备注": "老客户"}, ensure_ascii=False)
    hits = scan_json_cells(extra, anchor="id:" + make_id())
    assert {(h.category, h.sample) for h in hits} == {
        ("property", card),
        ("address", "北京市海淀区中关村大街1号"),
    }
    assert scan_json_cells("not json", None) == []


def test_every_category_is_in_the_thresholds_file() -> None:
    th = default_thresholds()
    used = set(CATEGORY_OF.values()) | {s.category for s in COLUMN_SOURCES}
    assert used <= set(th.categories)
