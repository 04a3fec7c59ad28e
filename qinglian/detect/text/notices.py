"""Transactional notices: the service messages that SMS platforms send besides advertising.

Verification codes, account movements, deliveries, bills, bookings and appointments, outages and
public-service notices carry the same sender signature (【…】), amounts, dates and numbers as
advertising, so a model trained on advertising scores them as ads (docs/model-card.md). A seized
SMS-platform log is mostly such notices; counting them as marketing would inflate every figure of a
report.

Each pattern is one kind of notice, matched on *normalised* text (digits are ``#``, see
normalize.py). A recognised notice is not evidence of marketing by itself; an offer in it (an
opt-out, a promotion word, a loan offer) still is (see detectors.marketing).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

_S = "[^,。;!?\\n]"  # within one clause

NOTICE_PATTERNS: tuple[tuple[str, str], ...] = (
    (
        # a code with the warning that comes with it (prize scams also quote a "验证码")
        "verification_code",
        f"(?:验证码|校验码|动态码|动态密码|确认码){_S}{{0,6}}#{{4,8}}(?!#).*(?:有效|请勿|切勿|泄露|如非本人)"
        f"|#{{4,8}}{_S}{{0,6}}(?:验证码|校验码|动态码).*(?:有效|请勿|切勿|泄露|如非本人)",
    ),
    (
        # money moved and its amount, the first number after the verb ("消费满 199 元送…" is a promotion)
        "account_movement",
        "(?:支出|收入|入账|转入|转出|存入|扣款|扣费|退款|汇缴|退税|您在[^,。;!?\\n满]{0,20}消费)"
        "[^,。;!?\\n#满]{0,10}#[#,.]*元"
        f"|余额(?:为)?(?:人民币)?#[#,.]*元|(?:已退至|已存入|已转入){_S}{{0,12}}(?:账户|卡)",
    ),
    (
        "delivery",
        f"取件码|(?:快件|包裹|运单|订单){_S}{{0,30}}(?:已发货|派送|签收|代收|送达|接单|出库|揽收)"
        f"|(?:司机|骑手|快递员|派送员){_S}{{0,12}}(?:已到达|已接单|正在|预计)",
    ),
    (
        "bill",
        f"(?:账单|话费|电费|水费|燃气费|燃气表|流量){_S}{{0,20}}"
        "(?:金额|共计|已出|扣款|缴费|缴清|剩余|已使用|余额|余量)|最低还款|到期还款日",
    ),
    (
        "booking",
        f"航班{_S}{{0,30}}(?:起飞|值机|登机|延误|取消|到达)|值机|检票口|已购{_S}{{0,20}}次"
        f"|(?:预订|预约)的{_S}{{0,30}}(?:已确认|时间为|起飞|入住|门诊)|已成功预约|就诊序号|入住{_S}{{0,8}}已确认",
    ),
    ("outage", "停水|停电|停气|暂停供水|暂停供电"),
    (
        "public_service",
        f"(?:社保卡|公积金账户|驾驶证|行驶证){_S}{{0,20}}(?:已制作|领取|到账|汇缴|审验|换证)"
        "|交通违法|违反规定停放|家长会|检验报告|体检报告|停机保号",
    ),
)

_NOTICE = re.compile("|".join(f"(?:{p})" for _, p in NOTICE_PATTERNS))
# Words of which every pattern needs one: a cheap pre-filter that never changes the result (tested).
_ANCHORS = re.compile(
    "验证码|校验码|动态码|动态密码|确认码|支出|收入|入账|转入|转出|存入|扣款|扣费|退款|汇缴|退税|消费"
    "|余额|已退至|已存入|已转入|取件码|快件|包裹|运单|订单|司机|骑手|快递员|派送员|账单|话费|电费|水费"
    "|燃气|流量|最低还款|到期还款日|航班|值机|检票口|已购|预订的|预约的|已成功预约|就诊序号|入住|停水"
    "|停电|停气|暂停供|社保卡|公积金账户|驾驶证|行驶证|交通违法|违反规定停放|家长会|检验报告|体检报告|停机保号"
)


def is_notice(texts: Sequence[str], prefilter: bool = True) -> np.ndarray:
    """Per normalised text: whether it reads as a transactional notice (one of NOTICE_PATTERNS)."""
    return np.fromiter(
        (
            (not prefilter or _ANCHORS.search(t) is not None) and _NOTICE.search(t) is not None
            for t in texts
        ),
        dtype=bool,
        count=len(texts),
    )


def notice_kind(text: str) -> str | None:
    """The first kind of notice a normalised text matches, for explanations and tests."""
    for kind, pattern in NOTICE_PATTERNS:
        if re.search(pattern, text):
            return kind
    return None
