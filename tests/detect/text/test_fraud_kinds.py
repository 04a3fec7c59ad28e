"""Every fraud kind of the public typology on short texts, and lawful look-alikes that stay clean.

The texts are written here for the test (not taken from any corpus): a scam of each kind must score as
fraud with a hit of its kind; a scam that works only under a borrowed identity (police, customer
service, a bank, a leader or relative, …) must also score as impersonation; lawful notices, signed
marketing with an opt-out and everyday messages that share their words must score as neither.
"""

from __future__ import annotations

import pytest

from qinglian.detect.text.engine import classify_texts
from qinglian.detect.text.rules import FRAUD_KINDS, LABELS

FRAUD, IMP = LABELS.index("fraud"), LABELS.index("impersonation")

# kind -> (texts, whether the scam claims an identity it does not hold)
SCAMS: dict[str, tuple[list[str], bool]] = {
    "police": (
        [
            "我是深圳市公安局刑侦支队的张警官，您的身份证涉嫌一起洗钱案，请配合调查。",
            "您有一张法院传票未领取，详情请按9转人工。",
            "你好，这里是省检察院，你名下的银行卡牵涉一宗诈骗案，需要核查你的资金。",
        ],
        True,
    ),
    "ecommerce_cs": (
        [
            "您好，我是淘宝客服，您买的鞋子有质量问题，我们给您双倍退款，请打开支付宝备用金。",
            "这里是抖音客服，您开通了百万保障服务，如不取消每月扣费300元。",
            "您好，我是顺丰快递的，您的快件丢失了，我们给您理赔500元，请加客服微信。",
        ],
        True,
    ),
    "bank_smishing": (
        [
            "【中国农业银行】您的K宝将于今日失效，请登录 abc-kb.cc 进行升级。",
            "尊敬的工行用户，您的积分可兑换现金300元，请访问 icbc-jf.top 兑换。",
            "您的银行卡已被冻结，请点击 bank-jd.cn 登录解冻。",
        ],
        True,
    ),
    "acquaintance": (
        [
            "我换号了，这是新号，急用钱，先借我5000，明天还你。",
            "我是李局，明天到我办公室一趟。",
            "爸，我手机坏了，这是朋友的手机，学校要交资料费2000，你转到这个卡号上。",
        ],
        True,
    ),
    "credit_record": (["您好，我是京东金融客服，您的校园贷账户未注销，会影响征信，需要配合注销。"], True),
    "military_purchase": (["你好，我们是武警部队后勤部，要采购一批矿泉水，需要你先垫付。"], True),
    "subsidy": (["您有一笔育儿补贴待领取，请扫码 http://bt-lq.cn 申领。"], True),
    "flight": (["您预订的航班因故障取消，请联系客服办理改签，可获300元延误补偿。"], True),
    "loan_fee": (
        [
            "您的贷款已审批，因卡号错误资金被冻结，需交2000解冻金。",
            "专业征信修复，消除逾期记录，下款前先交费。",
            "黑户可贷，不看征信，下款前先交800会员费。",
        ],
        False,
    ),
    "brushing": (["招兼职刷单员，做任务返佣金，本金加佣金立即返还。"], False),
    "investment": (["导师带单，稳赚不赔，日收益5%，进群领取牛股。"], False),
    "romance": (["亲爱的，我发现这个平台有漏洞，你也去充值一点，稳赚。"], False),
    "game_trade": (["免费领皮肤，游戏账号交易被冻结需要交保证金解冻。"], False),
    "prize": (["恭喜您被栏目组抽中幸运观众，领取奖品请先交手续费。"], False),
}

LAWFUL = [
    "【工商银行】您尾号5512的卡12月5日消费支出66.00元，余额1,024.50元。",
    "【建设银行】您的信用卡本期账单已出，请按时还款，以免影响您的个人征信。",
    "【中国银行】您的电子密码器即将到期，请携带身份证到网点免费更换。",
    "【招商银行】您的积分即将清零，可在招商银行APP兑换礼品。回复TD退订",
    "【某某金融】您有一笔额度待领取，登录APP查看，拒收请回复R",
    "【京东】您的订单已发货，如有问题请联系京东客服。",
    "【顺丰速运】您的快件已由前台代收，请及时领取。",
    "【淘宝】您的退款申请已通过，款项已原路退回。",
    "【某某航空】您的航班因天气原因延误，如需改签或退票请拨打官方客服热线。",
    "【某某区人民法院】您的案件定于12月20日开庭，请准时到庭。",
    "【某某公安】反诈提醒：公安机关不会电话办案，不存在安全账户，请勿转账。",
    "【某某税务】您的个税退税已退至您的银行账户。",
    "您的验证码为552130，5分钟内有效，请勿告诉他人。",
    "妈，我换号了，这是新号，存一下。",
    "小张，明天上午到我办公室一趟，把方案带上。",
    "王总，货款今天已经转账给您了，请查收。",
    "爸，学费我已经交过了，不用担心。",
    "【某某会员】您的会员将自动续费，如需取消请在APP中关闭。退订回T",
    "我是派出所的民警老李，你的电动车找到了，明天来所里认领。",
    "央行宣布下调贷款利率，房贷月供会少一些。",
]


def test_every_kind_has_a_scam_here() -> None:
    assert set(SCAMS) == set(FRAUD_KINDS)


@pytest.mark.parametrize(("kind", "text", "claims"), [(k, t, c) for k, (ts, c) in SCAMS.items() for t in ts])
def test_a_scam_of_each_kind_is_fraud_with_its_kind(kind: str, text: str, claims: bool) -> None:
    res = classify_texts([text])
    assert res.scores[0, FRAUD] >= 0.5
    assert kind in {h.kind for h in res.hits[0]}
    if claims:
        assert res.scores[0, IMP] >= 0.5


@pytest.mark.parametrize("text", LAWFUL)
def test_lawful_look_alikes_are_neither_fraud_nor_impersonation(text: str) -> None:
    res = classify_texts([text])
    assert res.scores[0, FRAUD] < 0.5
    assert res.scores[0, IMP] < 0.5


def test_an_implied_claim_is_reported_with_the_scripts_span() -> None:
    """A refund script with no "我是…客服" is the claim itself: impersonation is supported by its hit."""
    from qinglian.detect.text.detectors import TextBatch, impersonation
    from qinglian.detect.text.matcher import default_matcher
    from qinglian.detect.text.model import shipped_model
    from qinglian.detect.text.normalize import normalize_batch
    from qinglian.detect.text.rules import RULES

    norm = normalize_batch(["您购买的商品有质量问题，我们给您三倍理赔，请打开借呗备用金。"])
    matches = default_matcher().find(norm)
    det = impersonation(TextBatch(norm, matches, shipped_model().logits(norm)))
    assert det.scores[0] >= 0.5
    assert "fraud.refund" in {RULES[r].id for r in matches.rule[det.support].tolist()}


def test_a_senders_name_alone_is_no_claim() -> None:
    """A signature or "京东客服" heads every lawful notice: beside a transfer word it is no scam."""
    res = classify_texts(["【工商银行】您尾号1234的卡向张三转账支出500.00元。", "京东客服提醒您：订单已签收。"])
    assert (res.scores[:, FRAUD] < 0.5).all()
    assert (res.scores[:, IMP] < 0.5).all()
