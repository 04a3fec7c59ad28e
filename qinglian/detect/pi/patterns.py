"""Personal information in free text: numbers by pattern + validator, the rest by conservative context.

Numbers (mobiles, fixed lines, ID numbers, bank cards) are found by pattern and kept only
when their validator accepts them. Names, addresses, employers and debt/credit details are
found only in contexts that say what they are (姓名：X, X先生/女士 with a known surname,
在X公司上班, 负债N万, 网贷N笔 …): a script saying "不看征信" is not anyone's credit record.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from qinglian.detect.pi.validators import (
    has_content,
    id_check_char,
    is_plausible_name,
    normalise_card,
    normalise_fixed,
    normalise_id,
    normalise_mobile,
)

# Common surnames (single and compound), for "X先生/女士" only.
SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁"
    "任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武"
    "戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮"
    "柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古"
    "吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫"
    "寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝"
)
COMPOUND_SURNAMES = frozenset({"欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "令狐", "慕容", "尉迟", "长孙"})

_HAN = "\u4e00-\u9fa5"
_MOBILE = re.compile(r"(?<![\d+])(?:\+?86[- ]?)?1[3-9]\d(?:[- ]?\d{4}){2}(?!\d)")
_FIXED = re.compile(r"(?<!\d)(?:\(0\d{2,3}\)|0\d{2,3}-)[ ]?[2-9]\d{6,7}(?!\d)")
_ID = re.compile(r"(?<![0-9A-Za-z])(?:\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")
_CARD = re.compile(r"(?<!\d)(?:[3-6]\d{3}(?:[ -]?\d{4}){2}[ -]?\d{4,7})(?!\d)")
_NAME_LABELLED = re.compile(rf"(?:姓名|户名|客户名|联系人|持卡人|借款人)\s*[：:]\s*([{_HAN}]{{2,4}})(?![{_HAN}])")
_NAME_LABELLED_LOOSE = re.compile(rf"(?:姓名|户名|客户名|联系人|持卡人|借款人)\s*[：:]\s*([{_HAN}]{{2,4}})")
_HONORIFIC = re.compile(rf"((?:{'|'.join(sorted(COMPOUND_SURNAMES))})|[{_HAN}])(?:先生|女士|小姐)")
_ADDRESS_ADMIN = re.compile(
    rf"(?:[{_HAN}]{{2,7}}(?:省|自治区))?(?:[{_HAN}]{{2,7}}市)?[{_HAN}]{{1,7}}(?:区|县|市)"
    rf"[{_HAN}\d]{{1,15}}?(?:路|街|巷|弄|大道|胡同)[\d一二三四五六七八九十百零〇-]+号"
    rf"(?:[\dA-Za-z-]+(?:栋|幢|号楼|楼|单元|室))*"
)
_ADDRESS_LEAD = re.compile(r"(?:您|你|他|她|我|其)?(?:家)?(?:住在|住址是|地址是|住|位于|在|是)?")
_ADDRESS_LABELLED = re.compile(rf"(?:住址|地址|家住|住在)\s*[：:]?\s*([{_HAN}\d-]{{4,40}}?(?:号|室|村|组|小区))")
_EMPLOYER = re.compile(
    rf"(?:工作单位|单位|就职于|任职于|供职于)\s*[：:]?\s*"
    rf"([{_HAN}A-Za-z0-9（）()]{{2,30}}?(?:有限责任公司|股份有限公司|有限公司|集团|公司|医院|学校|大学|银行|局|厂|研究院|中心))"
    rf"|在([{_HAN}A-Za-z0-9（）()]{{2,30}}?(?:有限责任公司|股份有限公司|有限公司|集团|公司|医院|学校|大学|银行|局|厂))"
    rf"(?:上班|工作|任职)"
)
_NUM = r"[\d.,，]+\s*[万千百]?"
_CREDIT = re.compile(
    # Facts with a figure: debts, arrears, number of online loans, credit enquiries.
    rf"(?:负债|欠款|欠债|欠了|逾期金额|贷款余额|信用卡欠)\s*(?:约|共|总共|大概)?\s*{_NUM}\s*(?:元|块|万|w|W)?"
    rf"|逾期\s*{_NUM}\s*(?:天|个月|月|次|期|笔)"
    rf"|网贷\s*(?:有|共|还有|欠)?\s*{_NUM}\s*(?:笔|个|家)"
    rf"|(?:征信|信用)(?:报告)?\s*(?:查询|查了)\s*{_NUM}\s*次"
    # A state without a figure only when said of a person (我/本人/客户…) or under a label.
    rf"|(?:我|本人|他|她|客户|该客户)的?(?:征信|信用)\s*(?:上)?\s*(?:有|显示)?\s*(?:逾期|不良|花了|黑了|有问题|不好)"
    rf"|(?:征信|信用|征信情况|信用记录)\s*[：:]\s*(?:有)?(?:逾期|不良|花|黑|当前逾期)[{_HAN}\d]{{0,8}}"
    rf"|(?:我|本人|他|她|客户|该客户)(?:目前|现在|当前)?逾期(?:未还|中|没还)"
)
_QUESTION = re.compile(r"[^。！!，,\n]{0,6}?[吗嘛?？]")

# Which category each kind of match falls under (see qinglian/data/pi_thresholds.yaml).
CATEGORY_OF = {
    "mobile": "contact",
    "fixed": "contact",
    "id_number": "identity",
    "name": "identity",
    "bank_card": "property",
    "address": "address",
    "employer": "employer",
    "credit": "credit",
}
# How a sample of each kind is masked (qinglian.privacy.MASKERS).
MASK_KIND = {
    "mobile": "phone",
    "fixed": "phone",
    "id_number": "id_number",
    "name": "name",
    "bank_card": "bank_card",
    "address": "address",
    "employer": "address",
    "credit": "text",
}


@dataclass(frozen=True)
class PIMatch:
    kind: str  # mobile, fixed, id_number, bank_card, name, address, employer, credit
    value: str  # as found in the text
    start: int
    end: int
    subject: str | None = None  # "tel:+86…" or "id:…" for numbers that identify a person

    @property
    def category(self) -> str:
        return CATEGORY_OF[self.kind]


def _overlaps(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    return any(s < end and start < e for s, e in spans)


def _id_shaped(number: str) -> bool:
    """18 digits with a province code and a birth date: a mistyped ID number, not a card."""
    return len(number) == 18 and normalise_id(number[:17] + id_check_char(number[:17])) is not None


def find_numbers(text: str) -> list[PIMatch]:
    """ID numbers, then bank cards, mobiles and fixed lines, each validated; no overlaps."""
    found: list[PIMatch] = []
    taken: list[tuple[int, int]] = []
    for m in _ID.finditer(text):
        norm = normalise_id(m.group(0))
        if norm:
            found.append(PIMatch("id_number", m.group(0), m.start(), m.end(), "id:" + norm))
            taken.append(m.span())
    for m in _CARD.finditer(text):
        if _overlaps(taken, *m.span()) or _id_shaped(m.group(0)):
            continue
        if normalise_card(m.group(0)):
            found.append(PIMatch("bank_card", m.group(0), m.start(), m.end()))
            taken.append(m.span())
    for m in _MOBILE.finditer(text):
        if _overlaps(taken, *m.span()):
            continue
        e164 = normalise_mobile(m.group(0))
        if e164:
            found.append(PIMatch("mobile", m.group(0), m.start(), m.end(), "tel:" + e164))
            taken.append(m.span())
    for m in _FIXED.finditer(text):
        if _overlaps(taken, *m.span()):
            continue
        e164 = normalise_fixed(m.group(0))
        if e164:
            found.append(PIMatch("fixed", m.group(0), m.start(), m.end(), "tel:" + e164))
            taken.append(m.span())
    return found


def find_names(text: str) -> list[PIMatch]:
    """Names only where the text labels them (姓名：X) or addresses someone as X先生/女士."""
    out: list[PIMatch] = []
    for m in _NAME_LABELLED_LOOSE.finditer(text):
        name = m.group(1)
        strict = _NAME_LABELLED.match(text, m.start())
        if strict is None:
            # "姓名：张三电话…": a name runs into other words; keep 2 characters of a known surname.
            name = name[:2] if name[0] in SURNAMES else ""
        if is_plausible_name(name):
            out.append(PIMatch("name", name, m.start(1), m.start(1) + len(name)))
    for m in _HONORIFIC.finditer(text):
        surname = m.group(1)
        if surname in SURNAMES or surname in COMPOUND_SURNAMES:
            out.append(PIMatch("name", m.group(0), m.start(), m.end()))
    return out


def find_addresses(text: str) -> list[PIMatch]:
    out: list[PIMatch] = []
    for m in _ADDRESS_ADMIN.finditer(text):
        lead = _ADDRESS_LEAD.match(m.group(0))
        start = m.start() + (lead.end() if lead else 0)
        out.append(PIMatch("address", text[start : m.end()], start, m.end()))
    taken = [(p.start, p.end) for p in out]
    for m in _ADDRESS_LABELLED.finditer(text):
        if not _overlaps(taken, m.start(1), m.end(1)):
            out.append(PIMatch("address", m.group(1), m.start(1), m.end(1)))
    return out


def find_employers(text: str) -> list[PIMatch]:
    out: list[PIMatch] = []
    for m in _EMPLOYER.finditer(text):
        group = 1 if m.group(1) else 2
        out.append(PIMatch("employer", m.group(group), m.start(group), m.end(group)))
    return out


def find_credit(text: str) -> list[PIMatch]:
    """Debt and credit facts; a question (您征信有逾期吗？) states nothing about anyone."""
    return [
        PIMatch("credit", m.group(0), m.start(), m.end())
        for m in _CREDIT.finditer(text)
        if not _QUESTION.match(text, m.end())
    ]


def extract(text: str | None) -> list[PIMatch]:
    """Every PI match in a text, in order of position."""
    if not text:
        return []
    found: list[PIMatch] = []
    # Cheap triggers first: most texts (templated SMS, scripts) hold none of these.
    if _HAS_DIGIT.search(text):
        found += find_numbers(text)
    if _NAME_TRIGGER.search(text):
        found += find_names(text)
    if _ADDRESS_TRIGGER.search(text):
        found += find_addresses(text)
    if _EMPLOYER_TRIGGER.search(text):
        found += find_employers(text)
    if _CREDIT_TRIGGER.search(text):
        found += find_credit(text)
    return sorted(found, key=lambda p: (p.start, p.end))


_HAS_DIGIT = re.compile(r"\d{7}|\d[ -]\d{4}[ -]\d{4}")
_NAME_TRIGGER = re.compile(r"姓名|户名|客户名|联系人|持卡人|借款人|先生|女士|小姐")
_ADDRESS_TRIGGER = re.compile(r"号|住址|地址|家住|住在")
_EMPLOYER_TRIGGER = re.compile(r"单位|就职|任职|供职|上班|工作")
_CREDIT_TRIGGER = re.compile(r"负债|欠|逾期|网贷|征信|信用|贷款余额")


# Hints from the header of an unknown column (kept in ``extra``) to what its value is.
_HEADER_HINTS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"卡号|银行卡|账号"), "bank_card"),
    (re.compile(r"身份证|证件号"), "id_number"),
    (re.compile(r"姓名|名字|客户名|联系人|户名|法人|法定代表人"), "name"),
    (re.compile(r"地址|住址|户籍|居住地"), "address"),
    (re.compile(r"单位|公司|工作"), "employer"),
    (re.compile(r"负债|征信|逾期|网贷|信用|欠款|贷款"), "credit"),
)


def extract_cell(header: str, value: str) -> list[PIMatch]:
    """PI in one cell of an unknown column: the header says what the value is, then free text."""
    found = extract(value)
    kinds = {p.kind for p in found}
    v = value.strip()
    for pattern, kind in _HEADER_HINTS:
        if kind in kinds or not pattern.search(header):
            continue
        if kind == "bank_card" and normalise_card(v):
            found.append(PIMatch(kind, v, 0, len(value)))
        elif kind == "id_number":
            norm = normalise_id(v)
            if norm:
                found.append(PIMatch(kind, v, 0, len(value), "id:" + norm))
        elif kind == "name" and is_plausible_name(v):
            found.append(PIMatch(kind, v, 0, len(value)))
        elif kind in ("address", "employer") and has_content(v) and len(v) >= 4:
            found.append(PIMatch(kind, v, 0, len(value)))
        elif kind == "credit" and has_content(v):
            found.append(PIMatch(kind, v, 0, len(value)))
        break
    return found
