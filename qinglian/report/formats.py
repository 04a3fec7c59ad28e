"""The output formats a command was asked for (``--format html,pdf``), read against those it writes."""

from __future__ import annotations

from qinglian.errors import QinglianError


def choose(value: str | None, allowed: tuple[str, ...], what_zh: str, what_en: str) -> tuple[str, ...]:
    """The formats named in ``value`` (comma separated, in order, each once); all of ``allowed`` for
    None. An unknown or empty choice is a clear error naming the allowed ones."""
    if value is None:
        return allowed
    wanted = tuple(dict.fromkeys(f.strip().lower() for f in value.split(",") if f.strip()))
    bad = [f for f in wanted if f not in allowed]
    if bad or not wanted:
        raise QinglianError(
            f"不支持的{what_zh}格式：{'、'.join(bad) or '（空）'}",
            f"unsupported {what_en} format: {', '.join(bad) or '(empty)'}",
            hint_zh=f"可选 {','.join(allowed)}（逗号分隔）",
            hint_en=f"choose from {','.join(allowed)} (comma separated)",
        )
    return wanted
