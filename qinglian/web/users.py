"""Accounts: the first admin and members of cases from the command line (``qinglian users add``),
and the same from the admin's page."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from qinglian.errors import QinglianError
from qinglian.web.auth import MIN_PASSWORD, hash_password
from qinglian.web.cases import CaseInfo, find_cases
from qinglian.web.db import (
    ADMIN,
    CASE_ROLES,
    ROLES,
    Membership,
    User,
    default_url,
    make_engine,
    session_factory,
)


def check_user(name: str, password: str | None, role: str) -> str:
    name = name.strip()
    if not name or len(name) > 64:
        raise QinglianError("用户名不能为空且不超过 64 个字符", "a user name is 1 to 64 characters")
    if role not in ROLES:
        raise QinglianError(f"未知角色：{role}", f"unknown role: {role}",
                            hint_zh="可选：" + "、".join(ROLES), hint_en="one of: " + ", ".join(ROLES))
    if password is not None and len(password) < MIN_PASSWORD:
        raise QinglianError(f"密码至少 {MIN_PASSWORD} 个字符", f"a password has at least {MIN_PASSWORD} characters")
    return name


def save_user(db: Session, name: str, password: str | None, role: str) -> User:
    """Create the user, or update its role (and password, when one is given)."""
    name = check_user(name, password, role)
    user = db.scalar(select(User).where(User.name == name))
    if user is None:
        if password is None:
            raise QinglianError("新用户需要密码", "a new user needs a password")
        user = User(name=name, password_hash=hash_password(password), role=role)
        db.add(user)
    else:
        user.role, user.active = role, True
        if password is not None:
            user.password_hash = hash_password(password)
    db.flush()
    return user


def set_membership(db: Session, user: User, case_id: str, role: str) -> None:
    """Make the user a member of the case with ``role`` (an admin's account role joins as case lead)."""
    case_role = role if role in CASE_ROLES else "case_lead"
    m = db.scalar(select(Membership).where(Membership.user_id == user.id, Membership.case_id == case_id))
    if m is None:
        db.add(Membership(user_id=user.id, case_id=case_id, role=case_role))
    else:
        m.role = case_role


def add_user(cases_dir: Path, name: str, password: str, role: str, cases: list[str],
             db_url: str | None = None) -> list[str]:
    """Create a user (or update its password and role) and make it a member of ``cases`` (ids or
    folder names under ``cases_dir``) with its role; an admin joins cases as case lead."""
    name = check_user(name, password, role)
    known = find_cases(cases_dir)
    by_folder = {c.root.name: c for c in known.values()}
    chosen: list[CaseInfo] = []
    for ref in cases:
        info = known.get(ref) or by_folder.get(ref)
        if info is None:
            raise QinglianError(f"案件目录中没有案件 {ref}", f"no case {ref} in the cases folder", file=str(cases_dir))
        chosen.append(info)
    engine = make_engine(db_url or default_url(cases_dir))
    try:
        with session_factory(engine)() as db:
            user = save_user(db, name, password, role)
            for info in chosen:
                set_membership(db, user, info.case_id, role)
            db.commit()
    finally:
        engine.dispose()
    lines = [f"用户 {name}（{role}）已保存 / user {name} ({role}) saved"]
    lines += [f"  成员 / member: {i.name} [{i.case_id}]" for i in chosen]
    if role == ADMIN and not chosen:
        lines.append("  管理员只能查看其为成员的案件 / an admin sees only the cases it is a member of")
    return lines
