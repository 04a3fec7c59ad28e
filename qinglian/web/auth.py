"""Passwords (argon2), sign-in with throttling, sessions and their CSRF tokens."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from qinglian.web.db import LoginFailure, User, WebSession, now

SESSION_HOURS = 8
THROTTLE_FAILURES = 5
THROTTLE_WINDOW = timedelta(minutes=15)
# Failures from one address over all names: guessing across many accounts stops too.
THROTTLE_IP_FAILURES = 30
MIN_PASSWORD = 10

_hasher = PasswordHasher()
# Verified against when the user does not exist, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored: str, password: str) -> bool:
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


class Throttled(Exception):
    """Too many failed sign-ins for this name from this address."""


@dataclass(frozen=True)
class SignedIn:
    token: str
    csrf: str
    user: User


def _recent_failures(db: Session, name: str | None, ip: str, at: datetime) -> int:
    """Failures from ``ip`` within the window, for ``name`` (or for any name)."""
    q = select(func.count()).select_from(LoginFailure).where(
        LoginFailure.ip == ip, LoginFailure.at > at - THROTTLE_WINDOW)
    if name is not None:
        q = q.where(LoginFailure.user_name == name)
    return int(db.scalar(q) or 0)


def sign_in(db: Session, name: str, password: str, ip: str) -> SignedIn | None:
    """A new session for a right name and password; None when wrong. Refused (``Throttled``) after
    ``THROTTLE_FAILURES`` failures for the name and address, or ``THROTTLE_IP_FAILURES`` from the
    address, within ``THROTTLE_WINDOW``, even when the password is right, so guessing cannot go on
    in the background."""
    at = now()
    name = name.strip()[:64]
    if (_recent_failures(db, name, ip, at) >= THROTTLE_FAILURES
            or _recent_failures(db, None, ip, at) >= THROTTLE_IP_FAILURES):
        raise Throttled()
    user = db.scalar(select(User).where(User.name == name))
    ok = verify_password(user.password_hash if user else _DUMMY_HASH, password)
    if user is None or not ok or not user.active:
        db.add(LoginFailure(user_name=name, ip=ip, at=at))
        db.commit()
        return None
    db.execute(delete(LoginFailure).where(LoginFailure.user_name == name, LoginFailure.ip == ip))
    db.execute(delete(WebSession).where(WebSession.expires_at < at))
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    db.add(WebSession(token_hash=token_hash(token), user_id=user.id, csrf=csrf, created_at=at,
                      expires_at=at + timedelta(hours=SESSION_HOURS)))
    db.commit()
    return SignedIn(token, csrf, user)


def session_of(db: Session, token: str | None) -> tuple[WebSession, User] | None:
    """The live session and its active user for a cookie's token."""
    if not token:
        return None
    found = db.execute(select(WebSession, User).join(User, User.id == WebSession.user_id)
                       .where(WebSession.token_hash == token_hash(token))).first()
    if found is None:
        return None
    ws, user = found
    if ws.expires_at < now() or not user.active:
        return None
    return ws, user


def sign_out(db: Session, token: str | None) -> None:
    if token:
        db.execute(delete(WebSession).where(WebSession.token_hash == token_hash(token)))
        db.commit()
