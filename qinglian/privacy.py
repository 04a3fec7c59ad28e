"""Masking of personal information in every output (reveal is explicit and logged elsewhere).

138****5678 for mobiles, 3101**********1234 for ID numbers, 6222********1234 for bank
cards and accounts, 张* for names; ``mask_text`` masks such values inside free text, in
whatever form they were written (full-width digits, dots, spaces or dashes between the digits),
and addresses. Free text cannot be searched for names by shape, so a case's own name lists go
into a ``NameMatcher`` that masks every occurrence of those names.
"""

from __future__ import annotations

import bisect
import hashlib
import itertools
import os
import re
from collections.abc import Callable, Iterable
from functools import lru_cache

import ahocorasick

# Full-width digits, letters and separators fold to ASCII one character for one, so offsets found
# in the folded text are offsets in the original.
_FOLD = str.maketrans(
    "０１２３４５６７８９＋－．　／＃ＸｘＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＹＺａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｙｚ",
    "0123456789+-. /#XxABCDEFGHIJKLMNOPQRSTUVWYZabcdefghijklmnopqrstuvwyz",
)
_SEP = r"[ \t.\-—–·•_/]"  # what people put between the digits of a number
_MOBILE_IN_TEXT = re.compile(
    rf"(?<![0-9])(?:\+?\(?86\)?{_SEP}?)?(1{_SEP}?[3-9](?:{_SEP}?[0-9]){{9}})(?![0-9])"
)
_ID_IN_TEXT = re.compile(
    r"(?<![0-9A-Za-z])[0-9]{6}(?:[0-9]{8}|[0-9]{6})[0-9]{3}[0-9Xx](?![0-9A-Za-z])"
    rf"|(?<![0-9A-Za-z])[0-9]{{6}}{_SEP}[0-9]{{8}}{_SEP}[0-9]{{3}}[0-9Xx](?![0-9A-Za-z])"
)
# Cards and accounts: 12 or more digits, whole or in groups of three or more (dates break there)
# and a short last group.
_LONG_IN_TEXT = re.compile(r"(?<![0-9])[0-9]{3,}(?:[ \-.][0-9]{3,})*(?:[ \-.][0-9]{1,2})?(?![0-9])")
_LANDLINE_IN_TEXT = re.compile(rf"(?<![0-9A-Za-z])(?:\(0[1-9][0-9]{{1,2}}\)|0[1-9][0-9]{{1,2}}){_SEP}?[2-9][0-9]{{6,7}}(?![0-9])")
_ADDR_CHARS = r"[\u4e00-\u9fff0-9A-Za-z#\-()（）]"
_ADDRESS_LABELLED = re.compile(
    r"(?:家庭住址|收货地址|户籍地址|户籍地|居住地|现住址|住址|地址|家住|住在)[：:是为在]?\s*"
    rf"({_ADDR_CHARS}(?:\s?{_ADDR_CHARS}){{3,40}})"
)
# An address without a label: place names ending in 省/市/区/县… then a street and a number.
_ADDRESS_PLAIN = re.compile(
    r"(?:[\u4e00-\u9fff]{1,8}?(?:省|自治区|市|区|县|旗|镇|乡|街道)){1,4}"
    r"[\u4e00-\u9fff0-9A-Za-z\-]{0,16}?(?:路|街|大道|道|巷|弄|胡同|村|小区|花园|大厦|公寓|广场|苑)"
    r"[0-9A-Za-z\-]{0,8}(?:号|弄|栋|幢|座|单元|室|楼|组)(?:[0-9A-Za-z\-]{1,6}(?:号|栋|幢|座|单元|室|楼|层))*"
)

_DIGIT = re.compile(r"[0-9]")
_WIDE = re.compile("[\u3000\uff01-\uff5e]")  # full-width forms: fold before matching


def _digits(value: str) -> str:
    return re.sub(r"[^0-9]", "", value.translate(_FOLD))


def mask_phone(value: str | None) -> str:
    """+8613812345678 or 13812345678 -> 138****5678; landlines keep area code and last 2."""
    if not value:
        return ""
    digits = _digits(value)
    if digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if len(digits) == 11 and digits.startswith("1"):
        return f"{digits[:3]}****{digits[-4:]}"
    if len(digits) >= 7:
        return digits[:3] + "*" * (len(digits) - 5) + digits[-2:]
    return "*" * len(digits)


def mask_id(value: str | None) -> str:
    """310101199001011234 -> 3101**********1234."""
    if not value:
        return ""
    v = re.sub(r"[\s\-]", "", value.strip().translate(_FOLD))
    if len(v) <= 8:
        return "*" * len(v)
    return v[:4] + "*" * (len(v) - 8) + v[-4:]


def mask_card(value: str | None) -> str:
    """6222021234567891234 -> 6222***********1234 (accounts of any length alike)."""
    digits = _digits(value or "")
    if len(digits) <= 8:
        return "*" * len(digits)
    return digits[:4] + "*" * (len(digits) - 8) + digits[-4:]


def mask_name(value: str | None) -> str:
    """张三 -> 张*, 欧阳娜娜 -> 欧***; Latin names keep the first letter."""
    if not value:
        return ""
    v = value.strip()
    if len(v) <= 1:
        return "*"
    return v[0] + "*" * (len(v) - 1)


def mask_address(value: str | None) -> str:
    """Keep the first characters (province/city, at most 6), mask the rest."""
    if not value:
        return ""
    v = value.strip()
    keep = min(6, max(1, len(v) // 3))
    return v[:keep] + "*" * (len(v) - keep)


def _landline(m: re.Match[str]) -> str:
    digits = _digits(m.group(0))
    area = 3 if digits[:2] in {"01", "02"} else 4
    return digits[:area] + "-" + "*" * (len(digits) - area - 2) + digits[-2:]


def _spans(folded: str) -> list[tuple[int, int, str]]:
    """Non-overlapping (start, end, replacement) for every number and address in folded text."""
    found: list[tuple[int, int, str]] = []
    taken: list[tuple[int, int]] = []

    def add(start: int, end: int, repl: str) -> None:
        if any(start < e and s < end for s, e in taken):
            return
        taken.append((start, end))
        found.append((start, end, repl))

    # Cheap tests first: most texts hold too few digits for a number and no house number.
    if len(_DIGIT.findall(folded)) >= 7:
        for m in _ID_IN_TEXT.finditer(folded):
            add(m.start(), m.end(), mask_id(m.group(0)))
        for m in _MOBILE_IN_TEXT.finditer(folded):
            d = _digits(m.group(1))
            add(m.start(), m.end(), f"{d[:3]}****{d[-4:]}")
        for m in _LANDLINE_IN_TEXT.finditer(folded):
            add(m.start(), m.end(), _landline(m))
        for m in _LONG_IN_TEXT.finditer(folded):
            if len(_digits(m.group(0))) >= 12:
                add(m.start(), m.end(), mask_card(m.group(0)))
    if "址" in folded or "住" in folded or "户籍" in folded:
        for m in _ADDRESS_LABELLED.finditer(folded):
            add(m.start(1), m.end(1), mask_address(m.group(1)))
    if any(c in folded for c in "号栋幢座室楼组弄"):
        for m in _ADDRESS_PLAIN.finditer(folded):
            add(m.start(), m.end(), mask_address(m.group(0)))
    return found


def mask_text(text: str | None, names: NameMatcher | None = None) -> str:
    """Mask mobiles, landlines, ID, card and account numbers and addresses found inside free text;
    with ``names``, also every occurrence of the case's known names."""
    if not text:
        return ""
    folded = text.translate(_FOLD) if _WIDE.search(text) else text
    spans = _spans(folded)
    if spans:
        spans.sort()
        parts: list[str] = []
        at = 0
        for start, end, repl in spans:
            parts.append(text[at:start])
            parts.append(repl)
            at = end
        parts.append(text[at:])
        text = "".join(parts)
    return names.mask(text) if names is not None else text


# ---- names -----------------------------------------------------------------------------------

_COMPOUND_SURNAMES = frozenset(
    "欧阳 司马 上官 诸葛 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 夏侯 轩辕 令狐 钟离 端木 西门 南宫 独孤 "
    "呼延 司空 澹台 公冶 太史 申屠 闻人 万俟 第五 百里 东郭 濮阳 赫连 拓跋".split()
)
# Marks of an organisation anywhere in the value.
_ORG_WORDS = re.compile(
    r"公司|银行|集团|有限|科技|咨询|中心|平台|事务所|工作室|商行|金融|贷款|客服|服务|信息|网络|管理|投资|"
    r"营业部|分行|支行|委员会|协会|商会|派出所|医院|政府|法院|检察院|公安|税务|电商|传媒|贸易|实业|控股|"
    r"财务|门店|分店|学校|大学|学院|研究所|合作社|小组|团队|部门|市场|监督|（|\(|\d"
)
# One-character endings of organisations (店, 部, 局 …); also the last character of many given
# names (王会芳 is a person), so they count only where the rest is not a person's name.
_ORG_END = frozenset("店部厂社局院会所处行组队科站馆厅司园庄")
_LATIN_NAME = re.compile(r"[A-Za-z][A-Za-z'’\-.]*(?: [A-Za-z][A-Za-z'’\-.]*){0,3}")
_LATIN_ORG = re.compile(
    r"\b(?:ltd|limited|inc|co|corp|company|llc|bank|tech|technology|group|service|services|center|centre|"
    r"studio|shop|store|platform|agency|trading|holdings|unknown|n/?a|null|none)\b", re.I
)
_CJK_NAME = re.compile(r"[\u4e00-\u9fff]{2,8}|[\u4e00-\u9fff]{1,10}(?:[·•・．.][\u4e00-\u9fff]{1,12}){1,3}")
# Words that fill a name column without naming anyone; never searched for in text.
_NOT_NAMES = frozenset(
    "客户 法人 本人 先生 女士 小姐 经理 老板 未知 匿名 用户 联系人 客服 员工 同事 领导 主管 业务员 "
    "机主 户主 家属 朋友 无 空 暂无 不详".split()
)


@lru_cache(maxsize=1)
def surnames() -> frozenset[str]:
    """Common Chinese surnames (Faker's zh_CN list, weighted by use) with the compound ones."""
    from faker.providers.person.zh_CN import Provider

    return frozenset(str(s) for s in Provider.last_names) | _COMPOUND_SURNAMES


def _surname_first(v: str) -> bool:
    return v[:2] in _COMPOUND_SURNAMES or v[0] in surnames()


def person_like(value: str) -> bool:
    """A value of a name column that reads as a person's name (organisations stay readable).

    Chinese names of 2–8 characters, names with a middle dot (阿卜杜拉·买买提) and Latin names of up to
    four words; an organisation word anywhere, or an organisation ending (店, 部, 局 …) on a value
    that does not start with a surname or is four characters or longer, makes it an organisation.
    """
    v = re.sub(r"\s+", " ", value).strip()
    if not v:
        return False
    if _LATIN_NAME.fullmatch(v):
        return not _LATIN_ORG.search(v)
    v = v.replace(" ", "")
    if not _CJK_NAME.fullmatch(v) or _ORG_WORDS.search(v):
        return False
    if v[-1] in _ORG_END and not any(c in v for c in "·•・．."):
        return len(v) <= 3 and _surname_first(v)
    return True


def searchable_name(value: str) -> bool:
    """A person's name worth masking wherever it appears in text (not a placeholder like 客户)."""
    v = value.strip()
    if len(v) < 2 or v in _NOT_NAMES or not person_like(v):
        return False
    if _LATIN_NAME.fullmatch(v):
        return len(v) >= 4
    return _surname_first(v) or any(c in v for c in "·•・．.")


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


_UPPER_OR_WIDE = re.compile("[A-Z\u3000\uff01-\uff5e]+")


def _fold_run(m: re.Match[str]) -> str:
    return m.group().translate(_FOLD).translate(_ASCII_LOWER)


def _fold_name(v: str) -> str:
    """Full-width forms to ASCII and A-Z to a-z, one character for one; only the runs that need it are
    translated (translating a long text of Chinese character by character is slow)."""
    return _UPPER_OR_WIDE.sub(_fold_run, v)


class NameMatcher:
    """Masks every occurrence of known names in text (one Aho–Corasick pass, longest match first).

    ``keep`` holds names that must stay readable (holders, companies): a person's name inside a
    longer kept name (the surname in 王氏贸易有限公司) is left as it is.
    """

    def __init__(self, names: Iterable[str], keep: Iterable[str] = ()) -> None:
        self._auto = ahocorasick.Automaton()
        self.size = 0
        words: list[str] = []
        for k in keep:
            key = _fold_name(k.strip())
            if len(key) >= 2:
                self._auto.add_word(key, (len(key), False))
                words.append("k" + key)
        for n in names:
            key = _fold_name(n.strip())
            if len(key) >= 2:
                self._auto.add_word(key, (len(key), True))
                self.size += 1
                words.append("n" + key)
        if self.size:
            self._auto.make_automaton()
        # what this matcher masks, as a digest: texts masked by another matcher are reused only when equal
        self.key = hashlib.sha256("\x00".join(sorted(words)).encode("utf-8")).hexdigest()

    def __bool__(self) -> bool:
        return self.size > 0

    def mask(self, text: str) -> str:
        if not self.size or not text:
            return text
        folded = _fold_name(text)
        parts: list[str] = []
        at = 0
        for end, (length, is_name) in self._auto.iter_long(folded):
            start = end - length + 1
            if not is_name or not _word_edges(folded, start, end + 1):
                continue
            parts.append(text[at:start])
            parts.append(mask_name(text[start : end + 1]))
            at = end + 1
        if not parts:
            return text
        parts.append(text[at:])
        return "".join(parts)


    def mask_many(self, texts: list[str]) -> list[str]:
        """``mask`` of each text, in one pass of the automaton over the texts joined by NUL (no name
        holds one, so no match crosses from one text into the next): far cheaper than a call per text."""
        if not self.size or not texts:
            return list(texts)
        joined = "\x00".join(texts)
        folded = _fold_name(joined)  # folds one character for one: offsets stay those of ``joined``
        starts = list(itertools.accumulate((len(t) + 1 for t in texts[:-1]), initial=0))
        out = list(texts)
        cuts: dict[int, list[tuple[int, int]]] = {}
        for end, (length, is_name) in self._auto.iter_long(folded):
            start = end - length + 1
            if is_name and _word_edges(folded, start, end + 1):
                cuts.setdefault(bisect.bisect_right(starts, start) - 1, []).append((start, end + 1))
        for i, spans in cuts.items():
            text, base = texts[i], starts[i]
            parts: list[str] = []
            at = 0
            for s, e in spans:
                parts.append(text[at : s - base])
                parts.append(mask_name(text[s - base : e - base]))
                at = e - base
            parts.append(text[at:])
            out[i] = "".join(parts)
        return out


def mask_texts(texts: list[str], names: NameMatcher | None = None) -> list[str]:
    """``mask_text`` of many texts, the case's names masked in one pass over all of them."""
    numbers = [mask_text(t) for t in texts]
    return names.mask_many(numbers) if names is not None else numbers


def _word_edges(folded: str, start: int, end: int) -> bool:
    """A Latin name matches whole words only (Li is not in Limited)."""
    if not folded[start].isascii():
        return True
    before = folded[start - 1] if start > 0 else " "
    after = folded[end] if end < len(folded) else " "
    return not (before.isascii() and before.isalnum()) and not (after.isascii() and after.isalnum())


MASKERS: dict[str, Callable[[str | None], str]] = {
    "phone": mask_phone,
    "id_number": mask_id,
    "bank_card": mask_card,
    "name": mask_name,
    "address": mask_address,
    "text": mask_text,
}


# ---- reveal ----------------------------------------------------------------------------------


def reveal_reason(reveal: bool, reason: str | None) -> str | None:
    """The reason a reveal is allowed on (stripped); a reveal without one is refused."""
    from qinglian.errors import QinglianError

    if not reveal:
        return None
    text = (reason or "").strip()
    if len(text) < 2:
        raise QinglianError(
            "显示完整个人信息须说明理由（--reason）",
            "revealing personal information needs a reason (--reason)",
            hint_zh='例如 --reveal --reason "向法院提交证据目录"；理由写入保管日志',
            hint_en='e.g. --reveal --reason "evidence list for the court"; the reason goes to the custody log',
        )
    return text


def create_private(path: str | os.PathLike[str]) -> None:
    """Create (or truncate) a file readable by its owner only, before anything is written into it.

    The writers (xlsxwriter, WeasyPrint) open the path themselves; opening an existing file for
    writing keeps its mode, so revealed content never sits in a file others can read.
    """
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)
    os.close(fd)
