"""Consumer pseudonyms inside the agency: HMAC-SHA-256 of the E.164 number under the agency key.

The key is 256 random bits in hex, made once by ``qinglian key init`` (never created silently),
kept outside the case (``QINGLIAN_KEY_FILE``, default ``~/.config/qinglian/agency.key``) in a
file only its owner can read, so lists of the agency's cases can be matched by pseudonym.
Pseudonyms never leave the agency: matching with another agency is the private set
intersection of ``qinglian.link.exchange``. The demo case uses a key of its own inside its folder.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
import stat
from pathlib import Path
from typing import TYPE_CHECKING

from qinglian.errors import QinglianError

if TYPE_CHECKING:
    from qinglian.store.case import Case

PREFIX = "C:"
HEX_CHARS = 12
KEY_BYTES = 32  # 256 bits
DEMO_KEY = ".demo-agency.key"
_HEX_KEY = re.compile(rf"[0-9a-fA-F]{{{2 * KEY_BYTES},}}")
_INIT_HINT = ("先运行 qinglian key init 生成机构密钥（256 位），并妥善备份；同一机构的案件使用同一密钥",
              "run qinglian key init to make the agency key (256 bits) and back it up; "
              "the agency's cases share one key")


def key_file() -> Path:
    override = os.environ.get("QINGLIAN_KEY_FILE")
    if override:
        return Path(override).expanduser()
    return Path("~/.config/qinglian/agency.key").expanduser()


def _checked(text: str, where: str) -> bytes:
    v = text.strip()
    if not _HEX_KEY.fullmatch(v):
        raise QinglianError(
            f"机构密钥须为至少 {2 * KEY_BYTES} 位十六进制（256 位随机数）",
            f"the agency key must be at least {2 * KEY_BYTES} hex digits (256 random bits)",
            file=where, hint_zh=_INIT_HINT[0], hint_en=_INIT_HINT[1])
    return v.lower().encode("ascii")


def init_key(path: Path | None = None) -> Path:
    """Write a new 256-bit key, readable by its owner only; an existing key is never replaced."""
    path = (path or key_file()).expanduser()
    if path.exists():
        raise QinglianError("机构密钥已存在，不会覆盖", "the agency key already exists and is not replaced",
                            file=str(path),
                            hint_zh="换用新密钥会使已有假名无法比对；确需更换请先移走旧文件",
                            hint_en="a new key makes existing pseudonyms unmatchable; move the old file away first")
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(secrets.token_hex(KEY_BYTES) + "\n")
    return path


def agency_key() -> bytes:
    """The agency key from ``QINGLIAN_KEY`` or the key file; refused when missing, short or readable
    by anyone but its owner."""
    env = os.environ.get("QINGLIAN_KEY")
    if env:
        return _checked(env, "QINGLIAN_KEY")
    path = key_file()
    if not path.exists():
        raise QinglianError("没有机构密钥", "there is no agency key", file=str(path),
                            hint_zh=_INIT_HINT[0], hint_en=_INIT_HINT[1])
    return _checked(_read_private(path), str(path))


def _read_private(path: Path) -> str:
    st = path.stat()
    if st.st_mode & (stat.S_IRWXG | stat.S_IRWXO) or (hasattr(os, "getuid") and st.st_uid != os.getuid()):
        raise QinglianError(
            "机构密钥文件可被他人读取或不属于当前用户，拒绝使用",
            "the agency key file can be read by others or belongs to another user; refused",
            file=str(path), hint_zh=f"运行 chmod 600 {path}（并确认无人复制过它）",
            hint_en=f"run chmod 600 {path} (and make sure nobody copied it)")
    return path.read_text(encoding="utf-8")


def demo_key(case: Case) -> bytes:
    """The demo case's own key, kept in its folder: demo and real cases never share a key."""
    path = case.root / DEMO_KEY
    if not path.exists():
        init_key(path)
    return _checked(_read_private(path), str(path))


def pseudonym(e164: str, key: bytes) -> str:
    """'C:' and the first 12 hex digits of HMAC-SHA-256(key, number)."""
    digest = hmac.new(key, e164.encode("utf-8"), hashlib.sha256).hexdigest()
    return PREFIX + digest[:HEX_CHARS]
