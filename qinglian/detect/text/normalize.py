"""Text normalisation against evasion tricks, with a map from normalised back to original offsets.

Steps, in this order (each one is idempotent and none of them creates work for an earlier one):

1. drop control and zero-width characters (a newline becomes a space);
2. one-to-one character table: full width → half width, ASCII lower case, traditional →
   simplified (OpenCC t2s, character by character so lengths never change), digits → ``#``,
   tabs and ideographic spaces → space, a few look-alike symbols;
3. pinyin spellings of key words (``daikuan`` → 贷款, ``zhengxin`` → 征信 …);
4. spacing and symbol tricks between two Chinese characters (贷 款, 贷-款, 贷*款, 贷❤款) are removed;
5. look-alike and same-sound words (袋款, 代款 → 贷款; 威信, 薇信 → 微信 …);
6. masked digits: runs of ``x``/``*`` not touching Latin letters become ``#`` (cn_sms_spam writes
   every digit as ``x``, seized data writes digits; both become ``#``).

No step ever makes a text longer, so a normalised text as long as its original maps one to one.
``normalize`` returns the text and, per normalised character, the original span it came from;
``normalize_fast`` returns the same text without the map and works on a whole batch at once.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"

_DROP = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff\ufe00-\ufe0f]+")

_PINYIN: dict[str, str] = {
    "daikuan": "贷款",
    "dai款": "贷款",
    "贷kuan": "贷款",
    "zhengxin": "征信",
    "征xin": "征信",
    "xinyongka": "信用卡",
    "jiekuan": "借款",
    "xiakuan": "下款",
    "wangdai": "网贷",
    "weixin": "微信",
    "银hang": "银行",
}
_PINYIN_RE = re.compile(
    "|".join(
        "".join(
            re.escape(ch) + ("[ \\-_.*]*" if i < len(k) - 1 and ch.isascii() else "")
            for i, ch in enumerate(k)
        )
        for k in sorted(_PINYIN, key=len, reverse=True)
    )
)
_PINYIN_KEY = {re.sub(r"[ \-_.*]", "", k): v for k, v in _PINYIN.items()}

# Separators that spammers put between the characters of a word.
_SEP_CHARS = (
    " \\-_.*~|/\\\\+=^`'\"·•●○★☆♥❤♡✿❀※@$&\u2500-\u257f\u2190-\u21ff\u2600-\u27bf\U0001f000-\U0001faff\u3000"
    "\u2160-\u217f\u30fc\u2460-\u24ff\u25a0-\u25ff"  # Roman numerals, ー, circled letters, shapes
)
# A lone ``*`` between characters is a trick (贷*款); two or more are a mask (**银行) and stay for step 6.
_SEPS = re.compile(f"(?<=[{_CJK}])(?:[{_SEP_CHARS.replace('*', '')}]|(?<!\\*)\\*(?!\\*))+(?=[{_CJK}])")

_LOOKALIKE: dict[str, str] = {
    "袋款": "贷款",
    "代款": "贷款",
    "带款": "贷款",
    "岱款": "贷款",
    "黛款": "贷款",
    "货款额度": "贷款额度",
    "借呗款": "借款",
    "徵信": "征信",
    "正信修复": "征信修复",
    "征心": "征信",
    "威信": "微信",
    "薇信": "微信",
    "微芯": "微信",
    "加薇": "加微",
    "加威": "加微",
    "底息": "低息",
    "抵息": "低息",
    "额渡": "额度",
    "秒比": "秒批",
    "包装蒸信": "包装征信",
    "银亍": "银行",
    "信用咔": "信用卡",
}
_LOOKALIKE_RE = re.compile("|".join(re.escape(k) for k in sorted(_LOOKALIKE, key=len, reverse=True)))

_MASK = re.compile(r"(?<![a-z*x])[x*]++(?![a-z])")  # whole runs only


@lru_cache(maxsize=1)
def _text_table() -> dict[int, str]:
    """The table for one text: newlines become spaces too."""
    return {**_table(), ord("\n"): " "}


@lru_cache(maxsize=1)
def _table() -> dict[int, str]:
    """The one-to-one character table (built once: ~0.1 s for the OpenCC pass)."""
    import opencc

    table: dict[int, str] = {}
    for cp in range(0xFF01, 0xFF5F):  # full width ASCII
        table[cp] = chr(cp - 0xFEE0)
    table[0x3000] = " "
    table[ord("\t")] = " "
    table[ord("\r")] = " "
    for cp in range(ord("A"), ord("Z") + 1):
        table[cp] = chr(cp + 32)
    for cp in range(0xFF21, 0xFF3B):  # full width capitals → lower case
        table[cp] = chr(cp - 0xFEE0 + 32)
    for d in "0123456789":
        table[ord(d)] = "#"
    for cp in range(0xFF10, 0xFF1A):
        table[cp] = "#"
    for cp in list(range(0x2460, 0x2474)) + list(range(0x2776, 0x2794)):  # circled digits
        table[cp] = "#"
    for src, dst in {
        "歀": "款",
        "０": "#",
        "Ｘ": "x",
        "×": "x",
        "＊": "*",
        "﹡": "*",
        "✱": "*",
        "✳": "*",
    }.items():
        table[ord(src)] = dst
    # Cyrillic and Greek look-alikes of Latin letters.
    lookalike_letters = "а:a е:e о:o р:p с:c у:y х:x к:k м:m т:t в:b н:h ѕ:s і:i ј:j ο:o ν:v ι:i"
    for pair in lookalike_letters.split():
        src, dst = pair.split(":")
        table[ord(src)] = dst
        table[ord(src.upper())] = dst
    conv = opencc.OpenCC("t2s")
    for cp in range(0x3400, 0xA000):
        ch = chr(cp)
        s = conv.convert(ch)
        if len(s) == 1 and s != ch and conv.convert(s) == s:
            table[cp] = s
    for cp in range(0xF900, 0xFB00):  # CJK compatibility ideographs
        ch = chr(cp)
        s = unicodedata.normalize("NFKC", ch)
        if len(s) == 1 and s != ch:
            table[cp] = table.get(ord(s), s)
    return table


def _pinyin_repl(m: re.Match[str]) -> str:
    return _PINYIN_KEY[re.sub(r"[ \-_.*]", "", m.group(0))]


def _lookalike_repl(m: re.Match[str]) -> str:
    return _LOOKALIKE[m.group(0)]


def _mask_repl(m: re.Match[str]) -> str:
    return "#" * len(m.group(0))


Step = tuple[re.Pattern[str], Callable[[re.Match[str]], str]]


def _steps() -> tuple[Step, ...]:
    return (
        (_PINYIN_RE, _pinyin_repl),
        (_SEPS, lambda m: ""),
        (_LOOKALIKE_RE, _lookalike_repl),
        (_MASK, _mask_repl),
    )


_DROPPED = 0xFFFFFFFF
_NL = 10
_STAR = ord("*")
_HASH = ord("#")


@lru_cache(maxsize=1)
def _luts() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Arrays over all code points: the character table (with dropped ones marked), and which
    code points are Chinese, separators (other than ``*``) and ASCII lower-case letters."""
    lut = np.arange(0x110000, dtype=np.uint32)
    for cp, ch in _table().items():
        lut[cp] = ord(ch)
    drop = re.compile(_DROP.pattern.rstrip("+"))
    sep = re.compile("[" + _SEP_CHARS.replace("*", "") + "]")
    is_sep = np.zeros(0x110000, dtype=bool)
    for cp in (*range(0x0, 0x3100), *range(0x1F000, 0x1FB00)):
        ch = chr(cp)
        if drop.match(ch):
            lut[cp] = _DROPPED
        if sep.match(ch):
            is_sep[cp] = True
    for cp in range(0xFE00, 0xFE10):
        lut[cp] = _DROPPED
    lut[0xFEFF] = _DROPPED
    is_cjk = np.zeros(0x110000, dtype=bool)
    for lo, hi in ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF)):
        is_cjk[lo : hi + 1] = True
    is_latin = np.zeros(0x110000, dtype=bool)
    is_latin[ord("a") : ord("z") + 1] = True
    return lut, is_cjk, is_sep, is_latin


def _runs(flag: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start and end (exclusive) of every run of True."""
    d = np.diff(np.concatenate(([0], flag.view(np.int8), [0])))
    return np.flatnonzero(d == 1), np.flatnonzero(d == -1)


def _cover(n: int, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    mark = np.zeros(n + 1, dtype=np.int32)
    np.add.at(mark, starts, 1)
    np.add.at(mark, ends, -1)
    return np.cumsum(mark[:n]) > 0


def _cps(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def _text(cps: np.ndarray) -> str:
    return cps.astype(np.uint32).tobytes().decode("utf-32-le", "surrogatepass")


def _normalize_joined(joined: str) -> str:
    """Normalise newline-joined texts that hold no newline themselves (newlines are kept).

    The same steps as ``normalize``, vectorised: the character table, the separator removal and
    the mask step run on arrays of code points; only the pinyin and look-alike word lists run as
    regular expressions. Tests check that both give the same text.
    """
    lut, is_cjk, is_sep, is_latin = _luts()
    cps = lut[_cps(joined)]
    cps = cps[cps != _DROPPED]
    out = _PINYIN_RE.sub(_pinyin_repl, _text(cps))
    cps = _cps(out)
    n = cps.shape[0]
    if n:
        # 4. separators between two Chinese characters (a lone * counts, ** is a mask)
        star = cps == _STAR
        prev_star = np.concatenate(([False], star[:-1]))
        next_star = np.concatenate((star[1:], [False]))
        sep = is_sep[cps] | (star & ~prev_star & ~next_star)
        s, e = _runs(sep)
        ok = (s > 0) & (e < n)
        s, e = s[ok], e[ok]
        cjk = is_cjk[cps]
        ok = cjk[s - 1] & cjk[e]
        if ok.any():
            cps = cps[~_cover(n, s[ok], e[ok])]
            n = cps.shape[0]
        # 6. masks: runs of x/* not touching a Latin letter become #
        xs = (cps == ord("x")) | (cps == _STAR)
        s, e = _runs(xs)
        if s.shape[0]:
            latin = is_latin[cps]
            before = np.where(s > 0, latin[np.maximum(s - 1, 0)], False)
            after = np.where(e < n, latin[np.minimum(e, n - 1)], False)
            ok = ~before & ~after
            if ok.any():
                cps = cps.copy()
                cps[_cover(n, s[ok], e[ok])] = _HASH
        out = _text(cps)
    return _LOOKALIKE_RE.sub(_lookalike_repl, out)


def normalize_fast(text: str) -> str:
    """The normalised text, without the offset map."""
    return _normalize_joined(text.replace("\n", " "))


@dataclass(frozen=True)
class Normalized:
    """A normalised text and, per character, the span ``[start, end)`` of the original it came from."""

    original: str
    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Map a span of the normalised text back to the original text."""
        if end <= start:
            pos = self.starts[start] if start < len(self.starts) else len(self.original)
            return pos, pos
        return self.starts[start], self.ends[end - 1]


def _apply(
    text: str,
    starts: list[int],
    ends: list[int],
    pattern: re.Pattern[str],
    repl: Callable[[re.Match[str]], str],
) -> tuple[str, list[int], list[int]]:
    parts: list[str] = []
    ns: list[int] = []
    ne: list[int] = []
    last = 0
    for m in pattern.finditer(text):
        s, e = m.span()
        parts.append(text[last:s])
        ns.extend(starts[last:s])
        ne.extend(ends[last:s])
        r = repl(m)
        parts.append(r)
        if len(r) == e - s:
            ns.extend(starts[s:e])
            ne.extend(ends[s:e])
        else:
            ns.extend([starts[s]] * len(r))
            ne.extend([ends[e - 1]] * len(r))
        last = e
    parts.append(text[last:])
    ns.extend(starts[last:])
    ne.extend(ends[last:])
    return "".join(parts), ns, ne


def normalize(text: str) -> Normalized:
    """Normalise one text and keep, per normalised character, where it came from in the original."""
    starts = list(range(len(text)))
    ends = [i + 1 for i in starts]
    cur, starts, ends = _apply(text, starts, ends, _DROP, lambda m: "")
    cur = cur.translate(_text_table())
    for pattern, repl in _steps():
        cur, starts, ends = _apply(cur, starts, ends, pattern, repl)
    return Normalized(text, cur, tuple(starts), tuple(ends))


def normalize_batch(texts: Sequence[str]) -> list[str]:
    """Normalise many texts with one pass of each step over the newline-joined batch."""
    if not texts:
        return []
    joined = "\n".join(texts)
    if joined.count("\n") != len(texts) - 1:  # some texts hold newlines: they become spaces anyway
        joined = "\n".join(t.replace("\n", " ") for t in texts)
    return _normalize_joined(joined).split("\n")
