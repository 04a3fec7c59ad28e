"""Each rule: texts that must hit it (including normalisation tricks) and texts that must not."""

from __future__ import annotations

import pytest

from qinglian.detect.text.detectors import DETECTORS
from qinglian.detect.text.engine import classify_texts
from qinglian.detect.text.rules import LABELS, RULES

POSITIVE: dict[str, list[str]] = {
    "marketing.opt_out": ["本店全场五折，退订回T", "新品上市，回TD退订"],
    "marketing.promotion": ["周年庆限时优惠，欢迎来电", "加微信领取福利"],
    "marketing.signature": ["【平安普惠】您有一笔额度待领取", "您的额度已更新【某某金融】"],
    "marketing.callback": ["某某装饰公司感谢您的来电", "众力物流感谢您的垂询！", "感谢您致电某某管业"],
    "marketing.gambling": ["澳门葡京真人娱乐，首存送彩金", "百 家 乐在线玩", "六合彩特码资料", "澳門永利", "欲钱买特马"],
    "marketing.invoice_sale": ["专业代开各类增值税发票", "发票低价代开，验票付款", "提供正规发票", "代开发缥找刘",
                               "如需发***票请拨"],
    "marketing.discount": ["全场满300减50", "买一送一，限量发售", "新品全场七折", "少儿美术班火热招生"],
    "loan.offer": ["急用钱找我们，最高可贷50万", "专业办理贷款，当天放款", "需要资金周转吗"],
    "loan.term": ["月息0.5%的信用卡分期", "贷 款 利息低"],
    "impersonation.bank": ["您好，这里是**金融(银行)", "我是工商银行信用卡中心的", "我们是XX消费金融的客服"],
    "impersonation.masked_bank": ["**银行为您提供服务", "xx金融诚邀您"],
    "impersonation.authority": ["我是市公安局的王警官", "这里是北京市人民法院", "我这边是反诈中心的"],
    "impersonation.platform": ["您好我是支付宝客服", "这里是京东金融客服中心", "我是顺丰快递的理赔专员"],
    "impersonation.acquaintance": ["猜猜我是谁？", "我是你领导，明天来我办公室", "我是你老同学啊"],
    "impersonation.new_number": ["我换号了，存一下", "这是我的新号", "我换 手机号了"],
    "impersonation.bank_customer": ["尊敬的工行用户您的电子密码器将于次日过期", "您的建行卡积分已满万分", "请登录我行网站"],
    "impersonation.regulator": ["我是银保监会的工作人员", "这里是人民银行征信中心"],
    "impersonation.leader": ["我是李局", "我是你舅舅啊", "我是你的老同学", "我是你们王局长"],
    "false_promise.rate": ["低息贷款等你来", "免息分期", "零利息"],
    "false_promise.no_fee": ["免手续费，当天到账", "不收任何费用"],
    "false_promise.no_collateral": ["无抵押信用贷", "無抵押", "无 抵 押"],
    "false_promise.instant": ["秒批秒到", "当天放款", "3小时到账"],
    "false_promise.bad_credit": ["黑户可贷", "不看征信，有身份证就能贷", "不 查 征 信"],
    "false_promise.guaranteed": ["包过包下款", "100%下款", "百分百下款"],
    "credit_packaging.credit_record": ["专业包装征信", "征信修复，逾期消除", "洗 白 征 信"],
    "credit_packaging.documents": ["帮你做流水", "代开收入证明和流水", "包装社保公积金"],
    "pi_exposure.id_number": ["您的身份证号是110101199001011234", "证件号码 11010119900101123X"],
    "pi_exposure.address": ["王先生，您家住在朝阳区幸福小区对吧", "您的住址是海淀区"],
    "pi_exposure.employer": ["您是在华为公司上班吧", "你的单位是市第一医院"],
    "pi_exposure.debts": ["我们查到您名下有三笔网贷逾期", "您目前有信用卡欠款二十万"],
    "pi_exposure.name_address": ["李女士，阳光花园3号楼2单元"],
    "pi_exposure.card_tail": ["您尾号1234的银行卡"],
    "bribery.kickback": ["放款后给信贷经理2个点好处费", "返点按老规矩", "回扣照旧"],
    "bribery.insider": ["我们在银行有内部关系", "走内部渠道审批"],
    "bribery.pay_staff": ["给客户经理包个红包", "要给行长那边请客送礼"],
    "fraud.safe_account": ["请把钱转到安全账户", "您涉嫌洗钱需要配合调查"],
    "fraud.remote_control": ["请打开屏幕共享", "我们远程协助您操作"],
    "fraud.remote_app": ["下载腾讯会议", "安装向日葵"],
    "fraud.upfront_payment": ["先交5000保证金证明还款能力", "需要支付解冻金", "您的银行卡号填写错误导致资金被冻结"],
    "fraud.fee": ["需要先交押金", "缴纳保证金"],
    "fraud.loan_fee": ["贷款到账前需要先交1000元保证金", "提现需要先充值3000"],
    "fraud.refund": ["您购买的商品有质量问题，我们给您办理退款", "理赔需要您打开借呗"],
    "fraud.membership": ["您开通了百万保障", "如果不取消会员每月将扣费"],
    "fraud.credit_record": ["帮您注销校园贷", "需要注销您的京东金条账户否则影响征信"],
    "fraud.credit_threat": ["逾期会影响征信"],
    "fraud.brushing": ["招聘刷单员", "先垫付后返佣金"],
    "fraud.easy_money": ["兼职日结，宝妈在家可做", "日赚300", "点赞关注一单5元"],
    "fraud.investment": ["稳赚不赔的项目", "导师带单"],
    "fraud.investment_terms": ["10倍杠杆", "usdt理财"],
    "fraud.romance": ["亲爱的，这个平台有漏洞", "网恋对象带我去平台投资"],
    "fraud.game_trade": ["游戏账号交易被冻结需要交保证金", "点券免费领取"],
    "fraud.military_purchase": ["我们部队要采购一批物资"],
    "fraud.smishing": ["您的电子密码器将于次日过期请登录我行网站", "积分可兑换现金", "u盾即将过期，请点击链接升级"],
    "fraud.phishing_link": ["您的银行卡已冻结，请登录www.abc.com解冻", "积分即将清零，请点击链接兑换"],
    "fraud.prize": ["恭喜您中奖了", "您被栏目组抽中"],
    "fraud.loan_lure": ["黑户可贷，不看征信", "包下款"],
    "fraud.leader_opener": ["我是你领导，明天来我办公室一趟", "猜猜我是谁"],
    "fraud.new_number": ["我换号了，借我2000", "存一下我的新号"],
    "fraud.acquaintance_ask": ["借我1000，急用", "先帮我转一下", "我在开会不方便接电话，你先转过去", "有点急事需要用钱",
                               "能借我两千吗"],
    "fraud.transfer": ["请告诉我验证码", "马上转账", "把钱转到指定账户"],
    "impersonation.service_name": ["京东客服提醒您", "快递理赔中心通知", "抖音官方客服"],
    "impersonation.bank_signature": ["【建设银行】您的积分可兑换现金", "建行客服提醒您"],
    "impersonation.authority_notice": ["某市公安局通知：您涉嫌一起洗钱案", "您涉嫌诈骗，已被检察院立案"],
    "impersonation.employer": ["我是公司财务", "我是你们单位的人事"],
    "impersonation.relative_phone": ["手机掉水里了，这是同学的手机", "这是我室友的手机"],
    "fraud.summons": ["您有一张法院传票未领取", "传票即将过期，详情请按9"],
    "fraud.police_pressure": ["签署保密协议，不能告诉任何人", "你的涉案资金需要审查"],
    "fraud.cs_money_move": ["客服让我打开借呗验证资金", "会员每月自动扣费800元，如需取消请添加客服微信"],
    "fraud.parcel_claim": ["您的快递丢失，我们给您理赔", "包裹内有违禁品被扣，需交清关费", "您的包裹被海关扣了，需缴纳关税"],
    "fraud.relative_ask": ["妈，学校要交培训费，打到这个卡上", "爸，我住院了，医药费转到这个账户"],
    "fraud.leader_transfer": ["李总：你马上转账给对方", "把钱打到这个账户上"],
    "fraud.loan_fee_terms": ["贷款审核通过，需交解冻金", "额度已批，请先交保证金", "刷流水后即可放款"],
    "fraud.credit_repair": ["专业征信修复", "帮你消除逾期"],
    "fraud.brushing_terms": ["做完任务本金加佣金返还", "连单任务", "卡单了需要再充值"],
    "fraud.investment_lure": ["保证收益，稳赢", "免费荐股", "日收益5%", "带你回血上岸"],
    "fraud.romance_money": ["亲爱的，你也去平台充值吧", "宝贝，这个彩票稳赚"],
    "fraud.game_lure": ["免费领皮肤", "游戏充值未成年可以退款，加qq办理", "账号被冻结，解冻需交500"],
    "fraud.subsidy": ["您有一笔社保补贴待领取，点击链接", "个税退税请扫码"],
    "fraud.flight_change": ["您的航班已取消，可获得300元补偿", "航班故障停飞，改签费由我们承担"],
    "impersonation.office": ["明天来我办公室一趟"],
    "fraud.office": ["明天到我办公室一趟"],
    "fraud.accusation": ["您涉嫌一起洗钱案", "你的银行卡涉及非法资金"],
    "fraud.loan_link": ["您的备用金额度已到账，请点击链接领取", "恭喜获得信用贷资格，添加客服qq办理"],
    "fraud.platform_deposit": ["买家已付款，需缴纳保证金才能提现", "您未缴纳保证金，资金已冻结无法提现"],
    "fraud.police_money": ["这里是市公安局，你的银行账户被用来洗钱", "您名下的银行卡已被警方冻结"],
    "fraud.guided": ["请按我说的操作", "配合客服操作就可以退款"],
    "fraud.rate_cut": ["您的白条利率过高，需要降息请联系客服", "您的借呗利率过高，根据国家政策降息，请配合操作"],
    "fraud.police_contact": ["我是公安局的，请加我QQ配合调查", "我是派出所的，请尽快回电"],
}

NEGATIVE: dict[str, list[str]] = {
    "marketing.opt_out": ["今天开会讨论订单"],
    "marketing.promotion": ["明天一起吃饭吧"],
    "marketing.signature": ["我在【会议室】等你", "妈妈说晚上回家吃饭"],
    "marketing.callback": ["刚才的来电是我打的", "感谢您的帮助"],
    "marketing.gambling": ["周末去棋盘山玩", "这个彩票没中", "我在永利五金上班", "汉中特产真好吃"],
    "marketing.invoice_sale": ["您的电子发票已开具，请查收", "报销要附发票原件", "走路脚下发飘"],
    "marketing.discount": ["这件衣服打了折还是贵", "减肥送你一本书", "学校明年扩大招生", "满3人减免门票"],
    "loan.offer": ["我今天去银行办事", "晚上借本书给我"],
    "loan.term": ["天气真好"],
    "impersonation.bank": ["我是小王，明天见", "我明天去银行存钱"],
    "impersonation.masked_bank": ["工商银行营业厅"],
    "impersonation.authority": ["我去派出所办身份证", "法院今天开庭"],
    "impersonation.platform": ["我在淘宝买了件衣服"],
    "impersonation.acquaintance": ["我是你同事小张，文件发你了", "我换号了，存一下"],
    "impersonation.new_number": ["我换了个新手机，号没变", "号码换成新的套餐了"],
    "impersonation.bank_customer": ["我明天去银行", "尊敬的客户您好"],
    "impersonation.regulator": ["人民银行发布了新规定"],
    "impersonation.leader": ["我是小王，明天见", "我是总是迟到的那个"],
    "false_promise.rate": ["利息按合同执行", "利率以审批为准"],
    "false_promise.no_fee": ["手续费按规定收取"],
    "false_promise.no_collateral": ["抵押登记已办"],
    "false_promise.instant": ["批准需要三个工作日"],
    "false_promise.bad_credit": ["请保持良好的征信记录"],
    "false_promise.guaranteed": ["审批结果以银行为准", "过年包饺子"],
    "credit_packaging.credit_record": ["个人征信报告可在人民银行查询", "衣服洗干净了"],
    "credit_packaging.documents": ["礼品包装很好看", "河水流水声"],
    "pi_exposure.id_number": ["身份证请带原件", "订单号12345"],
    "pi_exposure.address": ["我家住在北京"],
    "pi_exposure.employer": ["我在公司上班"],
    "pi_exposure.debts": ["我有点累"],
    "pi_exposure.name_address": ["王先生您好"],
    "pi_exposure.card_tail": ["尾款已付"],
    "bribery.kickback": ["谢谢你的帮助"],
    "bribery.insider": ["内部会议纪要"],
    "bribery.pay_staff": ["给经理汇报工作"],
    "fraud.safe_account": ["账户余额充足"],
    "fraud.remote_control": ["明天开会"],
    "fraud.remote_app": ["明天开会"],
    "fraud.upfront_payment": ["付款后发货"],
    "fraud.transfer": ["周末去公园", "您的验证码是1234"],
    "fraud.fee": ["付款后发货"],
    "fraud.loan_fee": ["贷款已结清"],
    "fraud.refund": ["您的退款已到账"],
    "fraud.membership": ["会员到期了"],
    "fraud.credit_record": ["征信报告可以在人民银行查询"],
    "fraud.credit_threat": ["请按时还款"],
    "fraud.brushing": ["刷牙洗脸"],
    "fraud.easy_money": ["明天去兼职"],
    "fraud.investment": ["投资有风险"],
    "fraud.investment_terms": ["今天天气好"],
    "fraud.romance": ["交友要谨慎"],
    "fraud.game_trade": ["打游戏去"],
    "fraud.military_purchase": ["我在部队当兵"],
    "fraud.smishing": ["积分可以兑换礼品", "您的电子密码器还有30天到期，请到网点免费更换"],
    "fraud.phishing_link": ["银行卡已激活"],
    "fraud.prize": ["中午吃什么"],
    "fraud.loan_lure": ["请保持良好的征信记录"],
    "fraud.leader_opener": ["我是你同事小张", "我换号了"],
    "fraud.new_number": ["新号码套餐办好了"],
    "fraud.acquaintance_ask": ["转发给我", "有事打给我13800000000"],
    "impersonation.service_name": ["我在淘宝买了件衣服", "客服电话是多少"],
    "impersonation.bank_signature": ["我在银行上班", "【通知】明天开会"],
    "impersonation.authority_notice": ["我去派出所办身份证", "法院今天开庭"],
    "impersonation.employer": ["我是小王", "我是财务专业的学生"],
    "impersonation.relative_phone": ["手机坏了，明天去修", "这是我的手机号"],
    "fraud.summons": ["法院送达了开庭通知", "传真机坏了"],
    "fraud.police_pressure": ["这件事不要告诉妈妈", "保密工作很重要"],
    "fraud.cs_money_move": ["客服态度很好", "已帮您取消订单", "会员将自动续费，如需取消请在设置中关闭"],
    "fraud.parcel_claim": ["快递已签收", "包裹已放驿站"],
    "fraud.relative_ask": ["妈，学费我交过了", "爸，今晚回家吃饭"],
    "fraud.leader_transfer": ["老板说下午把货款转账给供应商", "王总今天来开会"],
    "fraud.loan_fee_terms": ["贷款无需押金", "贷款已结清，保证金已退"],
    "fraud.credit_repair": ["个人征信报告可在人民银行查询"],
    "fraud.brushing_terms": ["本金和利息按期归还", "任务完成了"],
    "fraud.investment_lure": ["投资有风险，收益不保证", "今年收益一般"],
    "fraud.romance_money": ["亲爱的，晚上吃什么", "宝贝生日快乐"],
    "fraud.game_lure": ["游戏充值成功", "免费领取停车券"],
    "fraud.subsidy": ["稳岗补贴已发放，详情请登录 www.rsj.gov.cn 查询", "退税已到账"],
    "fraud.flight_change": ["航班因天气原因延误，如需改签请拨打95530", "机票已出票"],
    "impersonation.office": ["办公室在三楼"],
    "fraud.office": ["我在办公室"],
    "fraud.accusation": ["您的车辆涉嫌交通违法，请及时处理", "他涉嫌洗钱被抓了"],
    "fraud.loan_link": ["您的借款已放款至尾号1234的银行卡", "您有一笔额度待领取，登录APP查看"],
    "fraud.platform_deposit": ["买家已付款，请尽快发货", "押金已退还"],
    "fraud.police_money": ["民警帮我找回了丢失的钱包", "派出所在人民路"],
    "fraud.guided": ["请按提示操作", "按说明书操作"],
    "fraud.rate_cut": ["央行宣布降息", "房贷利率下调了", "本期国债票面利率下调，详情请联系客户经理"],
    "fraud.police_contact": ["我是派出所的民警，你丢的钱包找到了，来所里领一下", "民警提醒：请下载国家反诈中心APP"],
}


def _rules(text: str) -> set[str]:
    return {h.rule for h in classify_texts([text]).hits[0]}


def test_every_rule_has_examples() -> None:
    ids = {r.id for r in RULES}
    assert set(POSITIVE) == ids
    assert set(NEGATIVE) == ids


@pytest.mark.parametrize(("rule", "text"), [(r, t) for r, ts in POSITIVE.items() for t in ts])
def test_rule_hits(rule: str, text: str) -> None:
    assert rule in _rules(text)


@pytest.mark.parametrize(("rule", "text"), [(r, t) for r, ts in NEGATIVE.items() for t in ts])
def test_rule_does_not_hit(rule: str, text: str) -> None:
    assert rule not in _rules(text)


def test_spans_point_at_the_original_words() -> None:
    text = "【某某金融】急需资金？贷 款无抵押，黑户可贷，回T退订"
    res = classify_texts([text])
    quoted = {h.rule: text[h.start : h.end] for h in res.hits[0]}
    assert quoted["false_promise.no_collateral"] == "无抵押"
    assert quoted["false_promise.bad_credit"] == "黑户可贷"
    assert quoted["loan.term"] == "贷 款"
    assert quoted["marketing.opt_out"] in ("退订", "回T")


def test_scores_for_a_typical_loan_robocall_script() -> None:
    text = (
        "您好，这里是**金融(银行)，我们查到您名下有信用卡欠款，现在可以办理无抵押低息贷款，不看征信，当天放款"
    )
    labels = classify_texts([text]).labels(0)
    assert set(labels) == set(LABELS)
    for label in ("loan", "impersonation", "false_promise", "pi_exposure"):
        assert labels[label] >= 0.5, label
    assert labels["bribery"] < 0.5
    assert labels["credit_packaging"] < 0.5


def test_plain_messages_score_low() -> None:
    labels = classify_texts(["妈，我今晚加班，不回家吃饭了"]).labels(0)
    assert max(labels.values()) < 0.5


def test_detectors_are_declared_with_docs() -> None:
    assert [d.label for d in DETECTORS] == list(LABELS)
    for d in DETECTORS:
        assert d.doc and d.doc.endswith("."), d.label
        assert all(r.label == d.label for r in d.rules)


def test_prefilters_never_change_the_matches(shared_data: object) -> None:
    """Pattern rules with a pre-filter find exactly what they find without it."""
    import dataclasses

    from qinglian.detect.text.matcher import Matches, build_matcher, default_matcher
    from qinglian.detect.text.normalize import normalize_batch
    from qinglian.training import corpora

    texts = corpora.cn_sms_spam().texts[:3000] + [t for ts in POSITIVE.values() for t in ts]
    norm = normalize_batch(texts)
    plain = build_matcher(tuple(dataclasses.replace(r, requires=()) for r in RULES))

    def key(m: Matches) -> list[tuple[int, int, int, int]]:
        return sorted(zip(m.text.tolist(), m.rule.tolist(), m.start.tolist(), m.end.tolist(), strict=True))

    assert key(default_matcher().find(norm)) == key(plain.find(norm))


def test_short_everyday_replies_are_not_flagged() -> None:
    res = classify_texts(["你好", "好的", "收到", "在吗", "谢谢"])
    assert (res.scores < 0.5).all()


def test_bare_contact_lines_are_no_evidence_of_marketing() -> None:
    """A line of only contact details offers nothing; once it offers something it is judged as usual."""
    bare = ["联系电话：13800000000", "咨询热线 0571-88888888 王经理", "QQ：1179805307", "报名电话18800000000"]
    offers = ["全场五折，咨询电话13800000000", "【某某装饰】咨询热线13800000000，退订回T"]
    res = classify_texts(bare + offers)
    m = LABELS.index("marketing")
    assert (res.scores[: len(bare), m] < 0.5).all()
    assert (res.scores[len(bare) :, m] >= 0.5).all()


def test_bare_contact_detection() -> None:
    from qinglian.detect.text.detectors import bare_contact
    from qinglian.detect.text.normalize import normalize_batch

    texts = [
        "联系电话：13800000000",
        "招聘热线：13600000000陈小姐",
        "加我微信abc123手机13800000000",
        "电话xxxxxxxxxxx/xxxxxxxxxxx",
        "你好",  # no number
        "18000000000欢迎来电骚扰",  # more than a name besides the number
        "本店开业大酬宾，电话13800000000",
    ]
    assert bare_contact(normalize_batch(texts)).tolist() == [True, True, True, True, False, False, False]


def test_a_contact_line_that_names_a_loan_is_still_judged() -> None:
    """The model keeps its say over a loan hotline; a plain hotline gets the prior."""
    import numpy as np

    from qinglian.detect.text.detectors import TextBatch, marketing
    from qinglian.detect.text.matcher import default_matcher
    from qinglian.detect.text.normalize import normalize_batch

    texts = ["贷款热线13800000000", "服务热线13800000000"]
    res = classify_texts(texts)
    m = LABELS.index("marketing")
    assert res.labels(0)["loan"] >= 0.5
    assert res.scores[1, m] < 0.05  # prior -4 plus the hotline word: about 0.047
    # whatever the shipped model says, a model sure of an ad carries the loan line, not the plain one
    norm = normalize_batch(texts)
    sure = TextBatch(norm, default_matcher().find(norm), {"marketing": np.array([4.0, 4.0])})
    scores = marketing(sure).scores
    assert scores[0] > 0.9 > 0.05 > scores[1]


def test_every_fraud_kind_has_rules_and_hits_carry_the_kind() -> None:
    from qinglian.detect.text.rules import FRAUD_KINDS

    assert {r.kind for r in RULES if r.kind} == set(FRAUD_KINDS)
    hits = classify_texts(["这里是市公安局，您涉嫌洗钱，请把资金转到安全账户"]).hits[0]
    assert {h.kind for h in hits if h.rule == "fraud.safe_account"} == {"police"}
    assert all(h.kind is None for h in hits if h.rule == "fraud.transfer")


def test_a_claim_beside_a_scam_is_impersonation_and_fraud() -> None:
    """A bank or platform naming itself is lawful; the same claim running a scam is not."""
    scams = [
        "尊敬的工行用户您的电子密码器将于次日过期请登录我行网站www.icbc-xx.com进行升级",
        "您的建行卡积分已满万分可兑换现金，访问手机网wap.ccb-xx.com查询兑换，逾期失效",
        "我是淘宝客服，您购买的衣服有质量问题，我们给您双倍理赔，请打开屏幕共享",
        "我是李局，借我1000，急用",
    ]
    lawful = [
        "【工商银行】尊敬的客户，您尾号1234的卡12月3日支出45.00元，余额1,203.66元。",
        "【某某银行】尊敬的客户，您的信用卡本期账单已出，请按时还款，以免影响您的个人征信。",
    ]
    res = classify_texts(scams + lawful)
    i, f = LABELS.index("impersonation"), LABELS.index("fraud")
    assert (res.scores[: len(scams), i] >= 0.5).all()
    assert (res.scores[: len(scams), f] >= 0.5).all()
    assert (res.scores[len(scams) :, i] < 0.5).all()
    assert (res.scores[len(scams) :, f] < 0.5).all()


def test_a_new_number_alone_is_no_impersonation_but_opens_a_scam_beside_a_claim_or_ask() -> None:
    """A real friend says "I changed my number" too; with a money request or a claimed tie it is the
    acquaintance scam's opener."""
    alone = ["我换号了", "我换号了，存一下", "妈，我换号了，这是我新号"]
    scams = ["我换号了，借我2000急用", "我换号了，我是你老同学", "我换号了，我是李局", "我换号了，先帮我转一下，我在开会"]
    res = classify_texts(alone + scams)
    i, f = LABELS.index("impersonation"), LABELS.index("fraud")
    assert (res.scores[: len(alone), i] < 0.5).all()
    assert (res.scores[: len(alone), f] < 0.5).all()
    assert all("impersonation.new_number" in {h.rule for h in hits} for hits in res.hits[: len(alone)])
    assert (res.scores[len(alone) :, i] >= 0.5).all()
    assert (res.scores[[len(alone), len(alone) + 3], f] >= 0.5).all()  # the money requests


def test_anti_fraud_warnings_are_not_scams() -> None:
    from qinglian.detect.text.detectors import anti_fraud_warning
    from qinglian.detect.text.normalize import normalize_batch

    warning = "【某某公安】反诈提醒：凡是要求把钱转到安全账户的都是诈骗，请勿相信。"
    scam = "您的账户涉嫌诈骗洗钱，请立即把资金转到安全账户配合调查。"
    assert anti_fraud_warning(normalize_batch([warning, scam])).tolist() == [True, False]
    res = classify_texts([warning, scam])
    f = LABELS.index("fraud")
    assert res.scores[0, f] < 0.5 <= res.scores[1, f]
    assert "fraud.safe_account" in {h.rule for h in res.hits[0]}  # still reported as what it is
