"""Consumer pseudonyms: HMAC-SHA-256 of the E.164 number under the agency key.

The key lives outside the case (env ``QINGLIAN_KEY``, or the file named by
``QINGLIAN_KEY_FILE``, default ``~/.config/qinglian/agency.key``), so two cases or two
agencies holding the same key can match lists without exchanging raw numbers.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import sys
from pathlib import Path

from qinglian.errors import QinglianError
from qinglian.i18n import t

PREFIX = "C:"
HEX_CHARS = 12


def key_file() -> Path:
    override = os.environ.get("QINGLIAN_KEY_FILE")
    if override:
        return Path(override).expanduser()
    return Path("~/.config/qinglian/agency.key").expanduser()


def agency_key() -> bytes:
    """The agency key; a new random key file is created (and announced) on first use."""
    env = os.environ.get("QINGLIAN_KEY")
    if env:
        return env.encode("utf-8")
    path = key_file()
    if path.exists():
        text = path.read_text(encoding="utf-8").strip()
        if not text:
            raise QinglianError(
                "机构密钥文件为空", "the agency key file is empty", file=str(path),
                hint_zh="删除该文件以重新生成，或设置 QINGLIAN_KEY",
                hint_en="delete the file to create a new key, or set QINGLIAN_KEY",
            )
        return text.encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(secrets.token_hex(32) + "\n")
    print(
        t(
            f"已新建机构密钥 {path}（用于消费者号码假名化；同一机构的所有案件应使用同一密钥，请妥善备份）",
            f"created the agency key {path} (used to pseudonymise consumer numbers; "
            "use the same key for all of the agency's cases and back it up)",
        ),
        file=sys.stderr,
    )
    return path.read_text(encoding="utf-8").strip().encode("utf-8")


def pseudonym(e164: str, key: bytes) -> str:
    """'C:' and the first 12 hex digits of HMAC-SHA-256(key, number)."""
    digest = hmac.new(key, e164.encode("utf-8"), hashlib.sha256).hexdigest()
    return PREFIX + digest[:HEX_CHARS]
