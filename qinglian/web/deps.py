"""Request plumbing: the app database session, the signed-in user, CSRF, case membership, the
access log."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from qinglian.web.auth import same, session_of
from qinglian.web.cases import CaseInfo, find_cases
from qinglian.web.db import ADMIN, AccessLog, Membership, User

SESSION_COOKIE = "ql_session"


@dataclass(frozen=True)
class Settings:
    cases_dir: Path
    db_url: str
    secure_cookies: bool = False
    upload_limit: int = 2 << 30  # bytes in one upload, all files together


class NotSignedIn(Exception):
    """Handled by a redirect to the sign-in page."""


class Refused(Exception):
    """A request the user may not make: 403 (or 404 where existence must not show)."""

    def __init__(self, status: int, zh: str, en: str) -> None:
        super().__init__(en)
        self.status, self.zh, self.en = status, zh, en


def settings(request: Request) -> Settings:
    s: Settings = request.app.state.settings
    return s


def db(request: Request) -> Iterator[Session]:
    factory: sessionmaker[Session] = request.app.state.sessions
    with factory() as s:
        yield s


DB = Annotated[Session, Depends(db)]


def client_ip(request: Request) -> str:
    return request.client.host if request.client else ""


def current_user(request: Request, s: DB) -> User:
    found = session_of(s, request.cookies.get(SESSION_COOKIE))
    if found is None:
        raise NotSignedIn()
    ws, user = found
    request.state.user, request.state.csrf = user, ws.csrf
    return user


CurrentUser = Annotated[User, Depends(current_user)]


async def check_csrf(request: Request, user: CurrentUser) -> None:
    """Every state-changing request carries the session's token (form field or X-CSRF-Token)."""
    token = request.headers.get("x-csrf-token")
    if token is None:
        form = await request.form()
        v = form.get("csrf")
        token = v if isinstance(v, str) else None
    expected = getattr(request.state, "csrf", "")
    if not token or not expected or not same(token, expected):
        raise Refused(403, "请求缺少有效的安全令牌（CSRF），已拒绝", "missing or wrong CSRF token: refused")


@dataclass
class _Entry:
    row: AccessLog
    done: bool = False
    error: BaseException | None = None


# Access-log entries of concurrent requests are committed together (group commit): a request's
# entry is committed before it answers, as before, but twenty requests pay for one commit, not
# twenty one after another (SQLite takes one writer at a time, each commit a flush to disk).
@dataclass
class _Group:
    queue: list[_Entry] = field(default_factory=list)
    queue_lock: threading.Lock = field(default_factory=threading.Lock)
    commit_lock: threading.Lock = field(default_factory=threading.Lock)


_groups: dict[int, _Group] = {}  # per app database (engine), so no entry lands in another's
_groups_lock = threading.Lock()


def _group(s: Session) -> _Group:
    key = id(s.get_bind())
    with _groups_lock:
        return _groups.setdefault(key, _Group())


def audit(s: Session, request: Request, user: User | None, case_id: str | None, action: str,
          target: str = "", outcome: str = "ok") -> None:
    mine = _Entry(AccessLog(user_name=user.name if user else "", case_id=case_id, action=action,
                            target=target[:512], ip=client_ip(request), outcome=outcome))
    g = _group(s)
    with g.queue_lock:
        g.queue.append(mine)
    with g.commit_lock:
        if not mine.done:  # no one took it along: commit it with whatever else waits
            with g.queue_lock:
                batch = g.queue[:]
                g.queue.clear()
            try:
                s.add_all([e.row for e in batch])
                s.commit()
            except BaseException as exc:
                s.rollback()
                for e in batch:
                    e.error = exc
                raise
            finally:
                for e in batch:
                    e.done = True
    if mine.error is not None:
        raise mine.error
    if s.new or s.dirty or s.deleted:  # the request's own changes, where another request committed its entry
        s.commit()


def require_admin(user: CurrentUser) -> User:
    if user.role != ADMIN:
        raise Refused(403, "仅管理员可查看", "admins only")
    return user


def member_cases(s: Session, user: User, cases_dir: Path) -> list[tuple[CaseInfo, str]]:
    """The cases the user is a member of, with the role on each."""
    roles = {m.case_id: m.role for m in s.scalars(select(Membership).where(Membership.user_id == user.id))}
    return [(info, roles[cid]) for cid, info in find_cases(cases_dir).items() if cid in roles]


@dataclass(frozen=True)
class Access:
    info: CaseInfo
    role: str
    user: User


def case_access(request: Request, case_id: str, user: CurrentUser, s: DB) -> Access:
    """The case if the user is a member; 404 otherwise, the same as for a case that does not exist,
    and the refusal goes into the access log."""
    m = s.scalar(select(Membership).where(Membership.user_id == user.id, Membership.case_id == case_id))
    info = find_cases(settings(request).cases_dir).get(case_id) if m is not None else None
    if m is None or info is None:
        audit(s, request, user, case_id[:64], "open", request.url.path, outcome="denied")
        raise Refused(404, "没有这个案件，或您不是该案件的成员", "no such case, or you are not a member of it")
    return Access(info, m.role, user)


CaseAccess = Annotated[Access, Depends(case_access)]
