"""User-facing language: Chinese by default, English with QINGLIAN_LANG=en or --lang en."""

from __future__ import annotations

import os

_lang: str | None = None


def set_language(lang: str | None) -> None:
    global _lang
    _lang = lang


def language() -> str:
    lang = _lang or os.environ.get("QINGLIAN_LANG", "zh")
    return "en" if lang.lower().startswith("en") else "zh"


def t(zh: str, en: str) -> str:
    """Pick the user's language from a pair of texts."""
    return en if language() == "en" else zh
