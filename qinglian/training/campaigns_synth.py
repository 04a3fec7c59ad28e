"""Generated campaigns with realistic variation, for tests, tuning and the benchmark.

Each campaign is a template with slots; each message fills them with fresh names,
amounts, links, numbers and dates, and some messages carry the tricks senders use:
wording variants of the template, spaces or symbols inside words (贷 款, 贷*款),
full-width digits and a signature per sending account.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

BASE_TEMPLATES: tuple[str, ...] = (
    "{sig}尊敬的{name}先生，您在我行的备用金{amount}已审批通过，点击 {link} 领取，退订回T",
    "{sig}{name}您好，您的信用额度已提升至{amount}，年化利率低至{rate}，今日申请当天到账，详询{phone}",
    "{sig}亲爱的{name}，您有一笔{amount}的低息贷款待领取，无抵押无担保，{date}前有效，戳 {link}",
    "{sig}【重要通知】{name}，您的征信已通过初审，可在{date}前办理{amount}额度，请回电{phone}",
    "{sig}您好，我是{bank}的客户经理{name}，现推出员工专属贷款，最高{amount}，月息{rate}，加微信{wx}详聊",
    "{sig}征信花了、负债高、被拒贷？专业包装征信，黑户也能下款{amount}，不成功不收费，联系{phone}",
    "{sig}{name}女士，恭喜您获得{bank}信用卡提额资格，最高可提至{amount}，回复1办理，退订回N",
    "{sig}公积金、社保、保单、房产均可贷，额度{amount}起，手续简单，三天放款，咨询热线{phone}",
    "{sig}【{bank}】{name}先生，您的账户因异常已被冻结，请于{date}前登录{link}解除，逾期将影响征信",
    "{sig}企业主专享：凭营业执照即可申请{amount}经营贷，利息{rate}，随借随还，详情见{link}",
    "{sig}{name}，您在{date}申请的{amount}借款已放款成功，请下载APP查看：{link}，如非本人操作请致电{phone}",
    "{sig}缺钱找我们！不看征信，不查负债，身份证即可申请，最快{minutes}分钟到账，最高{amount}，加V：{wx}",
    "{sig}温馨提示：{name}您好，您名下有一笔{amount}的免息额度即将过期，请在{date}前激活 {link} 拒收请回复R",
    "{sig}新店开业，全场{discount}折起，凭短信到店再送精美礼品一份，地址：{addr}，电话{phone}",
    "{sig}{name}先生您好，我是{bank}信贷部的{staff}，您之前咨询的{amount}贷款已有结果，方便回个电话吗？{phone}",
    "{sig}车贷、房贷、信用贷，银行内部渠道，审批快利息低，月供仅需{amount}，详询{phone}{staff}经理",
    "{sig}您好{name}，您的花呗/借呗额度可转为现金{amount}，手续费仅{rate}，当天到账，联系{wx}",
    "{sig}【{bank}】尊敬的客户，您的信用卡积分{points}分将于{date}清零，请尽快登录{link}兑换礼品",
    "{sig}急用钱？{amount}以内秒批，无需面签，无需抵押，点 {link} 立即申请，退订回TD",
    "{sig}{name}您好，您的贷款申请资料不全，需补充银行流水，请于{date}前联系专员{staff}：{phone}",
)

_BANKS = ("工商银行", "建设银行", "招商银行", "平安银行", "农业银行", "交通银行", "中信银行", "浦发银行")
_SIGS = ("安心金融", "融易借", "好运贷", "众信普惠", "吉祥金融", "速达信贷", "鑫源资本", "诚信助贷", "金汇通")
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰建国志红"
_ADDRS = ("人民路{n}号", "中山大道{n}号", "解放西路{n}号商铺", "滨江路{n}号一楼")

# Phrases for composed campaigns (beyond the hand-written ones): each campaign picks a
# greeting, a few phrases and a call to action, so campaigns share phrases now and then
# the way competing intermediaries' texts do, without being copies of each other.
_GREETINGS = (
    "{sig}{name}您好，",
    "{sig}尊敬的客户：",
    "{sig}【温馨提示】",
    "{sig}",
    "{sig}亲爱的{name}：",
    "{sig}老客户专享：",
    "{sig}{name}先生/女士，",
    "{sig}【限时福利】",
)
_PHRASES = (
    "{product}最高可贷{amount}",
    "您已获得{product}预授信{amount}",
    "{product}限时活动利率低至{rate}",
    "本月{product}名额仅剩{n}个",
    "我司代办{product}费用仅收{rate}",
    "无抵押无担保",
    "不看征信不查负债",
    "黑白户均可办理",
    "手续简单只需身份证",
    "随借随还按日计息",
    "先息后本压力小",
    "银行内部渠道审批包过",
    "当天放款",
    "最快{minutes}分钟到账",
    "三天内下款",
    "秒批秒到",
    "额度循环使用",
    "可提前还款无违约金",
    "有房有车者优先",
    "有社保公积金即可申请",
    "工资流水不够可帮做",
    "逾期征信可协助修复",
    "年化利率低至{rate}",
    "首期免息",
    "分期最长{n}期",
    "审批不成功不收费",
    "专人一对一服务",
    "全国均可办理",
    "仅限本周",
    "名额有限先到先得",
    "已有{n}万人成功借款",
    "凭营业执照即可申请",
    "小微企业主专享",
    "公务员教师医生优先审批",
    "支持微信支付宝提现",
    "不上征信不影响贷款",
    "{date}前申请送免息券",
    "持牌机构正规放款",
    "大额信用卡加急办理",
    "负债高也能批",
)
_PRODUCTS = (
    "信用贷",
    "房抵贷",
    "车主贷",
    "公积金贷",
    "税金贷",
    "保单贷",
    "装修贷",
    "经营贷",
    "消费分期",
    "大额信用卡",
    "工薪贷",
    "医美分期",
)
_CALLS = (
    "详询{phone}",
    "点击{link}申请",
    "加微信{wx}咨询",
    "回复Y了解详情，退订回T",
    "请致电{phone}联系{staff}",
    "戳{link}，拒收请回复R",
    "下载APP：{link}",
    "热线{phone}，退订回N",
)

_SYNONYMS = (
    ("申请", "办理"),
    ("额度", "金额"),
    ("立即", "马上"),
    ("您好", "你好"),
    ("最高", "最多"),
    ("当天", "当日"),
    ("联系", "联络"),
)
_TRICK_WORDS = ("贷款", "征信", "额度", "到账", "放款", "无抵押", "利率")
_TRICK_SEPS = (" ", "-", "*", "·", "  ", "_")


@dataclass(frozen=True)
class Campaign:
    template: str
    variants: tuple[str, ...]
    accounts: tuple[str, ...]
    signatures: tuple[str, ...]


def make_campaigns(n: int, seed: int = 7) -> list[Campaign]:
    """n campaigns: the hand-written templates first, then distinct composed ones."""
    rng = random.Random(seed)
    templates = list(BASE_TEMPLATES[:n])
    seen = set(templates)
    while len(templates) < n:
        phrases = rng.sample(_PHRASES, rng.randint(3, 5))
        body = "，".join(ph.replace("{product}", rng.choice(_PRODUCTS)) for ph in phrases)
        t = rng.choice(_GREETINGS) + body + "，" + rng.choice(_CALLS)
        if t not in seen:
            seen.add(t)
            templates.append(t)
    out = []
    for i, t in enumerate(templates):
        t = t.replace("{bank}", rng.choice(_BANKS))  # a campaign names one bank
        variants = [t]
        for _ in range(rng.randint(0, 3)):
            variants.append(_edit(t, rng))
        n_acc = rng.randint(1, 6)
        accounts = tuple(f"acct{i:04d}{j}" for j in range(n_acc))
        sigs = tuple(rng.choice(_SIGS) for _ in range(n_acc))
        out.append(Campaign(t, tuple(variants), accounts, sigs))
    return out


def _edit(t: str, rng: random.Random) -> str:
    """A wording variant: a synonym swapped, a word added or a phrase dropped."""
    kind = rng.randint(0, 2)
    pairs = [p for p in _SYNONYMS if p[0] in t]
    if kind == 0 and pairs:
        a, b = rng.choice(pairs)
        return t.replace(a, b, 1)
    if kind == 1:
        cut = rng.randrange(len(t))
        if "{" not in t[max(0, cut - 12) : cut] and "}" not in t[cut : cut + 12]:
            return t[:cut] + rng.choice(("现在", "特别", "！", "本月", "即日起")) + t[cut:]
    parts = t.split("，")
    if len(parts) > 3:
        drop = rng.randrange(1, len(parts) - 1)
        return "，".join(parts[:drop] + parts[drop + 1 :])
    return t + rng.choice(("！", "。", "，谢谢", "（广告）"))


def _name(rng: random.Random) -> str:
    return rng.choice(_SURNAMES) + "".join(rng.choice(_GIVEN) for _ in range(rng.randint(1, 2)))


def _amount(rng: random.Random) -> str:
    v = rng.choice((3000, 5000, 8000, 10000, 20000, 50000, 100000, 200000, 300000, 500000))
    style = rng.randint(0, 3)
    if style == 0:
        return f"{v}元"
    if style == 1 and v >= 10000:
        return f"{v // 10000}万"
    if style == 2:
        return f"¥{v:,}"
    return f"{v // 1000}千元" if v < 10000 else f"{v // 10000}万元"


def _link(rng: random.Random) -> str:
    code = "".join(rng.choice("abcdefghijkmnpqrstuvwxyzABCDEFGH23456789") for _ in range(6))
    host = rng.choice(("t.cn", "dwz.cn", f"dk{rng.randint(1, 99)}.cn", f"www.jr{rng.randint(1, 999)}.com"))
    return rng.choice(("http://", "https://", "")) + host + "/" + code


def _phone(rng: random.Random) -> str:
    n = f"1{rng.choice('3456789')}{rng.randint(0, 999999999):09d}"
    style = rng.randint(0, 4)
    if style == 0:
        return f"{n[:3]}-{n[3:7]}-{n[7:]}"
    if style == 1:
        return f"400-{rng.randint(100, 999)}-{rng.randint(1000, 9999)}"
    return n


def _date(rng: random.Random) -> str:
    m, d = rng.randint(1, 12), rng.randint(1, 28)
    return rng.choice((f"{m}月{d}日", f"2025-{m:02d}-{d:02d}", f"2025年{m}月{d}日"))


def _fill(t: str, c: Campaign, acct: int, rng: random.Random) -> str:
    values = {
        "sig": f"【{c.signatures[acct]}】" if rng.random() < 0.8 else "",
        "name": _name(rng),
        "staff": _name(rng)[0] + rng.choice(("经理", "主管", "专员"))
        if "{staff}经理" not in t
        else _name(rng),
        "amount": _amount(rng),
        "link": _link(rng),
        "phone": _phone(rng),
        "date": _date(rng),
        "rate": f"{rng.choice((0.2, 0.3, 0.35, 0.5, 1, 3.6, 4.8))}%",
        "wx": "".join(rng.choice("abcdefghjkmnpqrstuvwxyz") for _ in range(2))
        + str(rng.randint(1000, 99999)),
        "minutes": str(rng.choice((3, 5, 10, 30))),
        "discount": str(rng.choice((5, 6, 7, 8))),
        "points": str(rng.randint(1000, 90000)),
        "addr": rng.choice(_ADDRS).format(n=rng.randint(1, 300)),
        "n": str(rng.randint(3, 50)),
    }
    return t.format(**values)


def _trick(text: str, rng: random.Random) -> str:
    r = rng.random()
    if r < 0.15:
        words = [w for w in _TRICK_WORDS if w in text]
        if words:
            w = rng.choice(words)
            return text.replace(w, rng.choice(_TRICK_SEPS).join(w), 1)
    elif r < 0.20:
        return text.translate({c: c + 0xFEE0 for c in range(0x30, 0x3A)})
    elif r < 0.25:
        return text.replace("，", rng.choice((" ", ",", "~", "，，")))
    return text


def generate(n_messages: int, n_campaigns: int = 300, seed: int = 7) -> tuple[list[str], list[int]]:
    """n_messages texts and their true campaign index; campaign sizes are skewed (Zipf-like)."""
    rng = random.Random(seed)
    campaigns = make_campaigns(n_campaigns, seed)
    weights = [1.0 / (i + 1) ** 0.8 for i in range(n_campaigns)]
    rng.shuffle(weights)
    truth = rng.choices(range(n_campaigns), weights=weights, k=n_messages)
    texts = []
    for ci in truth:
        c = campaigns[ci]
        t = rng.choice(c.variants)
        texts.append(_trick(_fill(t, c, rng.randrange(len(c.accounts)), rng), rng))
    return texts, truth
