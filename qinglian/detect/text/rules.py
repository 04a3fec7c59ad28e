"""Explainable rules, declared as data: each has an id, the label it supports, its weight, the
provisions it falls under (ids in qinglian/laws/laws.yaml) and the words or pattern it matches.

Rules match the *normalised* text (see normalize.py): digits are ``#``, ASCII is lower case,
traditional characters are simplified and spacing tricks are gone, so a keyword is written once in
its plain simplified form. Keyword rules run through one Aho-Corasick automaton; pattern rules are
regular expressions that never cross a newline.

``weight`` is added to the label's log-odds for each distinct rule that matches a text: about 5 is
enough on its own to pass 0.5 for a rules-only label (prior -4), about 2-3 needs company.
"""

from __future__ import annotations

from dataclasses import dataclass

from qinglian.labels import LABELS

__all__ = ["LABELS", "RULES", "Rule", "rules_for"]


@dataclass(frozen=True)
class Rule:
    """One explainable rule: the words or pattern that show a label, and the law it points to."""

    id: str
    label: str
    weight: float
    laws: tuple[str, ...]
    doc: str
    keywords: tuple[str, ...] = ()
    pattern: str | None = None
    # words of which one must occur for ``pattern`` to be tried (a fast pre-filter, not a match)
    requires: tuple[str, ...] = ()
    kind: str | None = None  # the kind of fraud (a key of FRAUD_KINDS) the rule is a sign of
    # a scam script that works only under a borrowed identity (a refund from "customer service", a
    # safe account for the "police"): in a text judged a scam it is an impersonation claim itself
    claims_identity: bool = False


_UNSOLICITED = ("adlaw.43", "cpl.29", "sms_rules.18")
# Signs that a text is commercial, never a breach by themselves: an opt-out line and a sender's
# signature are what Advertising Law Art. 43 requires, and the word 贷款 is no offer. Sending without
# consent is decided by the charges stage from who received the message (qinglian/charges).
_SIGN_ONLY: tuple[str, ...] = ()
_FALSE = ("adlaw.28", "aucl.false_publicity")
_PI = ("pipl.10", "pipl.13", "cpl.29", "criminal.253-1")
_SAY = "(?:这里是|这边是|我是|我们是|我这边是|我们这边是|我这里是|本人是|我们这里是)"
_SAY_WORDS = ("这里是", "这边是", "我是", "我们是", "本人是")
_NOPUNCT = "[^\\n,。，!！?？;；]"
# a bank by name or short name, as scam SMS write it ("工行", "建行", "XX银行")
_BANK = "(?:[\u4e00-\u9fff]{0,4}银行|工行|建行|农行|中行|招行|交行|邮储|信用社|农信社)"

# "This is my new number": what acquaintance scams open with and real friends say too
NEW_NUMBER: tuple[str, ...] = (
    "我换号了",
    "我换号码了",
    "我换新号码了",
    "我换新号了",
    "我换手机号了",
    "这是我的新号",
    "这是我新号",
    "我的新号码",
    "存一下我的新号",
    "存下我的新号",
    "保存我的新号",
    "这是我新换的号",
    "存一下这个号",
    "这是我新微信",
    "这是我的新微信",
    "我的新微信",
    "加我新微信",
    "加一下我的新微信",
    "这是我新qq",
    "我的新qq",
)

# "Come to my office tomorrow": the leader scam's opener, and what a real boss says too
OFFICE_SUMMONS: tuple[str, ...] = (
    "明天来我办公室",
    "明天到我办公室",
    "明早来我办公室",
    "明天上午来我办公室",
    "明天上午到我办公室",
    "来我办公室一趟",
    "到我办公室一趟",
)

# The kinds of telecom and online fraud that rules recognise: the common types the Ministry of Public
# Security publishes, plus bank smishing and prize scams. Hits carry the kind of their rule.
FRAUD_KINDS: dict[str, str] = {
    "brushing": "刷单返利",
    "investment": "虚假投资理财",
    "loan_fee": "虚假网络贷款（贷款手续费、解冻费）",
    "ecommerce_cs": "冒充电商物流客服（退款、理赔、取消会员）",
    "police": "冒充公检法（安全账户、洗钱、通缉）",
    "credit_record": "虚假征信、注销校园贷",
    "acquaintance": "冒充领导、熟人",
    "game_trade": "网络游戏虚假交易",
    "romance": "网络婚恋交友（杀猪盘）",
    "military_purchase": "冒充军警购物",
    "bank_smishing": "冒充银行钓鱼短信（密码器过期、积分兑换）",
    "prize": "虚假中奖",
    "subsidy": "虚假补贴、退税、退费",
    "flight": "机票改签、航班取消理赔",
}

RULES: tuple[Rule, ...] = (
    # -- marketing ------------------------------------------------------------------------------
    Rule(
        "marketing.opt_out",
        "marketing",
        3.0,
        _SIGN_ONLY,
        "The message carries an unsubscribe instruction, the mark of a bulk commercial SMS.",
        keywords=("退订", "回t", "回td", "回复t", "回复td", "拒收请回", "退订回"),
    ),
    Rule(
        "marketing.promotion",
        "marketing",
        1.0,
        _UNSOLICITED,
        "The text advertises an offer: discounts, limited-time deals, hotlines, 'add WeChat'.",
        keywords=(
            "优惠",
            "促销",
            "特价",
            "折起",
            "限时",
            "免费领取",
            "详询",
            "咨询热线",
            "欢迎来电",
            "欢迎致电",
            "加微信",
            "加微",
            "欢迎光临",
            "欢迎您的光临",
            "欢迎惠顾",
            "欢迎选购",
            "欢迎订购",
            "欢迎前来",
            "开业",
            "火爆",
            "抢购",
            "惊喜",
            "钜惠",
            "热线",
            "主营",
            "诚邀",
            "回馈",
            "大酬宾",
            "酬宾",
            "新店",
            "全场",
            "特惠",
            "团购",
            "报名",
            "咨询电话",
            "联系电话",
        ),
    ),
    Rule(
        "marketing.signature",
        "marketing",
        1.5,
        _SIGN_ONLY,
        "The message opens or closes with a sender signature in 【】, as platform SMS do.",
        pattern="^【[^】\\n]{2,16}】|【[^】\\n]{2,16}】$",
        requires=("【",),
    ),
    Rule(
        "marketing.callback",
        "marketing",
        3.0,
        _UNSOLICITED,
        "A business thanks the recipient for a call: the 'hang-up SMS' (挂机短信) sent as an advertisement after a call.",
        keywords=(
            "感谢您的来电",
            "感谢您来电",
            "感谢您的垂询",
            "感谢您的致电",
            "谢谢您的来电",
            "欢迎您的来电",
            "感谢致电",
            "感谢来电",
            "感谢您致电",
            "谢谢您致电",
            "谢谢致电",
        ),
    ),
    Rule(
        "marketing.gambling",
        "marketing",
        2.5,
        _UNSOLICITED,
        "The text advertises gambling: online casinos, casino brands, bonus credit, lottery 'tips'.",
        keywords=(
            "娱乐城",
            "博彩",
            "百家乐",
            "彩金",
            "棋牌",
            "葡京",
            "威尼斯人",
            "真人娱乐",
            "真人荷官",
            "特码",
            "六合彩",
            "网上赌场",
            "线上赌场",
            "堵场",
            "澳门永利",
            "永利娱乐",
            "欲钱",
            "特马",
        ),
    ),
    Rule(
        "marketing.invoice_sale",
        "marketing",
        3.0,
        _UNSOLICITED,
        "The text offers invoices for sale or to be issued on another's behalf (代开发票), an illegal trade.",
        # 发票 is also written with a homophone (发漂, 发缥) or with digits between its characters
        pattern="代开[^\\n,。!?;]{0,8}发票|发票[^\\n,。!?;]{0,6}(?:代开|出售|点数|低价)|(?:出售|提供|代开)(?:各类|各种|正规)?发票"
        "|(?:代|玳)开发(?:漂|缥|瞟)|发#+票|开票抬头",
        requires=("发票", "发漂", "发缥", "发瞟", "发#", "开票抬头"),
    ),
    Rule(
        "marketing.discount",
        "marketing",
        2.0,
        _UNSOLICITED,
        "The text announces a price offer or an enrolment drive: spend-and-save (满300减50), buy one get "
        "one, storewide or from-x discounts, 'now enrolling'.",
        pattern="满#+元?减#+|买#+送#+|买一送一|(?:全场|一律|低至|全部)[一二三四五六七八九#.]{1,3}折"
        "|火热招生",
        requires=("减", "送", "折", "火热招生"),
    ),
    # -- loan -----------------------------------------------------------------------------------
    Rule(
        "loan.offer",
        "loan",
        3.0,
        _UNSOLICITED,
        "The text offers a loan or credit: lending, amounts that can be borrowed, disbursement.",
        keywords=(
            "办理贷款",
            "贷款服务",
            "可贷",
            "最高可贷",
            "放款",
            "下款",
            "借款",
            "借钱",
            "急用钱",
            "资金周转",
            "资金需求",
            "用钱",
            "信用贷",
            "无抵押贷",
            "抵押贷",
            "经营贷",
            "消费贷",
            "网贷",
            "贷款额度",
            "申请贷款",
            "快速贷款",
            "提额",
            "办信用卡",
            "办理信用卡",
            "大额信用卡",
            "垫资",
            "过桥",
            "额度高",
            "贷款需求",
            "需要贷款",
            "口子",
        ),
    ),
    Rule(
        "loan.term",
        "loan",
        1.0,
        _SIGN_ONLY,
        "The text talks about loans or credit products (interest, instalments, credit cards).",
        keywords=(
            "贷款",
            "信用卡",
            "额度",
            "利息",
            "月息",
            "年化",
            "分期",
            "授信",
            "按揭",
            "融资",
            "车贷",
            "房贷",
            "贷款中介",
            "助贷",
            "借贷",
        ),
    ),
    # -- impersonation --------------------------------------------------------------------------
    # An identity claim is evidence of impersonation; a claim a lawful sender also makes (a bank or
    # platform naming itself) needs a scam sign beside it (detectors.impersonation).
    Rule(
        "impersonation.bank",
        "impersonation",
        4.0,
        ("aucl.confusion", "adlaw.28"),
        "The caller or sender presents as a bank or licensed financial institution.",
        pattern=_SAY
        + _NOPUNCT
        + "{0,12}?(?:银行|信用社|农商行|信用卡中心|消费金融|银联|金融|信贷部|信贷中心)",
        requires=_SAY_WORDS,
    ),
    Rule(
        "impersonation.masked_bank",
        "impersonation",
        2.0,
        ("aucl.confusion", "adlaw.28"),
        "The text names a bank or finance company with its name masked (**银行, xx金融).",
        pattern="#{2,}(?:银行|金融|贷款|信贷)",
        requires=("#银行", "#金融", "#贷款", "#信贷"),
    ),
    Rule(
        "impersonation.bank_customer",
        "impersonation",
        2.5,
        ("criminal.266",),
        "The sender writes as a bank to its customer ('尊敬的工行用户', '您的建行卡', '我行'): "
        "a bank's own notices do too, so it counts only beside a scam sign.",
        pattern="尊敬的" + _NOPUNCT + "{0,8}?" + _BANK + _NOPUNCT + "{0,6}?(?:用户|客户|持卡人|会员|储户)"
        "|(?:您|你)的" + _BANK + "(?:卡|账户|信用卡|储蓄卡|借记卡|网银|积分)|我行",
        requires=("尊敬的", "您的", "你的", "我行"),
        kind="bank_smishing",
    ),
    Rule(
        "impersonation.authority",
        "impersonation",
        2.5,
        ("criminal.279", "criminal.266"),
        "The caller presents as police, a court, a procuratorate or another government body: a real "
        "officer says so too (a found wallet), so it counts beside a scam sign.",
        pattern=_SAY
        + _NOPUNCT
        + "{0,12}?(?:公安|警察|警官|民警|派出所|刑警|刑侦|经侦|网警|特警|反诈中心|法院|法官|检察院|检察官"
        "|公检法|国安|国家安全|安全局|监管局|社保局|医保局|税务局|海关|市场监管)",
        requires=_SAY_WORDS,
        kind="police",
    ),
    Rule(
        "impersonation.regulator",
        "impersonation",
        4.5,
        ("criminal.279", "criminal.266"),
        "The caller presents as a financial regulator or the credit reference centre (银保监, 人民银行, 征信中心), "
        "which do not call consumers about their accounts.",
        pattern=_SAY
        + _NOPUNCT
        + "{0,12}?(?:人民银行|央行|银保监|银监|证监|金融监管|金融监督管理|征信中心|征信管理|互联网金融协会)",
        requires=_SAY_WORDS,
        kind="credit_record",
    ),
    Rule(
        "impersonation.platform",
        "impersonation",
        2.5,
        ("aucl.confusion", "criminal.266"),
        "The caller presents as the customer service of a platform, courier or payment app.",
        pattern=_SAY
        + _NOPUNCT
        + "{0,12}?(?:客服|售后|理赔|支付宝|微信支付|财付通|京东|美团|淘宝|天猫|抖音|快手|拼多多|闲鱼|唯品会"
        "|苏宁|携程|去哪儿|铁路|航空|快递|物流|顺丰|中通|圆通|申通|韵达|邮政|ems|菜鸟|借呗|花呗|白条|金条|微粒贷"
        "|平台)|(?:客服|售后)(?:专员|人员)?(?:工号|编号)(?:是|为)?#",
        requires=(*_SAY_WORDS, "工号", "编号"),
        kind="ecommerce_cs",
    ),
    Rule(
        "impersonation.acquaintance",
        "impersonation",
        5.0,
        ("criminal.266",),
        "The caller poses as a leader, relative or old friend ('guess who I am', 'I am your leader').",
        keywords=(
            "猜猜我是谁",
            "你猜我是谁",
            "猜我是谁",
            "猜猜我是哪个",
            "你猜我是哪位",
            "听出来我是谁",
            "听不出来我是谁",
            "听不出我是谁",
            "听出我是谁",
            "知道我是谁吗",
            "我是你领导",
            "我是你的领导",
            "我是你老同学",
            "我是你的老同学",
            "我是你上司",
        ),
        kind="acquaintance",
    ),
    # "I changed my number" opens acquaintance scams, but a real friend sends it too: a claim that
    # counts only beside a scam sign or another claim (detectors.impersonation).
    Rule(
        "impersonation.new_number",
        "impersonation",
        2.0,
        ("criminal.266",),
        "The sender says this is their new number ('我换号了', '存一下我的新号'): the opener of "
        "acquaintance scams, and what a real friend says too, so it counts beside a scam sign.",
        keywords=NEW_NUMBER,
        kind="acquaintance",
    ),
    Rule(
        "impersonation.office",
        "impersonation",
        2.0,
        ("criminal.266",),
        "The sender summons the person to 'my office' ('明天来我办公室一趟'): the leader scam's opener, "
        "and what a real boss says too, so it counts beside a claim or a scam sign.",
        keywords=OFFICE_SUMMONS,
        kind="acquaintance",
    ),
    Rule(
        "impersonation.leader",
        "impersonation",
        2.5,
        ("criminal.266",),
        "The sender names himself by a title or a family tie to the recipient ('我是李局', '我是你舅舅'): "
        "a customer says '我是李总' too, so it counts beside a scam sign.",
        pattern="我是(?:你们|您们|你|您)?的?[\u4e00-\u9fff]?(?:总|局长|局|书记|主任|处长|科长|厅长|部长|董事长|董|校长|院长"
        "|所长|行长|老板|领导|上司)(?![\u4e00-\u9fff]{2})"
        "|我是(?:你|您)的?(?:老|大学|高中|初中|小学)?(?:同学|同事|领导|老板|上司|舅舅|叔叔|表哥|表姐|表弟|表妹"
        "|姑姑|阿姨|大伯|堂哥|堂姐|战友|老乡|老朋友|老师|班主任|辅导员|儿子|女儿|孩子|侄子)",
        requires=("我是",),
        kind="acquaintance",
    ),
    # Claims written as a sender's name rather than a sentence ("京东客服：…", "【工商银行】…",
    # "XX市公安局通知：…"): lawful senders write so too, so these count only beside a scam sign.
    Rule(
        "impersonation.service_name",
        "impersonation",
        2.5,
        ("aucl.confusion", "criminal.266"),
        "The text speaks as the customer service, claims desk or official account of a platform, courier "
        "or payment app ('京东客服', '快递理赔中心', '抖音官方'): lawful senders do too, so it counts beside a scam sign.",
        pattern="(?:支付宝|微信|财付通|京东|美团|淘宝|天猫|抖音|快手|拼多多|闲鱼|唯品会|苏宁|携程|去哪儿|飞猪|12306"
        "|快递|物流|顺丰|中通|圆通|申通|韵达|邮政|ems|菜鸟|借呗|花呗|白条|金条|微粒贷|航空|平台|官方|店铺|商家)"
        + _NOPUNCT
        + "{0,4}?(?:客服|售后|理赔中心|理赔部|理赔专员|客户服务|官方客服|工作人员)",
        requires=("客服", "售后", "理赔", "客户服务", "工作人员"),
        kind="ecommerce_cs",
    ),
    Rule(
        "impersonation.bank_signature",
        "impersonation",
        2.0,
        ("aucl.confusion", "criminal.266"),
        "The text is signed as a bank or lender, speaks as its service desk or offers its credit "
        "('【工商银行】', '【某某金融】', '建行客服', '平安银行信用贷资格'): "
        "every real bank notice is too, so it counts only beside a scam sign.",
        pattern="【(?:" + _BANK + "|[\u4e00-\u9fff]{0,6}(?:金融|信用卡|借呗|花呗|微粒贷|白条|金条))[^】\\n]{0,6}】|" + _BANK
        + "(?:客服|信用卡中心|客户服务中心|官方)|" + _BANK + "(?:信用贷|贷款资格|备用金|借款额度|贷款额度)",
        # the end of a signature or a bank's name run into its desk or product ("工行客服", "银行信用贷")
        requires=("行】", "社】", "金融】", "信用卡】", "借呗】", "花呗】", "微粒贷】", "白条】", "金条】", "行客服", "社客服",
                  "储客服", "行信用卡中心", "行客户服务中心", "行官方", "行信用贷", "行贷款资格", "行备用金", "行借款额度",
                  "行贷款额度"),
        kind="bank_smishing",
    ),
    Rule(
        "impersonation.authority_notice",
        "impersonation",
        4.0,
        ("criminal.279", "criminal.266"),
        "The text speaks as police, a court or a procuratorate and accuses or threatens the person (涉嫌, "
        "传票, 通缉, 冻结): these bodies do not serve such notices by SMS or phone.",
        # the accusation is addressed to the reader ("您涉嫌"): a news item about an arrest is not
        pattern="(?:公安局|公安厅|公安部|派出所|刑警|刑侦|经侦|网警|法院|检察院|公检法|国安|警官|民警)"
        "[^\\n]{0,40}?(?:您|你)[^\\n]{0,15}?(?:涉嫌|传票|逮捕|通缉|拘留|立案|冻结|洗钱|配合调查|协助调查|保密)"
        "|(?:您|你)[^\\n]{0,15}?(?:涉嫌|传票|逮捕|通缉|洗钱)[^\\n]{0,30}?(?:公安局|派出所|刑警|刑侦|经侦|法院|检察院"
        "|警官|民警)",
        requires=("公安", "派出所", "刑警", "刑侦", "经侦", "网警", "法院", "检察院", "公检法", "国安", "警官", "民警"),
        kind="police",
    ),
    Rule(
        "impersonation.employer",
        "impersonation",
        2.5,
        ("criminal.266",),
        "The sender claims to be the person's employer, its HR or finance staff ('我是公司财务', '我是你们单位人事'): "
        "a colleague says so too, so it counts beside a scam sign.",
        pattern="我是(?:你们|您|你|咱们)?的?(?:公司|单位|厂里|集团)?的?(?:人事|财务|出纳|会计|hr|行政|董事长|总经理)"
        "(?![\u4e00-\u9fff]{3})",
        requires=("我是",),
        kind="acquaintance",
    ),
    Rule(
        "impersonation.relative_phone",
        "impersonation",
        2.5,
        ("criminal.266",),
        "A 'child' or relative writes from a borrowed or new phone ('手机掉水里了，这是同学的手机'): the opener of "
        "relative scams, and what a real child says too, so it counts beside a scam sign.",
        pattern="(?:手机|电话)(?:丢了|掉了|坏了|被偷了|没电了|摔坏了|掉水里了|进水了|欠费了|停机了)"
        "[^\\n]{0,20}?(?:这是|用的是|用|借)(?:我)?(?:同学|朋友|同事|室友|老师|别人|舍友)的?(?:手机|电话|号)?"
        "|这是我(?:同学|朋友|同事|室友|舍友)的(?:手机|电话|号)"
        "|^(?:爸|妈|爸爸|妈妈|爷爷|奶奶|舅舅|叔叔|姑姑|阿姨|姐|哥)[,，]?我是[\u4e00-\u9fff]{1,3}?(?:啊|呀)?[,，]",
        # the phone's fate or the family word, not "手机" or "电话", which half of all ads carry
        requires=("丢了", "掉了", "坏了", "被偷", "没电", "摔坏", "掉水", "进水", "欠费", "停机", "这是我", "爸", "妈", "爷爷",
                  "奶奶", "舅舅", "叔叔", "姑姑", "阿姨", "姐", "哥"),
        kind="acquaintance",
    ),
    # -- false promises -------------------------------------------------------------------------
    Rule(
        "false_promise.rate",
        "false_promise",
        4.5,
        _FALSE,
        "The text promises low or zero interest, which a lender cannot promise before assessment.",
        keywords=("低息", "免息", "零利息", "无息", "利息低", "超低利率", "月息低至", "低利率", "利率低至"),
    ),
    Rule(
        "false_promise.no_fee",
        "false_promise",
        4.5,
        _FALSE,
        "The text promises that no fees are charged.",
        keywords=("免手续费", "零手续费", "无手续费", "不收任何费用", "无任何费用", "不收取任何费用"),
    ),
    Rule(
        "false_promise.no_collateral",
        "false_promise",
        4.5,
        _FALSE,
        "The text promises credit without collateral or guarantor.",
        keywords=("无抵押", "无需抵押", "免抵押", "不用抵押", "无担保", "无需担保", "免担保", "不用担保"),
    ),
    Rule(
        "false_promise.instant",
        "false_promise",
        4.5,
        _FALSE,
        "The text promises instant approval or same-day money.",
        keywords=(
            "秒批",
            "秒到",
            "秒下",
            "秒放",
            "当天放款",
            "当天下款",
            "当天到账",
            "当日放款",
            "极速放款",
            "快速放款",
            "#小时到账",
            "#分钟到账",
            "#分钟放款",
        ),
    ),
    Rule(
        "false_promise.bad_credit",
        "false_promise",
        5.5,
        _FALSE,
        "The text promises loans regardless of credit record (黑户可贷, 不看征信).",
        keywords=(
            "黑户可贷",
            "黑户也能",
            "黑户也可",
            "黑白户",
            "不看征信",
            "不查征信",
            "无视征信",
            "征信不好也",
            "逾期也能",
            "逾期也可",
            "花户可贷",
            "不上征信",
            "无视黑白",
        ),
    ),
    Rule(
        "false_promise.guaranteed",
        "false_promise",
        5.5,
        _FALSE,
        "The text guarantees approval (包过, 百分百下款).",
        keywords=(
            "包过",
            "包下款",
            "百分百下款",
            "百分百通过",
            "必下款",
            "###%下款",
            "###%通过",
            "稳下",
            "保证下款",
            "零拒绝",
            "包批",
        ),
    ),
    # -- credit packaging -----------------------------------------------------------------------
    Rule(
        "credit_packaging.credit_record",
        "credit_packaging",
        6.0,
        ("criminal.175-1", "adlaw.28"),
        "The text offers to package, repair or whitewash a credit record.",
        keywords=(
            "包装征信",
            "征信包装",
            "修复征信",
            "征信修复",
            "洗白征信",
            "征信洗白",
            "铲单",
            "消除逾期",
            "删除逾期",
            "逾期消除",
            "征信优化",
            "优化征信",
            "养征信",
            "洗白",
            "修复逾期",
            "逾期修复",
        ),
    ),
    Rule(
        "credit_packaging.documents",
        "credit_packaging",
        5.0,
        ("criminal.175-1", "adlaw.28"),
        "The text offers faked income, bank flows, employment or social-insurance records.",
        keywords=(
            "做流水",
            "刷流水",
            "包装流水",
            "流水包装",
            "代开流水",
            "流水代做",
            "假流水",
            "代开收入证明",
            "收入证明代开",
            "包装资料",
            "资料包装",
            "包装工作",
            "包装社保",
            "包装公积金",
            "代缴社保",
            "美化资料",
            "包装身份",
        ),
    ),
    # -- PI exposure ----------------------------------------------------------------------------
    Rule(
        "pi_exposure.id_number",
        "pi_exposure",
        5.5,
        _PI,
        "The text recites a resident ID number.",
        pattern="(?:身份证|证件)(?:号码|号)?(?:是|为|:)?\\s*#{15,17}[#x]?|(?<!#)#{17}[#x](?!#)",
        requires=("身份证", "证件", "#" * 17),
    ),
    Rule(
        "pi_exposure.address",
        "pi_exposure",
        5.0,
        _PI,
        "The caller recites where the person lives.",
        pattern="(?:您|你)(?:家|是)?(?:住在|的地址是|家住|住址是|的住址|地址在|住的是)",
        requires=("住", "地址"),
    ),
    Rule(
        "pi_exposure.employer",
        "pi_exposure",
        5.0,
        _PI,
        "The caller recites where the person works.",
        pattern="(?:您|你)(?:现在|目前)?(?:是)?在"
        + _NOPUNCT
        + "{2,15}?(?:上班|工作|任职)|(?:您|你)的(?:单位|公司|工作单位)是",
        requires=("上班", "工作", "任职", "单位", "公司"),
    ),
    Rule(
        "pi_exposure.debts",
        "pi_exposure",
        5.0,
        _PI,
        "The caller recites the person's debts, overdue loans or credit record.",
        pattern="(?:您|你)(?:名下|目前|现在|之前)?(?:有|的)"
        + _NOPUNCT
        + "{0,6}?(?:负债|欠款|逾期|信用卡欠|网贷|贷款余额)|查到(?:您|你)"
        + _NOPUNCT
        + "{0,8}?(?:征信|负债|逾期|贷款)",
        requires=("负债", "欠款", "逾期", "信用卡欠", "网贷", "贷款余额", "查到"),
    ),
    Rule(
        "pi_exposure.name_address",
        "pi_exposure",
        4.5,
        _PI,
        "The text names a person together with a residential address detail.",
        pattern="(?:先生|女士|小姐)[^\\n。!?]{0,20}?(?:小区|单元|号楼|#号|花园|公寓)",
        requires=("先生", "女士", "小姐"),
    ),
    Rule(
        "pi_exposure.card_tail",
        "pi_exposure",
        2.5,
        _PI,
        "The text recites the tail number of the person's phone or bank card.",
        pattern="尾号(?:是|为)?#{4}",
        requires=("尾号",),
    ),
    # -- bribery --------------------------------------------------------------------------------
    Rule(
        "bribery.kickback",
        "bribery",
        5.0,
        ("aucl.bribery", "criminal.164"),
        "The text speaks of kickbacks, rebates or 'thank-you' fees.",
        keywords=("好处费", "回扣", "返点", "打点", "人情费", "茶水费", "辛苦费", "感谢费", "返佣", "点位"),
    ),
    Rule(
        "bribery.insider",
        "bribery",
        2.5,
        ("aucl.bribery", "criminal.164"),
        "The text relies on inside relationships at a bank or institution.",
        keywords=(
            "内部关系",
            "内部渠道",
            "银行内部",
            "内部人员",
            "行内关系",
            "银行有关系",
            "内部操作",
            "走内部",
        ),
    ),
    Rule(
        "bribery.pay_staff",
        "bribery",
        6.0,
        ("aucl.bribery", "criminal.164"),
        "The text arranges money or gifts for bank staff.",
        pattern="(?:给|送|请)"
        + _NOPUNCT
        + "{0,8}?(?:经理|行长|信贷员|柜员|审批|客户经理)"
        + _NOPUNCT
        + "{0,10}?(?:好处|红包|点钱|返|请客|送礼|意思一下|#个点)",
        requires=("经理", "行长", "信贷员", "柜员", "审批"),
    ),
    # -- fraud ----------------------------------------------------------------------------------
    # One or more rules per kind of the public typology of telecom and online fraud (kind: a key of
    # FRAUD_KINDS); a rule that belongs to no one kind has none.
    Rule(
        "fraud.safe_account",
        "fraud",
        4.0,
        ("criminal.266",),
        "The caller demands transfers to a 'safe account' or invokes an investigation, a warrant or money laundering.",
        keywords=(
            "安全账户",
            "资金清查",
            "清查资金",
            "涉嫌洗钱",
            "洗钱案",
            "配合调查",
            "通缉令",
            "逮捕令",
            "拘捕令",
            "网上通缉",
            "资金核查",
            "核查资金",
            "涉嫌一起",
            "冻结令",
            "资产冻结",
            "清查账户",
            "证明你的清白",
            "证明您的清白",
            "身份信息被冒用",
            "身份证被冒用",
            "被他人冒用",
            "涉嫌非法",
            "涉嫌违法犯罪",
            "洗钱案件",
        ),
        kind="police",
        claims_identity=True,
    ),
    Rule(
        "fraud.remote_control",
        "fraud",
        3.5,
        ("criminal.266",),
        "The caller asks the person to share a screen or take remote assistance.",
        keywords=("屏幕共享", "共享屏幕", "屏幕分享", "开启共享", "远程协助", "远程控制软件", "安聊"),
    ),
    Rule(
        "fraud.guided",
        "fraud",
        2.5,
        ("criminal.266",),
        "The sender walks the person through their phone or bank app step by step ('按我说的操作'): what "
        "customer-service and police scams do; a lawful notice says '按提示操作', which is not matched.",
        keywords=("按我说的操作", "按照我说的操作", "按我说的做", "按照我说的做", "按我的步骤", "跟着我操作", "配合我操作",
                  "配合客服操作", "按照我的指引", "按我的指引"),
    ),
    Rule(
        "fraud.remote_app",
        "fraud",
        1.5,
        ("criminal.266",),
        "The text names a meeting or remote-control app: a scam sign beside others, ordinary alone.",
        keywords=("会议软件", "腾讯会议", "向日葵", "zoom", "远程控制", "下载app", "下载软件"),
    ),
    Rule(
        "fraud.upfront_payment",
        "fraud",
        3.5,
        ("criminal.266",),
        "The lender asks for money first: unfreezing fees, 'proof of repayment ability', or a wrong card number that froze the loan.",
        keywords=(
            "解冻金",
            "解冻费",
            "证明还款能力",
            "还款能力证明",
            "验资费",
            "激活费",
            "手续费先",
            "流水不足",
            "卡号错误",
            "卡号填错",
            "卡号有误",
            "银行卡号填写错误",
            "放款失败",
            "贷款被冻结",
            "资金被冻结",
            "解冻资金",
        ),
        kind="loan_fee",
    ),
    Rule(
        "fraud.fee",
        "fraud",
        1.5,
        ("criminal.266",),
        "The text asks for a deposit or fee (保证金, 押金, 工本费): a scam sign beside others, common in lawful trade alone.",
        keywords=("保证金", "押金", "工本费", "先交", "会员费", "认证费", "解冻"),
    ),
    Rule(
        "fraud.loan_lure",
        "fraud",
        3.2,
        ("criminal.266",),
        "The text promises a loan regardless of credit or review (黑户可贷, 不看征信, 包下款): "
        "no lender can, and fake-loan scams open so before asking for fees.",
        keywords=(
            "黑户可贷",
            "黑户也能",
            "黑户也可",
            "花户可贷",
            "黑白户",
            "黑户白户",
            "白户黑户",
            "征信花了也能",
            "网黑也能",
            "无视征信",
            "无视黑白",
            "不看征信",
            "不查征信",
            "征信不好也",
            "包下款",
            "百分百下款",
            "必下款",
            "无需审核",
            "不审核",
        ),
        kind="loan_fee",
    ),
    Rule(
        "fraud.loan_fee",
        "fraud",
        3.5,
        ("criminal.266",),
        "A loan is paid out only after the borrower pays or transfers money first.",
        pattern="(?:贷款|借款|放款|下款|额度|提现|到账)"
        + _NOPUNCT
        + "{0,20}?(?:先|需要|需|要|必须)(?:交|缴|付|支付|缴纳|转|充值)"
        + _NOPUNCT
        + "{0,8}?(?:费|金|钱|#)",
        requires=("贷款", "借款", "放款", "下款", "额度", "提现", "到账"),
        kind="loan_fee",
    ),
    Rule(
        "fraud.refund",
        "fraud",
        3.5,
        ("criminal.266",),
        "A 'customer service' offers a refund or compensation for a faulty or lost parcel and walks the person through payment steps.",
        pattern="(?:订单|交易)(?:异常|失效|冻结|卡单)[^\\n]{0,30}?(?:退款|退还|理赔|赔偿)"
        "|(?:订单|交易|付款)[^\\n]{0,10}?(?:异常|失效|冻结|卡单|失败)[^\\n]{0,30}?(?:退款|退还|理赔|赔偿)[^\\n]{0,20}?"
        "(?:qq|微信|链接|点击)"
        "|(?:商品|货物|包裹|快递|快件|订单|宝贝|衣服|产品|物品|购买的|买的)"
        + _NOPUNCT
        + "{0,20}?(?:质量问题|丢失|丢件|破损|弄丢|污染|召回|有问题|不合格|超标)"
        + "[^\\n]{0,40}?(?:退款|理赔|赔偿|赔付|退还|双倍|三倍)"
        "|(?:理赔|退款|赔付|赔偿)[^\\n]{0,30}?(?:备用金|借呗|花呗|微粒贷|金条|白条|验证码|二维码|扫码|屏幕|转账|银行卡号)",
        requires=("理赔", "退款", "赔付", "赔偿"),
        kind="ecommerce_cs",
        claims_identity=True,
    ),
    Rule(
        "fraud.membership",
        "fraud",
        4.0,
        ("criminal.266",),
        "A 'customer service' threatens charges or credit damage unless the person cancels a membership, "
        "an agent status or a 'million-yuan guarantee' (百万保障).",
        pattern="百万保障|(?:误|错误)(?:设|设置|开通|升级|注册|操作)(?:为|成)?[^\\n]{0,10}?(?:代理|会员|vip|商家)"
        "|(?:不|没有|未)(?:取消|关闭|注销)"
        + _NOPUNCT
        + "{0,20}?(?:扣费|扣除|扣款|收费|影响征信|影响您的征信|影响你的征信)"
        "|(?:会员|vip|保障服务|代理|分期服务)"
        + _NOPUNCT
        + "{0,20}?(?:每月|每个月|按月|每年)"
        + _NOPUNCT
        + "{0,10}?(?:扣|收取)"
        + "[^\\n]{0,20}?(?:取消|关闭)",
        requires=("百万保障", "取消", "关闭", "注销", "误", "错误"),
        kind="ecommerce_cs",
        claims_identity=True,
    ),
    Rule(
        "fraud.credit_record",
        "fraud",
        4.5,
        ("criminal.266",),
        "The caller offers to cancel a student-loan account or clear a credit record, or threatens the person's credit record.",
        keywords=("注销校园贷", "校园贷账户", "校园贷未注销", "学生账户未注销", "注销学生账户", "清空额度", "额度清零"),
        pattern="(?:注销|关闭|清空)"
        + _NOPUNCT
        + "{0,12}?(?:校园贷|学生贷|账户|账号|额度|借呗|花呗|白条|金条|微粒贷)[^\\n]{0,30}?征信"
        "|(?:校园贷|学生贷|借呗|花呗|白条|金条|微粒贷)[^\\n]{0,20}?(?:注销|关闭)[^\\n]{0,20}?征信",
        requires=("注销", "关闭", "清空"),
        kind="credit_record",
        claims_identity=True,
    ),
    Rule(
        "fraud.credit_threat",
        "fraud",
        1.5,
        ("criminal.266",),
        "The text threatens the person's credit record: a pressure tactic, also in lawful repayment reminders.",
        keywords=("影响征信", "影响您的征信", "影响你的征信", "影响个人征信", "征信受影响", "征信黑名单", "征信污点"),
        kind="credit_record",
    ),
    Rule(
        "fraud.brushing",
        "fraud",
        4.0,
        ("criminal.266",),
        "The text recruits for fake orders or 'tasks' that pay a commission after the person advances money (刷单返利).",
        keywords=("刷单", "刷信誉", "刷好评", "先垫付", "垫付返", "做任务返", "接单返", "返佣金", "高额佣金", "佣金立返"),
        kind="brushing",
    ),
    Rule(
        "fraud.easy_money",
        "fraud",
        2.0,
        ("criminal.266",),
        "The text promises easy pay for simple online work (日赚, 一单几元, 兼职在家): the bait of task scams.",
        pattern="(?:点赞|关注|评论|收藏|做任务|接任务|拍单|抢单|垫付)"
        + _NOPUNCT
        + "{0,15}?(?:佣金|返现|返利|提成|一单|日结|日赚|#元|#块)"
        "|(?:日赚|日入|日收入|轻松月入|月入过万|一单)"
        + _NOPUNCT
        + "{0,6}?#|兼职"
        + _NOPUNCT
        + "{0,20}?(?:日结|日赚|佣金|返利|一单|垫付|刷单|宝妈|学生党|在家|手机就能)",
        requires=("点赞", "关注", "评论", "收藏", "任务", "拍单", "抢单", "垫付", "日赚", "日入", "日收入", "月入", "一单", "兼职"),
        kind="brushing",
    ),
    Rule(
        "fraud.investment",
        "fraud",
        3.5,
        ("criminal.266",),
        "The text promises sure or outsized investment returns or insider tips (稳赚不赔, 导师带单, 内幕消息).",
        keywords=(
            "稳赚不赔",
            "只赚不赔",
            "稳赚",
            "包赚",
            "保本保息",
            "保本高收益",
            "零风险高收益",
            "无风险高收益",
            "高额回报",
            "高回报",
            "导师带单",
            "老师带单",
            "带你赚钱",
            "带你投资",
            "收益翻倍",
            "翻倍收益",
        ),
        kind="investment",
    ),
    Rule(
        "fraud.investment_terms",
        "fraud",
        1.5,
        ("criminal.266",),
        "The text talks trading jargon that investment scams use (带单, 跟单, 杠杆, 虚拟币): a sign beside others.",
        keywords=(
            "带单",
            "跟单",
            "喊单",
            "杠杆",
            "实盘",
            "usdt",
            "虚拟币",
            "数字货币",
            "区块链",
            "荐股",
            "牛股",
            "日收益",
            "投资群",
            "理财群",
            "内幕消息",
            "内部消息",
        ),
        kind="investment",
    ),
    Rule(
        "fraud.romance",
        "fraud",
        3.5,
        ("criminal.266",),
        "An online partner steers the person to a 'platform' with a loophole or sure wins (杀猪盘).",
        pattern="(?:网恋|婚恋|交友|相亲|男朋友|女朋友|网友)"
        + "[^\\n]{0,30}?(?:投资|平台|博彩|彩票|充值|漏洞|稳赚)"
        "|(?:平台|网站|系统|后台)"
        + _NOPUNCT
        + "{0,6}?(?:漏洞|bug)|(?:亲爱的|宝贝)"
        + "[^\\n]{0,30}?(?:漏洞|稳赚|带你赚|内幕)",
        requires=("网恋", "婚恋", "交友", "相亲", "朋友", "网友", "漏洞", "bug", "亲爱的", "宝贝"),
        kind="romance",
    ),
    Rule(
        "fraud.game_trade",
        "fraud",
        3.5,
        ("criminal.266",),
        "A game account, item or currency deal that needs a deposit or unfreezing fee, or free game currency for a top-up.",
        pattern="(?:游戏|账号|装备|皮肤|金币|点券|游戏币)"
        + "[^\\n]{0,20}?(?:交易|买卖|出售|收购|解冻|冻结)"
        + "[^\\n]{0,20}?(?:保证金|解冻|冻结|手续费|押金)"
        "|(?:游戏币|点券|皮肤|钻石)"
        + _NOPUNCT
        + "{0,6}?(?:免费|低价|#折)"
        + _NOPUNCT
        + "{0,10}?(?:领取|充值)",
        requires=("游戏", "账号", "装备", "皮肤", "金币", "点券", "钻石"),
        kind="game_trade",
    ),
    Rule(
        "fraud.military_purchase",
        "fraud",
        3.5,
        ("criminal.266",),
        "A buyer poses as an army, armed-police or fire unit placing a bulk order (and will ask the seller to advance money).",
        pattern="(?:部队|军区|武警|消防|边防|营区|连队|炊事班|后勤部|特警|军官)"
        + "[^\\n]{0,15}?(?:采购|订购|订餐|订货|要货|下单|定制|批量)",
        requires=("部队", "军区", "武警", "消防", "边防", "营区", "连队", "炊事班", "后勤部", "特警", "军官"),
        kind="military_purchase",
        claims_identity=True,
    ),
    Rule(
        "fraud.smishing",
        "fraud",
        5.0,
        ("criminal.266",),
        "A bank-style SMS lures to a website: an e-token expiring (电子密码器过期), points worth cash (积分兑换现金).",
        # a bank notifies of an expiring token too, but sends the customer to a branch or its app
        pattern="(?:电子密码器|密码器|u盾|k宝|口令卡|安全控件|数字证书)"
        + _NOPUNCT
        + "{0,10}?(?:过期|失效|到期|升级|更新|停用)[^\\n]{0,30}?(?:登录|登陆|访问|点击|网址|网站|链接|www|http)"
        "|积分"
        + _NOPUNCT
        + "{0,12}?(?:兑换|换取|可兑|可换|折现|提现)"
        + _NOPUNCT
        + "{0,8}?现金",
        requires=("电子密码器", "密码器", "u盾", "k宝", "口令卡", "安全控件", "数字证书", "积分"),
        kind="bank_smishing",
        claims_identity=True,
    ),
    Rule(
        "fraud.phishing_link",
        "fraud",
        3.5,
        ("criminal.266",),
        "An account or card said to be expiring, frozen or abnormal, with a website or link to log in to.",
        pattern="(?:账户|账号|银行卡|信用卡|储蓄卡|卡片|网银|手机银行|医保卡|社保卡|etc|积分|证书|实名|认证|"
        + _BANK
        + "卡)"
        + _NOPUNCT
        + "{0,12}?(?:异常|冻结|停用|失效|锁定|受限|限制|暂停|风险|过期|到期|清零|已满|注销|未认证)"
        + "[^\\n]{0,40}?(?:登录|登陆|访问|点击|打开|进入|前往)"
        + "[^\\n]{0,20}?(?:www|http|wap|[a-z#-]+\\.(?:com|cn|cc|top|vip|xyz|net|icu)|链接|网址|手机网|我行网站|网站)",
        requires=("登录", "登陆", "访问", "点击", "打开", "进入", "前往"),
        kind="bank_smishing",
        claims_identity=True,
    ),
    Rule(
        "fraud.prize",
        "fraud",
        2.5,
        ("criminal.266",),
        "The text announces a prize the person did not enter for (栏目组, 场外观众, 幸运用户).",
        keywords=("中奖", "恭喜您获得", "恭喜你获得", "领取奖品", "领奖", "栏目组", "场外观众", "幸运用户", "幸运观众", "抽中"),
        kind="prize",
    ),
    Rule(
        "fraud.leader_opener",
        "fraud",
        3.5,
        ("criminal.266",),
        "The opener of a leader or acquaintance scam: 'I am your leader', 'come to my office tomorrow', "
        "'guess who I am'.",
        keywords=(
            "我是你领导",
            "我是你的领导",
            "猜猜我是谁",
            "你猜我是谁",
            "猜猜我是哪个",
            "你猜我是哪位",
        ),
        kind="acquaintance",
        claims_identity=True,
    ),
    Rule(
        "fraud.office",
        "fraud",
        1.0,
        ("criminal.266",),
        "The sender summons the person to 'my office': a leader scam's opener only beside a claimed title "
        "or a request for money (weak alone).",
        keywords=OFFICE_SUMMONS,
        kind="acquaintance",
    ),
    Rule(
        "fraud.new_number",
        "fraud",
        1.0,
        ("criminal.266",),
        "The sender announces a new number: an acquaintance scam's opener only beside a request for money "
        "or a claimed tie (weak alone).",
        keywords=NEW_NUMBER,
        kind="acquaintance",
    ),
    Rule(
        "fraud.acquaintance_ask",
        "fraud",
        2.5,
        ("criminal.266",),
        "The sender asks the person to lend or transfer money, urgently (借我1000, 先帮我转).",
        pattern="(?:借|转|汇)(?:我|给我)"
        + _NOPUNCT
        + "{0,4}?(?:#+|[一二两三四五六七八九十几][十百千万])|(?:借|转|打)(?:我|给我)(?:点|些|一些|一点)?钱|急(?:用|需)"
        + _NOPUNCT
        + "{0,6}?(?:#+元|#+块|#+万)|先(?:帮我|给我)(?:转|垫|付|打)|(?:帮我|替我)"
        + _NOPUNCT
        + "{0,6}?(?:转账|转一下|转个|汇款|付一下|交一下)|(?:给我|帮我)(?:转|打|汇)(?:点|些|一下|个|笔|#)"
        "|(?:转|汇|打)给我(?:吧|就行|就可以)?(?:[。!！]|$)"
        "|(?:急需|急用|急事)[^\\n]{0,4}?(?:用钱|周转)|周转一下|借(?:点|些|一点|一些)钱"
        "|(?:不方便接电话|在开会|不方便说话)"
        + "[^\\n]{0,20}?(?:转|借|钱)",
        requires=(
            "借我",
            "借给我",
            "转我",
            "转给我",
            "汇我",
            "汇给我",
            "打我",
            "打给我",
            "急用",
            "急需",
            "帮我",
            "给我",
            "替我",
            "不方便",
            "开会",
            "急事",
            "周转",
            "借点",
            "借些",
            "借一",
        ),
        kind="acquaintance",
    ),
    Rule(
        "fraud.summons",
        "fraud",
        4.5,
        ("criminal.266",),
        "A 'summons' or case notice pushed by SMS or robocall (您有一张传票未领取, 详情按9), or a call 'put "
        "through to the police': the opener of police and court impersonation.",
        pattern="传票[^\\n]{0,20}?(?:未领|逾期|过期|查询|详情|按#|请按|回拨|请拨|即将|尚未|待领)"
        "|(?:转接|转至|转到|移交)[^\\n]{0,10}?(?:公安|警方|派出所|刑警|刑侦|法院|检察院)"
        "|(?:被起诉|起诉您|起诉你|开庭|诉讼|涉嫌|冻结|传票)[^\\n]{0,40}?(?:回拨|回电|请拨打|本号码|详情请?按#|请按#)"
        "|(?:您|你)(?:有|名下有)[^\\n]{0,10}?(?:传票|法院文书|诉讼文书|司法文书)[^\\n]{0,10}?(?:未|待|需)"
        "|(?:按#|请按#)[^\\n]{0,10}?(?:人工|查询|转接)[^\\n]{0,20}?(?:传票|案件|法院|公安)",
        requires=("传票", "文书", "按#", "转接", "转至", "转到", "移交", "回拨", "回电", "请拨打", "本号码"),
        kind="police",
        claims_identity=True,
    ),
    Rule(
        "fraud.accusation",
        "fraud",
        3.0,
        ("criminal.266",),
        "The reader is told they are suspected of a serious crime (您涉嫌洗钱, 你涉嫌一宗非法集资案): what "
        "police-impersonation scripts open with; a lawful traffic notice's 涉嫌违法 is not matched.",
        pattern="(?:您|你)[^\\n]{0,15}?(?:涉嫌|牵涉|卷入|涉及)[^\\n]{0,20}?(?:洗钱|诈骗|贩毒|毒品|走私|非法集资|集资"
        "|案件|案子|犯罪|套取|非法资金|刑事|赌博|泄露|机密|恶意透支|偷税|逃税|违规使用|违规套取|违规办理)",
        requires=("涉嫌", "牵涉", "卷入", "涉及"),
        kind="police",
        claims_identity=True,
    ),
    Rule(
        "fraud.police_money",
        "fraud",
        3.0,
        ("criminal.266",),
        "Police, a court or a procuratorate speak of the reader's accounts, money or personal data (你的银行账户"
        "被用来转移赃款, 核查你的资金): what police-impersonation calls turn to; real police do not check "
        "a citizen's money by phone.",
        pattern="(?:公安|警察|警官|民警|派出所|刑警|刑侦|经侦|网警|法院|检察院|国安|国家安全)[^\\n]{0,60}?(?:您|你)(?:的|名下)"
        "[^\\n]{0,8}?(?:账户|资金|银行卡|资产|存款|财产|个人信息|身份信息)"
        "|(?:您|你)(?:的|名下)[^\\n]{0,8}?(?:账户|资金|银行卡|资产|存款|财产)[^\\n]{0,40}?(?:公安|警方|警察|法院|检察院)",
        requires=("公安", "警", "派出所", "刑侦", "经侦", "法院", "检察院", "国安", "国家安全"),
        kind="police",
        claims_identity=True,
    ),
    Rule(
        "fraud.police_contact",
        "fraud",
        3.0,
        ("criminal.266",),
        "Police, a court or a procuratorate push the person to a private channel (加QQ, 回电, 按9): real ones "
        "summon people to the station or serve papers through official systems (an app download is what "
        "police warnings recommend, so it is not matched).",
        pattern="(?:公安|警察|警官|民警|派出所|刑警|刑侦|经侦|网警|法院|检察院|国安|国家安全)[^\\n]{0,60}?"
        "(?:加qq|加微信|添加qq|添加微信|加我qq|加我微信|回电|回拨|请按#|按#转)",
        requires=("加qq", "加微信", "添加qq", "添加微信", "加我", "回电", "回拨", "按#"),
        kind="police",
        claims_identity=True,
    ),
    Rule(
        "fraud.police_pressure",
        "fraud",
        3.0,
        ("criminal.266",),
        "The caller accuses the person of a crime or orders secrecy and an asset check (涉案账户, 保密协议, "
        "不能告诉任何人, 资金审查): police-scam pressure.",
        keywords=(
            "涉案账户",
            "涉案资金",
            "保密协议",
            "签署保密",
            "不能告诉任何人",
            "不要告诉任何人",
            "不得告诉任何人",
            "资金审查",
            "国家安全账户",
            "监管账户",
            "清查核实",
            "冻结你名下",
            "冻结您名下",
            "名下银行卡涉嫌",
            "名下的银行卡涉嫌",
            "身份证被盗用",
            "身份信息被盗用",
            "协助调查",
            "非法资金",
            "必须保密",
            "务必保密",
            "资产清查",
            "资产进行清查",
            "不要告诉家人",
            "不能告诉家人",
            "别告诉家人",
            "接受调查",
        ),
        kind="police",
        claims_identity=True,
    ),
    Rule(
        "fraud.cs_money_move",
        "fraud",
        3.0,
        ("criminal.266",),
        "A 'customer service' walks the person through moving money: borrowing on a credit app, proving funds, "
        "sharing the screen or paying to a named account.",
        pattern="(?:客服|售后|理赔)[^\\n]{0,60}?(?:屏幕共享|共享屏幕|备用金|借呗|花呗|微粒贷|金条|白条|放心借"
        "|验证资金|流水|转入|转到|转账|打款|汇款|扫码|验证码|下载)"
        "|(?:自动续费|自动扣费)[^\\n]{0,20}?(?:退费|退款)[^\\n]{0,20}?(?:按我说的|配合|操作)"
        # a lawful platform also says "contact customer service to cancel", but not on a private WeChat or QQ
        "|(?:自动扣费|自动续费|扣费)[^\\n]{0,30}?(?:取消|关闭)[^\\n]{0,30}?(?:加微信|加qq|添加微信|添加qq|客服微信|客服qq)",
        requires=("客服", "售后", "理赔", "扣费", "续费"),
        kind="ecommerce_cs",
    ),
    Rule(
        "fraud.rate_cut",
        "fraud",
        3.0,
        ("criminal.266",),
        "A lender's or platform's 'customer service' offers to lower the interest rate of a credit product "
        "(白条利率过高, 根据国家政策降息) and walks the person through it: only the lender's own app does that.",
        # a credit product of the person's, not a bond or a central-bank rate in an advertisement
        pattern="(?:白条|金条|借呗|花呗|微粒贷|贷款|网贷|信用卡|分期|借款)[^\\n]{0,20}?(?:利率过高|利息过高|降低利率|降息"
        "|利率下调)[^\\n]{0,30}?(?:客服|配合|操作|注销|关闭|专员)",
        requires=("利率过高", "利息过高", "降低利率", "降息", "利率下调"),
        kind="ecommerce_cs",
        claims_identity=True,
    ),
    Rule(
        "fraud.parcel_claim",
        "fraud",
        3.5,
        ("criminal.266",),
        "A 'courier' reports a lost or damaged parcel and offers compensation through a contact or a link.",
        pattern="(?:快递|包裹|快件|邮件|物流)"
        + _NOPUNCT
        + "{0,12}?(?:丢失|丢件|遗失|破损|损坏|弄丢|滞留|被扣|违禁品|海关)"
        + "[^\\n]{0,40}?(?:理赔|赔偿|赔付|补偿|加微信|加qq|添加|扫码|链接|报关费|清关费|关税)",
        requires=("快递", "包裹", "快件", "邮件", "物流"),
        kind="ecommerce_cs",
        claims_identity=True,
    ),
    Rule(
        "fraud.relative_ask",
        "fraud",
        3.5,
        ("criminal.266",),
        "A 'child' or relative needs money for fees or a hospital, paid to a card or account they name.",
        pattern="(?:爸|妈|爷爷|奶奶|叔|舅|姑|姨|哥|姐)[^\\n]{0,30}?(?:学费|培训费|资料费|报名费|考试费|补习费|住院费"
        "|医药费|手术费|押金|保释金|罚款)[^\\n]{0,30}?(?:打到|转到|汇到|打给|转给|汇给|卡号|账户|账号|这张卡)"
        "|(?:被抓|被拘留|被派出所|被警察|出车祸|撞了人|住院了|被扣)[^\\n]{0,20}?(?:保释金|罚款|医药费|手术费|押金|赔偿)"
        # a school collects fees through its own channels, not to a teacher's card
        "|(?:学校|班级|老师|班主任|教务处)[^\\n]{0,30}?(?:资料费|教辅|校服费|培训费|补课费|报名费)[^\\n]{0,30}?(?:转给|转到"
        "|打到|汇到)",
        requires=("学费", "培训费", "资料费", "报名费", "考试费", "补习费", "住院费", "医药费", "手术费", "押金", "保释金", "罚款", "赔偿",
                  "教辅", "校服费", "补课费"),
        kind="acquaintance",
        claims_identity=True,
    ),
    Rule(
        "fraud.leader_transfer",
        "fraud",
        3.0,
        ("criminal.266",),
        "A 'leader' or 'boss' tells staff to pay someone now and keep it quiet ('我在开会，你先把20万转到这个账户').",
        pattern="(?:领导|老板|[\u4e00-\u9fff]总|局长|董事长|总经理)[^\\n]{0,40}?(?:你|您)(?:先|马上|立刻|立即|赶紧|尽快|现在)"
        "[^\\n]{0,12}?(?:转|打|汇)(?:账|款|过去|给|到|#)"
        "|(?:转|打|汇)(?:到|给)(?:这个|下面|以下|对方|这张)(?:账户|账号|卡|卡号|银行卡)"
        "|(?:给|往|向)(?:这个|下面|以下|对方|这张)(?:账户|账号|卡|卡号|银行卡)(?:转|打|汇)",
        requires=("你先", "你马上", "你立刻", "你立即", "你赶紧", "你尽快", "你现在", "您先", "您马上", "您尽快", "到这个", "给这个",
                  "到下面", "给下面", "到以下", "到对方", "给对方", "到这张", "往这个", "向这个", "往下面", "给这张"),
        kind="acquaintance",
        claims_identity=True,
    ),
    Rule(
        "fraud.loan_fee_terms",
        "fraud",
        3.5,
        ("criminal.266",),
        "A loan comes with an unfreezing fee, deposit, 'bank-flow' or activation charge before the money is paid.",
        # a fee the borrower is told to pay ("需交", "先缴"), not one a lender waives ("无需押金")
        pattern="(?:贷款|借款|放款|下款|额度|提现|到账|审核|审批)[^\\n]{0,30}?(?<![无免不])(?:交|缴|付|充|转|需|要)"
        "[^\\n]{0,4}?(?:解冻|保证金|工本费|验资|刷流水|激活费|认证费|会员费|押金|验证金)"
        "|(?:刷流水|解冻金|验证金|验资)[^\\n]{0,20}?(?:放款|下款|到账|提现)",
        requires=("解冻", "保证金", "工本费", "验资", "刷流水", "激活费", "认证费", "会员费", "押金", "验证金"),
        kind="loan_fee",
    ),
    Rule(
        "fraud.loan_link",
        "fraud",
        3.0,
        ("criminal.266",),
        "Credit said to be approved or waiting, to be claimed through a link or a private WeChat or QQ: "
        "a lender's own notice sends people to its app.",
        pattern="(?:额度|备用金|借款|贷款|信用金|周转金|信用贷|白条|金条)[^\\n]{0,20}?(?:已到账|已审批|审批通过|已通过|待领取"
        "|已批|已下发|可领取|已发放|资格|已生效|已激活|待激活|已开通|可提升|提升至|可提额|审核通过|已审核)[^\\n]{0,30}?(?:链接|点击|www|http|[a-z#-]+\\.(?:com|cn|cc|top|vip|xyz|net|icu)"
        "|加微信|加qq|添加客服|添加微信|添加qq|客服qq|客服微信)",
        requires=("额度", "备用金", "借款", "贷款", "信用金", "周转金", "信用贷", "白条", "金条"),
        kind="loan_fee",
    ),
    Rule(
        "fraud.platform_deposit",
        "fraud",
        3.5,
        ("criminal.266",),
        "A trading platform's 'customer service' says a seller's account or money is frozen until a deposit "
        "or fee is paid (闲鱼 'buyer has paid, pay the deposit to withdraw').",
        pattern="(?:闲鱼|转转|二手|买家|卖家|店铺|商家|收款|提现)[^\\n]{0,30}?(?:缴纳|交|付)[^\\n]{0,6}?(?:保证金|解冻金"
        "|认证费|激活费)|(?:未缴纳|未交|需缴纳|需交)(?:保证金|认证费)[^\\n]{0,20}?(?:冻结|无法提现|无法收款)",
        requires=("闲鱼", "转转", "二手", "买家", "卖家", "店铺", "商家", "收款", "提现", "未缴纳", "未交", "需缴纳", "需交"),
        kind="ecommerce_cs",
        claims_identity=True,
    ),
    Rule(
        "fraud.credit_repair",
        "fraud",
        3.5,
        ("criminal.266",),
        "The text offers to repair, wipe or 'optimise' a credit record or cancel a student account for a fee: "
        "only the lender can correct a record, so every such offer is a scam.",
        keywords=(
            "征信修复",
            "修复征信",
            "征信洗白",
            "洗白征信",
            "消除逾期",
            "删除逾期",
            "逾期消除",
            "修复逾期",
            "逾期修复",
            "消除不良记录",
            "征信异常需注销",
            "学生身份未注销",
            "学生账户注销",
        ),
        pattern="(?:撤销|消除|删除|修复|清除)[^\\n]{0,6}?(?:逾期记录|征信记录|不良记录|征信黑名单)"
        "|(?:逾期|征信)[^\\n]{0,20}?(?:撤销|消除|删除|清除)[^\\n]{0,20}?(?:专员|缴纳|手续费|费用)",
        requires=("撤销", "消除", "删除", "修复", "清除"),
        kind="credit_record",
    ),
    Rule(
        "fraud.brushing_terms",
        "fraud",
        3.0,
        ("criminal.266",),
        "Fake-order and task-scam jargon: principal plus commission, order streaks, stuck orders that need more top-ups.",
        keywords=(
            "本金加佣金",
            "本金+佣金",
            "返还本金",
            "本金返还",
            "连单",
            "卡单",
            "任务单",
            "垫付任务",
            "做单返",
            "充值返利",
            "点赞赚钱",
            "关注赚钱",
            "手机兼职",
            "足不出户日",
            "做任务赚",
            "接单赚",
        ),
        kind="brushing",
    ),
    Rule(
        "fraud.investment_lure",
        "fraud",
        3.0,
        ("criminal.266",),
        "Investment, stock-tip or betting lures: guaranteed or daily returns, free stock picks, insider "
        "data of a betting platform, 'winning back' losses (回血上岸).",
        keywords=(
            "保证收益",
            "保收益",
            "包赚不赔",
            "稳赚不亏",
            "只赚不亏",
            "稳赢",
            "包赢",
            "必赚",
            "躺赚",
            "免费荐股",
            "免费领取牛股",
            "涨停牛股",
            "内部数据",
            "回血上岸",
            "帮你回血",
            "带你回血",
            "计划员",
            "彩票导师",
            "带你翻倍",
            "原始股",
        ),
        pattern="(?:日|每天|每日|周|每周|月|每月)(?:收益|回报|利润|盈利|返利)(?:率)?(?:高达|达到|稳定|可达)?#+(?:\\.#+)?%",
        requires=("收益", "回报", "利润", "盈利", "返利"),
        kind="investment",
    ),
    Rule(
        "fraud.romance_money",
        "fraud",
        2.5,
        ("criminal.266",),
        "An online sweetheart brings up money: top-ups, a platform to invest or bet on, a withdrawal that needs a fee.",
        pattern="(?:宝贝|亲爱的|老公|老婆|宝宝)[^\\n]{0,40}?(?:充值|投资|下注|博彩|彩票|理财平台|提现|出金|稳赚)",
        requires=("宝贝", "亲爱的", "老公", "老婆", "宝宝"),
        kind="romance",
    ),
    Rule(
        "fraud.game_lure",
        "fraud",
        3.5,
        ("criminal.266",),
        "Game scams: free skins or currency, cheap top-ups through a private channel, refunds of a minor's top-ups.",
        pattern="免费(?:领|送|领取|获得)"
        + _NOPUNCT
        + "{0,4}?(?:皮肤|点券|钻石|英雄|金币|游戏币|装备|q币)"
        "|(?:游戏|充值)[^\\n]{0,12}?(?:未成年|退款|退费|退还)[^\\n]{0,20}?(?:未成年|退款|退费|退还|客服|加qq|加微信)"
        "|(?:账号|游戏号)(?:被)?(?:冻结|封号|封禁)[^\\n]{0,20}?(?:解冻|解封)[^\\n]{0,10}?(?:费|金|钱|#)",
        requires=("免费领", "免费送", "免费获得", "游戏", "充值", "账号"),
        kind="game_trade",
    ),
    Rule(
        "fraud.subsidy",
        "fraud",
        3.5,
        ("criminal.266",),
        "A subsidy, tax refund or benefit to be claimed through a link, a QR code or a private contact "
        "(社保补贴, 个税退税, 医保返还): government bodies pay into the registered account.",
        # a government site (gov.cn) is where the lawful notice sends people: not a link form here
        pattern="(?:补贴|补助|退税|退费|津贴|补偿金|返还款|养老金|失业金|医保返还|社保返还)"
        "[^\\n]{0,40}?(?:(?:www|http)(?![^\\s,，。]{0,40}?gov\\.cn)|链接|网址|二维码|扫码|加qq|加微信|添加微信|添加qq"
        "|(?<!gov)\\.(?:cn|com|top))",
        requires=("补贴", "补助", "退税", "退费", "津贴", "补偿金", "返还款", "养老金", "失业金", "返还"),
        kind="subsidy",
        claims_identity=True,
    ),
    Rule(
        "fraud.flight_change",
        "fraud",
        3.5,
        ("criminal.266",),
        "A flight said to be cancelled or delayed, with compensation or a rebooking fee through a contact: "
        "the flight-rebooking scam.",
        pattern="(?:航班|机票|班机)[^\\n]{0,30}?(?:取消|故障|停飞|延误|无法起飞)[^\\n]{0,60}?(?:理赔|补偿|赔偿|延误险"
        "|改签费|手续费|退改费)",
        requires=("航班", "机票", "班机"),
        kind="flight",
        claims_identity=True,
    ),
    Rule(
        "fraud.transfer",
        "fraud",
        1.5,
        ("criminal.266",),
        "The caller asks for transfers, card numbers or verification codes.",
        keywords=(
            "转账",
            "汇款",
            "告诉我验证码",
            "验证码告诉",
            "把验证码",
            "验证码发给我",
            "提供验证码",
            "银行卡号",
            "卡号和密码",
            "支付链接",
            "扫码支付",
            "打款",
            "指定账户",
            "把钱转",
            "资金转移",
            "转到这个账户",
        ),
    ),
)


assert all(r.kind is None or r.kind in FRAUD_KINDS for r in RULES)


def rules_for(label: str) -> tuple[Rule, ...]:
    return tuple(r for r in RULES if r.label == label)
