"""Transactional notices: recognised by kind, not marketing unless they offer something."""

from __future__ import annotations

import pytest

from qinglian.detect.text.engine import classify_texts
from qinglian.detect.text.normalize import normalize, normalize_batch
from qinglian.detect.text.notices import NOTICE_PATTERNS, is_notice, notice_kind
from qinglian.detect.text.rules import LABELS, RULES
from qinglian.training.synthetic import notices

KINDS = {
    "verification_code": "【某某】验证码408213，5分钟内有效，请勿泄露。",
    "account_movement": "【某某银行】您尾号4410的储蓄卡12月1日转入人民币3,000.00元，余额3,512.20元。",
    "delivery": "【某某快递】您的包裹已到驿站，取件码3-1-2045，请及时领取。",
    "bill": "您的信用卡本期账单金额1,020.00元，到期还款日12月20日。",
    "booking": "【某某航空】您的MU1234航班12月9日08:00起飞，请提前办理值机。",
    "outage": "【某某物业】明天8点至12点二号楼停水检修。",
    "public_service": "【某某社保】您的社保卡已制作完成，请到街道服务中心领取。",
}

NOT_NOTICES = [
    "凡进店消费满300元送50元代金券，欢迎光临！",  # a promotion quotes amounts too
    "恭喜！您的手机号已被栏目组抽选为二等奖，验证码【8888】登录领取",  # a prize scam's "code"
    "本产品按月循环理财，每月账户资金自动投资、到账和收益分配",  # an investment ad
    "明天一起吃饭吧",
]


def test_patterns_cover_every_kind() -> None:
    assert set(KINDS) == {kind for kind, _ in NOTICE_PATTERNS}


@pytest.mark.parametrize(("kind", "text"), list(KINDS.items()))
def test_each_kind_is_recognised(kind: str, text: str) -> None:
    assert notice_kind(normalize(text).text) == kind


def test_offers_and_lures_are_not_notices() -> None:
    assert not is_notice(normalize_batch(NOT_NOTICES)).any()


def test_a_notice_with_a_signature_is_not_marketing() -> None:
    res = classify_texts(list(KINDS.values()))
    assert (res.scores[:, LABELS.index("marketing")] < 0.5).all()
    # the signature is still reported as what it is
    assert "marketing.signature" in {h.rule for h in res.hits[0]}


def test_a_notice_that_also_offers_something_is_still_marketing() -> None:
    text = "【某某银行】您尾号4410的储蓄卡转入3,000.00元，余额3,512.20元。现办信用卡享优惠，退订回T"
    assert notice_kind(normalize(text).text) == "account_movement"
    assert classify_texts([text]).labels(0)["marketing"] >= 0.5


def test_generated_notices_are_reproducible_varied_and_offer_nothing() -> None:
    a, b = notices(500), notices(500)
    assert a == b
    assert notices(500, seed=1) != a
    assert len(set(a)) > 450
    # no generated notice makes an offer any marketing rule (but the signature) would see
    offer_ids = {r.id for r in RULES if r.label == "marketing" and r.id != "marketing.signature"}
    hits = classify_texts(a).hits
    assert not [h.rule for hs in hits for h in hs if h.rule in offer_ids]


def test_prefilter_never_changes_the_result(shared_data: object) -> None:
    from qinglian.training import corpora

    texts = normalize_batch(
        corpora.cn_sms_spam().texts + notices(2000) + list(KINDS.values()) + NOT_NOTICES
    )
    with_prefilter = is_notice(texts)
    assert with_prefilter.sum() > 1000  # enough recognised notices for the comparison to mean something
    assert (with_prefilter == is_notice(texts, prefilter=False)).all()
