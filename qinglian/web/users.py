"""Accounts from the command line (``qinglian users add``): the first admin, and members of cases."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from qinglian.errors import QinglianError
from qinglian.web.auth import MIN_PASSWORD, hash_password
from qinglian.web.cases import find_cases
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


def add_user(cases_dir: Path, name: str, password: str, role: str, cases: list[str],
             db_url: str | None = None) -> list[str]:
    """Create a user (or update its password and role) and make it a member of ``cases`` (ids or
    folder names under ``cases_dir``) with its role; an admin joins cases as case lead."""
    name = name.strip()
    if not name or len(name) > 64:
        raise QinglianError("用户名不能为空且不超过 64 个字符", "a user name is 1 to 64 characters")
    if role not in ROLES:
        raise QinglianError(f"未知角色：{role}", f"unknown role: {role}",
                            hint_zh="可选：" + "、".join(ROLES), hint_en="one of: " + ", ".join(ROLES))
    if len(password) < MIN_PASSWORD:
        raise QinglianError(f"密码至少 {MIN_PASSWORD} 个字符", f"a password has at least {MIN_PASSWORD} characters")
    known = find_cases(cases_dir)
    by_folder = {c.root.name: c for c in known.values()}
    chosen = []
    for ref in cases:
        info = known.get(ref) or by_folder.get(ref)
        if info is None:
            raise QinglianError(f"案件目录中没有案件 {ref}", f"no case {ref} in the cases folder", file=str(cases_dir))
        chosen.append(info)
    engine = make_engine(db_url or default_url(cases_dir))
    try:
        with session_factory(engine)() as db:
            user = db.scalar(select(User).where(User.name == name))
            if user is None:
                user = User(name=name, password_hash=hash_password(password), role=role)
                db.add(user)
            else:
                user.password_hash, user.role, user.active = hash_password(password), role, True
            db.flush()
            case_role = role if role in CASE_ROLES else "case_lead"
            for info in chosen:
                m = db.scalar(select(Membership).where(Membership.user_id == user.id,
                                                       Membership.case_id == info.case_id))
                if m is None:
                    db.add(Membership(user_id=user.id, case_id=info.case_id, role=case_role))
                else:
                    m.role = case_role
            db.commit()
    finally:
        engine.dispose()
    lines = [f"用户 {name}（{role}）已保存 / user {name} ({role}) saved"]
    lines += [f"  成员 / member: {i.name} [{i.case_id}]" for i in chosen]
    if role == ADMIN and not chosen:
        lines.append("  管理员只能查看其为成员的案件 / an admin sees only the cases it is a member of")
    return lines
