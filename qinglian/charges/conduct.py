"""The conduct types a charge can name: the provisions each breaches, its elements, what rebuts it.

A charge is raised only where the seized evidence meets every element listed here; a detection that
meets fewer is a lead. Provisions are ids in qinglian/laws/laws.yaml; the version cited is the one in
force at the end of the conduct.
"""

from __future__ import annotations

from dataclasses import dataclass

Text = tuple[str, str]  # (zh, en)


@dataclass(frozen=True)
class Conduct:
    code: str
    zh: str
    en: str
    breach: tuple[str, ...]  # provisions the conduct breaches (administrative)
    elements: tuple[Text, ...]
    rebuttal: tuple[Text, ...]
    referral: tuple[str, ...] = ()  # criminal provisions when a threshold or fraud is met


CONDUCTS: dict[str, Conduct] = {
    c.code: c
    for c in (
        Conduct(
            "pi_unlawful",
            "非法获取、持有消费者个人信息",
            "obtaining and holding consumers' personal information without a lawful basis",
            ("pipl.10", "pipl.13", "cpl.29"),
            (
                ("持有消费者个人信息（姓名、电话、身份证号、住址、单位、征信等）", "holds consumers' PI"),
                ("信息来自他人（名单来源为资源包、渠道购买等，或与其他单位的名单大量重合）", "obtained from others"),
                ("无同意或其他合法性基础的记录", "no consent or other lawful basis on record"),
            ),
            (
                ("出示消费者的授权、同意记录或合同", "consent records or contracts for these consumers"),
                ("证明名单为本单位业务中合法收集（如客户本人申请）", "proof the list was collected lawfully in its own business"),
            ),
            referral=("criminal.253-1", "spc_spp.2017.pi"),
        ),
        Conduct(
            "pi_provide",
            "向他人提供、出售消费者个人信息",
            "providing or selling consumers' personal information",
            ("pipl.10", "cpl.29"),
            (
                ("向他人发送或出售名单、数据", "sent or sold lists or data to others"),
                ("收取对价或无合法性基础", "for payment or without a lawful basis"),
            ),
            (("证明所发送内容不含个人信息或经个人单独同意", "the data held no PI, or the persons consented"),),
            referral=("criminal.253-1", "spc_spp.2017.pi"),
        ),
        Conduct(
            "unsolicited",
            "未经同意发送商业性短信、拨打营销电话",
            "commercial SMS and marketing calls without consent",
            ("adlaw.43", "cpl.29"),
            (
                ("向消费者发送商业性信息（贷款营销短信、外呼）", "commercial messages or calls to consumers"),
                ("接收人不在本单位的同意记录中（号码来自他人名单或陌生号码）", "recipients not in its consent records"),
            ),
            (
                ("出示接收人的同意或请求记录", "consent or requests of the recipients"),
                ("证明信息为交易通知而非广告", "the messages were transactional notices, not advertising"),
            ),
        ),
        Conduct(
            "after_refusal",
            "消费者明确拒绝后继续发送商业性信息、拨打营销电话",
            "marketing calls or SMS after the consumer refused",
            ("cpl.29", "adlaw.43"),
            (
                ("消费者明确拒绝（通话中“不需要，别再打了”或回复退订）", "the consumer refused (in the call or by an opt-out reply)"),
                ("此后本单位仍向该号码营销", "the holder contacted the same number again afterwards"),
            ),
            (
                ("证明后续联系是消费者请求或交易所需", "later contacts were requested or needed for a transaction"),
                ("证明拒绝记录与后续联系不是同一号码或同一单位", "the refusal and the later contact are not the same number or holder"),
            ),
        ),
        Conduct(
            "list_dialling",
            "按他人来源名单顺序外呼（非法使用个人信息）",
            "dialling a list obtained from others in its row order (unlawful use of PI)",
            ("pipl.10", "pipl.13"),
            (
                ("外呼顺序与名单行序高度一致", "the call order follows the list's row order"),
                ("名单来自他人，无同意记录", "the list was obtained from others without consent"),
            ),
            (("出示名单中消费者的同意记录", "consent of the consumers on the list"),),
        ),
        Conduct(
            "profiling",
            "未经同意对消费者进行意向分级（自动化画像营销）",
            "grading consumers' intent without consent (automated profiling for marketing)",
            ("pipl.13", "pipl.24"),
            (
                ("外呼系统按通话时长、说话次数等对消费者分级", "the dialer graded consumers by duration, turns and replies"),
                ("被分级的消费者未同意处理其个人信息", "the graded consumers had not consented"),
            ),
            (("出示被分级消费者的同意记录及拒绝方式", "consent of the graded consumers and the opt-out offered"),),
        ),
        Conduct(
            "impersonation",
            "冒充银行等金融机构或公共机构",
            "impersonating a bank, financial institution or public body",
            ("aucl.confusion", "adlaw.28"),
            (
                ("营销话术或短信自称某银行、金融机构或公共机构", "scripts or SMS present the sender as a bank or public body"),
                ("发送方不是该机构（与本单位名称、签名不符）", "the sender is not that institution"),
            ),
            (
                ("证明本单位即为该机构或经其授权使用名称", "the holder is that institution or licensed to use its name"),
            ),
        ),
        Conduct(
            "false_promise",
            "向消费者作虚假承诺（低息、秒批、不看征信、包过等）",
            "false promises to consumers (low interest, instant approval, no credit check, guaranteed approval)",
            ("adlaw.28", "cpl.20"),
            (
                ("广告、外呼中承诺贷款条件或审批结果", "ads or calls promise loan terms or approval"),
                ("中介无权决定审批与利率，承诺无法兑现", "an intermediary cannot decide approval or rates"),
            ),
            (("证明本单位为放贷机构且所承诺条件真实", "the holder is the lender and the terms were real"),),
        ),
        Conduct(
            "false_publicity",
            "虚假或引人误解的商业宣传（谎称与银行合作、有内部关系）",
            "false or misleading publicity (claimed bank partnerships or insider ties)",
            ("adlaw.28", "aucl.false_publicity"),
            (
                ("宣称是银行合作机构、与银行审批人员熟悉或有内部关系", "claims bank partnership or insider ties"),
                ("无相应合作协议或授权", "no such agreement or authorisation"),
            ),
            (("出示与银行的合作协议或授权", "a partnership agreement or authorisation from the bank"),),
        ),
        Conduct(
            "credit_packaging",
            "宣传包装征信、修复征信、代做流水",
            "advertising credit packaging, credit repair or fabricated bank statements",
            ("adlaw.28",),
            (
                ("广告、外呼中宣传包装、修复征信或代做流水", "ads or calls offer credit packaging or fabricated statements"),
                ("不良征信记录不能通过中介修复，宣传内容虚假", "adverse credit records cannot be repaired by an intermediary"),
            ),
            (("证明所提供服务为合法的异议申请代理且宣传真实", "the service was a lawful dispute filing, truthfully advertised"),),
        ),
        Conduct(
            "bribery",
            "商业贿赂（向银行工作人员给予好处费、回扣）",
            "commercial bribery (benefits to bank staff)",
            ("aucl.bribery",),
            (
                ("对象是交易相对方（银行）的工作人员", "the recipient is staff of a counterparty (a bank)"),
                ("给予财物（好处费、回扣、返点）", "money or benefits were given"),
                ("未如实入账、以谋取交易机会（审批、放款）", "off-book, to obtain business (approvals, loans)"),
            ),
            (
                ("证明款项为如实入账的佣金、折扣或正常劳务报酬", "the payment was a booked commission, discount or wage"),
                ("证明收款人不是银行工作人员", "the payee is not bank staff"),
            ),
            referral=("criminal.164",),
        ),
        Conduct(
            "fraud",
            "涉嫌诈骗（移送公安机关）",
            "suspected fraud (referral to the police)",
            (),
            (
                ("话术或短信含诈骗特征（先交费再放款、安全账户、验资等）", "scripts or SMS show fraud signs (upfront fees, safe accounts)"),
                ("由规则命中，不只是模型评分", "matched by rules, not by a model score alone"),
            ),
            (("证明所收费用有对应的真实服务", "fees were for a real service"),),
            referral=("criminal.266",),
        ),
    )
}


def conduct(code: str) -> Conduct:
    return CONDUCTS[code]
