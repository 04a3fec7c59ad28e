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

LABELS: tuple[str, ...] = (
    "marketing",
    "loan",
    "impersonation",
    "false_promise",
    "credit_packaging",
    "pi_exposure",
    "bribery",
    "fraud",
)


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


_UNSOLICITED = ("adlaw.43", "cpl.29", "sms_rules.18")
_FALSE = ("adlaw.28", "aucl.false_publicity")
_PI = ("pipl.10", "pipl.13", "cpl.29", "criminal.253-1")
_SAY = "(?:这里是|这边是|我是|我们是|我这边是|我们这边是|我这里是|本人是|我们这里是)"
_SAY_WORDS = ("这里是", "这边是", "我是", "我们是", "本人是")
_NOPUNCT = "[^\\n,。，!！?？;；]"

RULES: tuple[Rule, ...] = (
    # -- marketing ------------------------------------------------------------------------------
    Rule(
        "marketing.opt_out",
        "marketing",
        3.0,
        _UNSOLICITED,
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
        ),
    ),
    Rule(
        "marketing.signature",
        "marketing",
        1.5,
        _UNSOLICITED,
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
        ),
    ),
    Rule(
        "marketing.invoice_sale",
        "marketing",
        3.0,
        _UNSOLICITED,
        "The text offers invoices for sale or to be issued on another's behalf (代开发票), an illegal trade.",
        pattern="代开[^\\n,。!?;]{0,8}发票|发票[^\\n,。!?;]{0,6}(?:代开|出售|点数|低价)|(?:出售|提供|代开)(?:各类|各种|正规)?发票",
        requires=("发票",),
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
        _UNSOLICITED,
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
        "impersonation.authority",
        "impersonation",
        5.0,
        ("criminal.279", "aucl.confusion"),
        "The caller presents as police, a court, a procuratorate or another government body.",
        pattern=_SAY
        + _NOPUNCT
        + "{0,12}?(?:公安|警察|警官|派出所|刑警|网警|法院|检察院|监管局|人民银行|银保监|金融监管|社保局|医保局|税务局)",
        requires=_SAY_WORDS,
    ),
    Rule(
        "impersonation.platform",
        "impersonation",
        2.0,
        ("aucl.confusion",),
        "The caller presents as the customer service of a platform, courier or payment app.",
        pattern=_SAY + _NOPUNCT + "{0,12}?(?:客服|支付宝|微信支付|京东|美团|淘宝|抖音|快递|借呗|花呗|白条)",
        requires=_SAY_WORDS,
    ),
    Rule(
        "impersonation.acquaintance",
        "impersonation",
        5.0,
        ("criminal.266",),
        "The caller poses as a leader, relative or old friend ('guess who I am', 'I changed my number').",
        keywords=(
            "猜猜我是谁",
            "我是你领导",
            "我是你的领导",
            "我是你老同学",
            "我换号了",
            "我换新号码了",
            "明天来我办公室",
        ),
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
    Rule(
        "fraud.safe_account",
        "fraud",
        4.0,
        ("criminal.266",),
        "The caller demands transfers to a 'safe account' or invokes an investigation or frozen funds.",
        keywords=(
            "安全账户",
            "资金清查",
            "涉嫌洗钱",
            "配合调查",
            "冻结账户",
            "账户冻结",
            "通缉令",
            "逮捕令",
            "资金核查",
            "解冻",
        ),
    ),
    Rule(
        "fraud.remote_control",
        "fraud",
        3.5,
        ("criminal.266",),
        "The caller asks the person to share a screen or install remote-control or meeting apps.",
        keywords=(
            "屏幕共享",
            "共享屏幕",
            "远程控制",
            "远程协助",
            "会议软件",
            "腾讯会议",
            "向日葵",
            "zoom",
            "安聊",
        ),
    ),
    Rule(
        "fraud.upfront_payment",
        "fraud",
        3.5,
        ("criminal.266",),
        "The caller asks for money first: deposits, 'proof of repayment ability', activation or unfreezing fees.",
        keywords=(
            "解冻金",
            "保证金",
            "验资",
            "工本费",
            "激活费",
            "证明还款能力",
            "还款能力证明",
            "先交",
            "押金",
            "刷流水",
            "会员费",
            "解冻费",
            "手续费先",
        ),
    ),
    Rule(
        "fraud.transfer",
        "fraud",
        1.5,
        ("criminal.266",),
        "The caller asks for transfers, card numbers or verification codes.",
        keywords=("转账", "汇款", "验证码", "银行卡号", "卡号和密码", "支付链接", "扫码支付"),
    ),
    Rule(
        "fraud.lure",
        "fraud",
        2.0,
        ("criminal.266",),
        "The text lures with prizes, refunds, claims or cancelling a student loan.",
        keywords=("中奖", "退款", "理赔", "注销校园贷", "注销账户", "高额回报", "稳赚不赔", "刷单", "返利"),
    ),
)


def rules_for(label: str) -> tuple[Rule, ...]:
    return tuple(r for r in RULES if r.label == label)
