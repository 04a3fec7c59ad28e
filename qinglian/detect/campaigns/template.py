"""Template extraction: mask the variable slots of a message so that one campaign shares one text.

Slots (names, phone numbers, amounts, dates, links, masked digits …) become single
private-use characters while masking, so that a slot is one "character" for shingling;
:func:`display` turns them into ``{姓名}``, ``{金额}`` … for people to read.

Masking runs as vectorised regular expressions over a polars Series (Rust regex: no
look-around, so patterns carry their context in groups). The *key* of a message is its
masked text, lower-cased, with spacing and symbol tricks (贷 款, 贷-款, 贷*款) removed;
equal keys are one template.
"""

from __future__ import annotations

import re
from functools import lru_cache

import opencc
import polars as pl

# Slot name -> private-use placeholder character.
SLOTS: dict[str, str] = {
    "链接": "\ue000",
    "号码": "\ue001",
    "金额": "\ue002",
    "日期": "\ue003",
    "时间": "\ue004",
    "利率": "\ue005",
    "数字": "\ue006",
    "姓名": "\ue007",
    "签名": "\ue008",
    "账号": "\ue009",
}
_S = SLOTS

_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁"
    "任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴"
    "莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅"
    "童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项"
    "连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米杭"
)
_SUR = f"[{_SURNAMES}]"
_HAN = r"\p{Han}"
_DIGIT_X = "[0-9x*]"

# Full-width digits, letters and the symbols that carry numbers and links -> half-width
# (Chinese punctuation such as ，！（） stays as written, for display).
_FULL_CODES = [*range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B), *range(0xFF41, 0xFF5B)]
_FULL_CODES += [ord(c) for c in "．％＊＋－／＠＃＄＿＝＆"]
_FULL = [chr(c) for c in _FULL_CODES] + ["\u3000"]
_HALF = [chr(c - 0xFEE0) for c in _FULL_CODES] + [" "]

# Look-alike and same-sound spellings used to dodge keyword filters (key only).
LOOKALIKES: dict[str, str] = {
    "袋款": "贷款",
    "代款": "贷款",
    "带款": "贷款",
    "dai款": "贷款",
    "威信": "微信",
    "薇信": "微信",
    "徽信": "微信",
    "v信": "微信",
    "vx": "微信",
}

_TLD = (
    "com|cn|net|cc|top|vip|xyz|me|io|co|org|info|app|ink|link|club|site|online|shop|ltd|wang|fun|"
    "icu|tk|mobi|tv|biz|asia|pro|work|live|xin|group"
)

# (pattern, replacement) applied in order. Replacements use ${n} for kept context. Rules
# for one slot are alternations in one pattern (leftmost-first: specific forms first), so
# each rule is one pass over the texts.
_RULES: list[tuple[str, str]] = [
    # SMS signature 【某某金融】 (the same campaign is sent under many signatures)
    (r"【[^】]{1,24}】|\[[^\]]{1,24}\]", _S["签名"]),
    # links: scheme or www., bare domains with a known TLD, short-link hosts
    (
        r"(?i)(?:https?://|www\.)[!-~]+"
        rf"|(?-u:\b)[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)*\.(?:{_TLD})(?-u:\b)(?::\d+)?(?:/[!-~]*)?",
        _S["链接"],
    ),
    # chat and QQ ids: 微信: abc123, 加V：dk888, QQ 123456
    (
        r"(?i)(微信号?|威信|薇信|vx|v信|wx|weixin|加v|qq|扣扣)\s*[:：号]?\s*[a-z0-9][a-z0-9_-]{4,19}",
        "${1}:" + _S["账号"],
    ),
    # masked phone numbers (138****5678, 138xxxx5678) and long runs of masked digits
    (
        r"(?i)(^|[^a-z])(?:\d{3,4}[*x]{3,6}\d{3,4}|x{3,4}[- ]x{3,4}[- ]x{4}|x{7,})([^a-z]|$)",
        "${1}" + _S["号码"] + "${2}",
    ),
    # masked digits: runs of x not touching other latin letters (twice: matches overlap)
    (r"(?i)(^|[^a-z])x+([^a-z]|$)", "${1}0${2}"),
    (r"(?i)(^|[^a-z])x+([^a-z]|$)", "${1}0${2}"),
    # masked names: 张*, 王**, 李某
    (rf"{_SUR}(?:\*{{1,3}}|某某?)", _S["姓名"]),
    # dates and times
    (r"\d{2,4}[年/.-]\d{1,2}[月/.-]\d{1,2}[日号]?|\d{1,2}月\d{1,2}[日号]", _S["日期"]),
    (r"\d{1,2}[:：]\d{2}(?:[:：]\d{2})?", _S["时间"]),
    # amounts: ¥5000, 5000元, 5万, 20w, 五十万
    (
        r"[¥￥$]\s*\d+(?:[.,]\d+)*\s*(?:万元|万|千元|千|元|块)?"
        r"|\d+(?:[.,]\d+)*\s*(?:万元|万|千元|千|百元|元|块|(?i:w|k))"
        r"|[一二三四五六七八九十两百千]+(?:万元|万|千元)",
        _S["金额"],
    ),
    # rates
    (r"\d+(?:\.\d+)?\s*[%‰]|百分之[零一二三四五六七八九十点]+", _S["利率"]),
    # phone numbers: +86, separated mobiles, landlines, 400 numbers, any long digit run
    (
        r"\+?86[- ]?1[3-9]\d{9}|\d{3}[- ]\d{4}[- ]\d{4}|0\d{2,3}-\d{7,8}|400-?\d{3}-?\d{4}|\d{7,}",
        _S["号码"],
    ),
    # any other number, except one that belongs to a latin word (话术V3 stays as written)
    (r"(^|[^a-zA-Z0-9.])\d+(?:\.\d+)?", "${1}" + _S["数字"]),
    # names next to a salutation: 尊敬的张伟，  王先生  李经理  张伟您好
    (
        rf"(尊敬的|亲爱的){_SUR}{_HAN}{{0,2}}?(先生|女士|小姐|您好|你好|[，,:：!！\s])",
        "${1}" + _S["姓名"] + "${2}",
    ),
    (rf"{_SUR}{_HAN}{{0,2}}?(先生|女士|小姐|您好|你好|经理|总监|主管|专员|顾问)", _S["姓名"] + "${1}"),
]

_SLOT_CHARS = "".join(SLOTS.values())
_KEY_DROP = r"[^\p{L}\p{N}" + _SLOT_CHARS + "]"
_TO_DISPLAY = {v: "{" + k + "}" for k, v in SLOTS.items()}


def _mask_expr(e: pl.Expr) -> pl.Expr:
    e = e.cast(pl.Utf8).fill_null("").str.replace_many(_FULL, _HALF)
    for pattern, repl in _RULES:
        e = e.str.replace_all(pattern, repl)
    return e.str.replace_all(r"\s+", " ").str.strip_chars()


def mask_series(texts: pl.Series) -> pl.Series:
    """Masked texts (slots as placeholder characters, spacing collapsed), one per input.

    The texts are cut into as many columns as there are threads, so that polars masks
    them in parallel (it parallelises over the expressions of one select).
    """
    n = len(texts)
    parts = max(1, min(pl.thread_pool_size() * 2, n // 20_000))
    size = -(-n // parts) if n else 0
    chunks = {f"c{i}": texts[i * size : (i + 1) * size] for i in range(parts)}
    longest = max((len(c) for c in chunks.values()), default=0)
    df = pl.DataFrame({k: c.extend_constant(None, longest - len(c)) for k, c in chunks.items()})
    out = df.select(_mask_expr(pl.col(k)) for k in chunks)
    return pl.concat([out[k].head(len(c)) for k, c in chunks.items()]).alias("masked")


def key_series(masked: pl.Series) -> pl.Series:
    """Grouping key of masked texts: lower case, look-alikes folded, spaces and symbols removed.

    Repeated slots ({号码}{号码}) are not yet collapsed here; :func:`collapse_slots` does
    that on the distinct keys.
    """
    s = masked.str.to_lowercase().str.replace_all(_KEY_DROP, "")
    s = s.str.replace_many(list(LOOKALIKES), list(LOOKALIKES.values()))
    return s.alias("key")


_REPEATED_SLOT = re.compile("([" + _SLOT_CHARS + "])(?:\\s*\\1)+")


def collapse_slots(text: str) -> str:
    """One slot for a slot repeated with nothing but spaces between ({号码}{号码} -> {号码})."""
    return _REPEATED_SLOT.sub(r"\1", text)


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def fold_key(key: str) -> str:
    """The final form of a distinct key: traditional characters as simplified, repeated slots as one.

    Run on distinct keys only (OpenCC costs ~20 µs a text), not on every message.
    """
    return collapse_slots(_t2s().convert(key))


def display(masked: str) -> str:
    """A masked text with its slots written as {姓名}, {金额}, {链接} …"""
    return "".join(_TO_DISPLAY.get(ch, ch) for ch in collapse_slots(masked))


def mask_template(text: str) -> str:
    """The template of one message, slots shown as {姓名} {金额} {链接} {号码} …"""
    return display(str(mask_series(pl.Series([text]))[0]))
