"""What the demo's people say: dialer scripts, SMS campaign templates, chat lines, complaints.

Violating texts carry the markers the detectors look for (bank impersonation, impossible
promises, credit packaging, recited personal details, bribes); compliant texts identify
the real sender, rest on consent and offer an opt-out.
"""

from __future__ import annotations

from dataclasses import dataclass

BANK_GUISES = ("**银行信用卡中心", "演示农商银行信用卡中心", "示例银行个人贷款中心", "**银行消费金融部")


@dataclass(frozen=True)
class Script:
    """A dialer script (话术): the robot's opening and its follow-up lines."""

    name: str
    opening: str  # may use {name} {employer} {address} {guise} {company}
    lines: tuple[str, ...]
    violating: bool
    labels: tuple[str, ...]


SCRIPTS: tuple[Script, ...] = (
    Script(
        "银行提额话术V3",
        "您好，这里是{guise}，看到您是{employer}的员工，您的信用卡已获得提额和低息贷款资格",
        (
            "最高可以贷五十万，年化利率低至百分之三点六，免抵押免担保",
            "今天申请秒批，当天到账",
            "您方便留个微信吗，我让专属客户经理联系您",
        ),
        True,
        ("impersonation", "loan", "false_promise", "pi_exposure"),
    ),
    Script(
        "征信修复话术",
        "{name}您好，我们是{guise}合作机构，您名下有一笔逾期记录",
        (
            "黑户也能贷，不看征信，我们可以帮您包装征信和银行流水",
            "包装一下收入证明，包过，放款后收百分之八服务费",
            "您住在{address}对吧，我们可以上门办理",
        ),
        True,
        ("impersonation", "loan", "credit_packaging", "false_promise", "pi_exposure"),
    ),
    Script(
        "低息秒批话术",
        "您好，打扰一下，这边是{company}贷款部，您之前有贷款需求吗",
        (
            "无抵押信用贷，低息秒批，不看征信，黑户可贷",
            "额度三到五十万，今天申请明天到账",
            "手续费只收百分之三，银行有内部关系",
        ),
        True,
        ("loan", "false_promise", "marketing"),
    ),
    Script(
        "公积金贷话术",
        "您好，这里是{guise}，您在{employer}缴纳的公积金可以申请免息贷款",
        ("不用提供任何资料，免手续费，秒批", "我们和银行的审批人员很熟，保证通过"),
        True,
        ("impersonation", "loan", "false_promise", "pi_exposure"),
    ),
    Script(
        "授权回访话术",
        "您好，我是{company}的客户经理，您前天在我们官网提交了贷款咨询，现在给您回电",
        (
            "我们只做咨询，最终以银行审批为准，利率按银行公布的标准执行",
            "服务费标准已在合同中写明",
            "如果您不需要，我们将不再联系您",
        ),
        False,
        ("loan",),
    ),
)

COMPLIANT_SCRIPT = SCRIPTS[-1]
VIOLATING_SCRIPTS = SCRIPTS[:-1]

CONSUMER_REPLIES = (
    "喂，哪位",
    "嗯",
    "什么事",
    "利息多少",
    "我考虑一下",
    "额度有多少",
    "要什么资料",
    "好的你加我微信",
    "你怎么知道我的名字",
    "我没有申请过",
    "不需要，别再打了",
    "你们哪个银行的",
)
REFUSAL = "不需要，别再打了"


@dataclass(frozen=True)
class SmsTemplate:
    """An SMS campaign: fixed text with slots {name} {amount} {link} {sig}."""

    key: str
    text: str
    violating: bool
    labels: tuple[str, ...]
    variants: tuple[str, ...] = ("",)  # small per-message greetings, as real senders vary


SMS_TEMPLATES: tuple[SmsTemplate, ...] = (
    SmsTemplate(
        "bank_limit",
        "{sig}{name}您好，这里是**银行信用卡中心，您的额度已提升至{amount}元，低息秒批，点击 {link} 领取",
        True,
        ("impersonation", "loan", "false_promise", "marketing"),
        ("", "尊敬的"),
    ),
    SmsTemplate(
        "no_credit_check",
        "{sig}不看征信！黑户可贷，{amount}元当天到账，无抵押免担保，详询 {link}",
        True,
        ("loan", "false_promise", "marketing"),
    ),
    SmsTemplate(
        "packaging",
        "{sig}{name}，征信花了也能贷！专业包装征信、代做流水，包过，额度{amount}元，加V了解 {link}",
        True,
        ("loan", "credit_packaging", "false_promise", "marketing"),
    ),
    SmsTemplate(
        "fund_loan",
        "{sig}{name}先生/女士：这里是住房公积金管理中心，您的公积金贷款已预审通过，可贷{amount}元，年化3.6%，"
        "请于今日内登录 {link} 确认",
        True,
        ("impersonation", "loan", "false_promise"),
        ("", "【紧急】"),
    ),
    SmsTemplate(
        "low_rate",
        "{sig}低息贷款，月息低至0.3%，秒批{amount}元，资料简单，速戳 {link}",
        True,
        ("loan", "false_promise", "marketing"),
        ("", "好消息！"),
    ),
    SmsTemplate(
        "overdue_fix",
        "{sig}{name}您好，您有一笔逾期可协商修复征信，洗白不良记录，咨询 {link}",
        True,
        ("credit_packaging", "marketing"),
    ),
    SmsTemplate(
        "consent_followup",
        "{sig}{name}您好，您在本公司官网提交的贷款咨询已受理，客户经理将在工作时间"
        "与您联系，费用标准见合同。拒收请回复R",
        False,
        ("loan",),
    ),
    SmsTemplate(
        "consent_notice",
        "{sig}尊敬的客户，您预约的面签时间为明日上午，地址见官网。如不需要本服务，回复TD退订",
        False,
        ("loan",),
    ),
)

OPTOUT_REPLIES = ("退订", "TD", "T", "退订！别再发了")

CHAT_PLATFORM = (
    "今天那个群发任务帮我加急，二十多万条要一天发完",
    "通道又被运营商拦了，换个签名报备一下",
    "充值五万，发票开技术服务费",
    "号段数据你们那边还有吗，要本市的",
    "回复退订的不用管，继续发",
)
CHAT_VENDOR = (
    "再开{seats}个坐席，线路被封了换一批外显号码",
    "机器人话术按我们发的改，开头说是银行信用卡中心",
    "A类意向客户导出来发我，B类明天再拨一轮",
    "名单按顺序导进去，一天拨完",
)
CHAT_BANK = (
    "{bank}那边这周能批几单？好处费照旧，每单百分之二",
    "上个月的回扣已经转给你了，你查收一下",
    "这个客户征信有点花，麻烦内部关系打点一下，返点我多给一个点",
    "放款后按老规矩给你返点",
    "流水我们这边做好了，你那边审批帮忙过一下",
)
CHAT_INTERNAL = (
    "今天A类客户{n}个，大家抓紧跟进",
    "新到一批名单，有身份证和工作单位，按顺序导入机器人",
    "客户问怎么知道他信息的，就说是银行系统推荐的",
    "服务费收百分之{pct}，先收再放款",
)
CHAT_COMPLIANT = (
    "客户授权书扫描件已经归档",
    "这位客户说不需要了，已经标记不再联系",
    "明天面签的客户资料齐了",
    "合同里的服务费标准再核对一下",
)

COMPLAINT_CALL = (
    "对方知道我的姓名、住址和工作单位，自称{guise}推销贷款，我从未办理过该行业务",
    "机器人电话反复推销贷款，说不看征信黑户可贷，我说了不需要还继续打",
    "来电自称银行工作人员，能说出我的身份证号，推销低息贷款",
    "一天接到好几个推销贷款的电话，说可以包装征信",
)
COMPLAINT_SMS = (
    "收到贷款营销短信，回复退订后仍然继续发送，短信签名{sig}",
    "短信冒充银行信用卡中心，称额度提升，要求点链接",
)

# How senders dodge carriers' keyword filters: spacing, look-alike or same-sound characters,
# traditional forms. Each violating SMS account uses one style on part of its messages.
EVASIONS: tuple[dict[str, str], ...] = (
    {},
    {"贷款": "贷 款", "征信": "征-信", "低息": "低.息"},
    {"贷款": "袋款", "秒批": "秒 批", "黑户": "嘿户"},
    {"贷款": "貸款", "额度": "額度", "银行": "銀行"},
    {"贷": "代", "包装": "包 装"},
)
