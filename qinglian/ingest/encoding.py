"""Text encoding of seized files: BOMs, UTF-8, GB18030 (a superset of GBK/GB2312), UTF-16."""

from __future__ import annotations

import codecs
from pathlib import Path

from charset_normalizer import from_bytes

SAMPLE = 1 << 20

# Names users type, mapped to the codec we read with (GB18030 decodes all GBK and GB2312 text).
ALIASES = {
    "gbk": "gb18030",
    "gb2312": "gb18030",
    "gb18030": "gb18030",
    "cp936": "gb18030",
    "utf8": "utf-8",
    "utf-8": "utf-8",
    "utf-8-sig": "utf-8",
    "utf8-sig": "utf-8",
    "utf16": "utf-16",
    "utf-16": "utf-16",
    "big5": "big5",
}


def canonical(name: str) -> str:
    """The codec for a user-given encoding name; unknown names raise LookupError."""
    key = name.strip().lower().replace("_", "-")
    if key in ALIASES:
        return ALIASES[key]
    return codecs.lookup(key).name


def _decodes(data: bytes, codec: str) -> bool:
    decoder = codecs.getincrementaldecoder(codec)()
    try:
        decoder.decode(data, final=False)  # a character cut at the sample's end is fine
    except UnicodeDecodeError:
        return False
    return True


def detect(path: Path) -> str:
    """Best guess of a text file's encoding from its first megabyte."""
    with path.open("rb") as fh:
        head = fh.read(SAMPLE)
    return detect_bytes(head)


def detect_bytes(head: bytes) -> str:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if len(head) >= 4 and head[1::2].count(0) > len(head) // 4:
        return "utf-16-le"
    if len(head) >= 4 and head[0::2].count(0) > len(head) // 4:
        return "utf-16-be"
    if _decodes(head, "utf-8"):
        return "utf-8"
    if _decodes(head, "gb18030"):
        return "gb18030"
    best = from_bytes(head).best()
    return canonical(best.encoding) if best is not None else "utf-8"
