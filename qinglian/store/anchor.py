"""Anchoring custody heads outside the case: a head signed with the agency's Ed25519 key and
appended to an anchor log that lives apart from the case folder.

Whoever can write a case folder can rewrite its whole custody log and the head stored beside
it; they cannot make a signed record in another place say something else. ``verify`` finds the
anchors of a case (by its id, its first entry or its folder) and checks that each anchored
entry is still in the chain, unchanged.

The key is made once by ``qinglian anchor --init-key`` (never silently), kept owner-only
(0600, refused otherwise), at ``~/.config/qinglian/anchor.key`` or ``QINGLIAN_ANCHOR_KEY``.
The log defaults to ``~/.local/share/qinglian/anchors.jsonl`` (``QINGLIAN_ANCHOR_LOG``).
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import json
import os
import stat
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from qinglian.errors import QinglianError
from qinglian.i18n import t
from qinglian.store.case import Case
from qinglian.store.custody import current_user


def key_path(explicit: Path | None = None) -> Path:
    if explicit is not None:
        return Path(explicit)
    env = os.environ.get("QINGLIAN_ANCHOR_KEY")
    return Path(env) if env else Path.home() / ".config" / "qinglian" / "anchor.key"


def log_path(explicit: Path | None = None) -> Path:
    if explicit is not None:
        return Path(explicit)
    env = os.environ.get("QINGLIAN_ANCHOR_LOG")
    return Path(env) if env else Path.home() / ".local" / "share" / "qinglian" / "anchors.jsonl"


def _raw_public(pub: Ed25519PublicKey) -> bytes:
    return pub.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def fingerprint(pub: Ed25519PublicKey) -> str:
    return hashlib.sha256(_raw_public(pub)).hexdigest()[:32]


def init_key(path: Path | None = None) -> Path:
    """Make the agency's signing key; refuses to replace one."""
    path = key_path(path)
    if path.exists():
        raise QinglianError(
            "锚定签名密钥已存在，不会覆盖",
            "the anchor signing key exists already; it is never replaced",
            file=str(path),
            hint_zh="换密钥会使以往的锚定无法核对；如确需新密钥，请先妥善归档旧密钥再移走",
            hint_en="a new key would leave earlier anchors unverifiable; archive the old key and move it away first",
        )
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
    return path


def load_key(path: Path | None = None) -> Ed25519PrivateKey:
    path = key_path(path)
    if not path.is_file():
        raise QinglianError(
            "没有锚定签名密钥",
            "no anchor signing key",
            file=str(path),
            hint_zh="由机构管理员运行一次 qinglian anchor --init-key 生成（密钥应与案件分开保管）",
            hint_en="have the agency's administrator run qinglian anchor --init-key once (keep it apart from cases)",
        )
    st = path.stat()
    if st.st_mode & (stat.S_IRWXG | stat.S_IRWXO) or (hasattr(os, "getuid") and st.st_uid != os.getuid()):
        raise QinglianError(
            "锚定签名密钥的权限过宽（其他用户可读写），拒绝使用",
            "the anchor signing key is readable or writable by others; refusing to use it",
            file=str(path),
            hint_zh=f"运行 chmod 600 {path}，并确认文件属于当前用户",
            hint_en=f"run chmod 600 {path} and make sure you own the file",
        )
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except ValueError as exc:
        raise QinglianError("锚定签名密钥无法读取", "the anchor signing key cannot be read", file=str(path)) from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise QinglianError("锚定签名密钥不是 Ed25519 密钥", "the anchor signing key is not an Ed25519 key", file=str(path))
    return key


def _signed_bytes(record: dict[str, Any]) -> bytes:
    body = {k: v for k, v in record.items() if k != "sig"}
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def _identity(case: Case, entries: list[dict[str, Any]]) -> dict[str, Any]:
    meta = case.meta()
    return {
        "case_id": meta.get("id"),
        "case_name": meta.get("name"),
        "case_path": str(case.root.resolve()),
        "genesis": entries[0].get("hash") if entries else None,
    }


def anchor_case(
    case: Case, *, anchor_log: Path | None = None, key: Path | None = None, user: str | None = None
) -> dict[str, Any]:
    """Sign the case's custody head and append it to the anchor log; returns the record."""
    from qinglian.store.custody import valid_entries

    private = load_key(key)
    fp = fingerprint(private.public_key())
    log = log_path(anchor_log)
    with case.connect() as con:  # exclusive: the head cannot move until it is signed
        entry = case.log("anchor", {"anchor_log": str(log)}, user=user, details={"key": fp}, con=con)
    entries = valid_entries(case.custody_path)
    record: dict[str, Any] = {
        **_identity(case, entries),
        "seq": entry["seq"],
        "hash": entry["hash"],
        "time": datetime.now(UTC).astimezone().isoformat(timespec="seconds"),
        "user": current_user(user),
        "key": fp,
        "public_key": base64.b64encode(_raw_public(private.public_key())).decode(),
    }
    record["sig"] = base64.b64encode(private.sign(_signed_bytes(record))).decode()
    log.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    line = (json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n").encode()
    fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # several cases may anchor into one log at once
        os.write(fd, line)
        os.fsync(fd)
    finally:
        os.close(fd)
    return record


def _trusted_key() -> str | None:
    """The fingerprint of this machine's agency key, where it can be read."""
    try:
        return fingerprint(load_key().public_key())
    except QinglianError:
        return None


def anchors_for(
    case: Case, entries: list[dict[str, Any]], anchor_log: Path | None = None
) -> list[tuple[dict[str, Any], str | None]]:
    """The anchor records of this case, each with a problem found in the record itself."""
    path = log_path(anchor_log)
    if not path.is_file():
        return []
    me = _identity(case, entries)
    trusted = _trusted_key()
    found: list[tuple[dict[str, Any], str | None]] = []
    with path.open("r", encoding="utf-8", errors="replace") as fh:
        for line in fh:
            try:
                rec = json.loads(line) if line.strip() else None
            except ValueError:
                continue
            if not isinstance(rec, dict):
                continue
            mine = (
                (me["case_id"] and rec.get("case_id") == me["case_id"])
                or (me["genesis"] and rec.get("genesis") == me["genesis"])
                or rec.get("case_path") == me["case_path"]
            )
            if mine:
                found.append((rec, _record_problem(rec, trusted)))
    return found


def _record_problem(rec: dict[str, Any], trusted: str | None) -> str | None:
    when = rec.get("time", "?")
    try:
        pub = Ed25519PublicKey.from_public_bytes(base64.b64decode(str(rec.get("public_key"))))
        pub.verify(base64.b64decode(str(rec.get("sig"))), _signed_bytes(rec))
    except (InvalidSignature, ValueError):
        return t(
            f"{when} 的锚定记录签名无效（锚定日志被改动）",
            f"the anchor record of {when} has an invalid signature (the anchor log was altered)",
        )
    if fingerprint(pub) != rec.get("key"):
        return t(f"{when} 的锚定记录密钥标识不符", f"the anchor record of {when} names another key than it carries")
    if trusted is not None and rec.get("key") != trusted:
        return t(
            f"{when} 的锚定记录由未知密钥（{rec.get('key')}）签名，不是本机构的锚定密钥",
            f"the anchor record of {when} is signed by an unknown key ({rec.get('key')}), not this agency's",
        )
    return None
