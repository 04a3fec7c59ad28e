"""The admin's pages: the access log (every view of a case, every refusal), accounts and memberships."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import delete, select

from qinglian.web.cases import find_cases
from qinglian.web.db import CASE_ROLES, ROLES, AccessLog, Membership, User, WebSession
from qinglian.web.deps import DB, Refused, audit, check_csrf, require_admin, settings
from qinglian.web.render import page
from qinglian.web.users import save_user, set_membership

router = APIRouter()
LIMIT = 500


@router.get("/admin/access")
def access_log(request: Request, s: DB, admin: Annotated[User, Depends(require_admin)],
               case: Annotated[str, Query(max_length=64)] = "",
               user: Annotated[str, Query(max_length=64)] = "") -> Response:
    q = select(AccessLog).order_by(AccessLog.id.desc()).limit(LIMIT)
    if case:
        q = q.where(AccessLog.case_id == case)
    if user:
        q = q.where(AccessLog.user_name == user)
    return page(request, "access.html", entries=list(s.scalars(q)), case=case, who=user, limit=LIMIT)


@router.get("/admin/users")
def users_page(request: Request, s: DB, admin: Annotated[User, Depends(require_admin)]) -> Response:
    users = list(s.scalars(select(User).order_by(User.name)))
    members: dict[int, list[tuple[str, str]]] = {}
    for m in s.scalars(select(Membership)):
        members.setdefault(m.user_id, []).append((m.case_id, m.role))
    return page(request, "users.html", users=users, members=members, roles=ROLES, case_roles=CASE_ROLES,
                cases=find_cases(settings(request).cases_dir))


@router.post("/admin/users", dependencies=[Depends(check_csrf)])
def save(request: Request, s: DB, admin: Annotated[User, Depends(require_admin)],
         name: Annotated[str, Form(max_length=64)], role: Annotated[str, Form()],
         password: Annotated[str, Form(max_length=1000)] = "") -> Response:
    user = save_user(s, name, password or None, role)
    s.commit()
    audit(s, request, admin, None, "user.save", f"{user.name} {role}")
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/admin/members", dependencies=[Depends(check_csrf)])
def member(request: Request, s: DB, admin: Annotated[User, Depends(require_admin)],
           user_id: Annotated[int, Form()], case_id: Annotated[str, Form(max_length=64)],
           role: Annotated[str, Form()]) -> Response:
    user = s.get(User, user_id)
    if user is None or case_id not in find_cases(settings(request).cases_dir):
        raise Refused(404, "没有这个用户或案件", "no such user or case")
    if role == "remove":
        s.execute(delete(Membership).where(Membership.user_id == user.id, Membership.case_id == case_id))
    elif role in CASE_ROLES:
        set_membership(s, user, case_id, role)
    else:
        raise Refused(400, "未知角色", "unknown role")
    s.commit()
    audit(s, request, admin, case_id, "member.set", f"{user.name} {role}")
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/admin/users/{user_id}/active", dependencies=[Depends(check_csrf)])
def set_active(request: Request, s: DB, admin: Annotated[User, Depends(require_admin)], user_id: int,
               active: Annotated[bool, Form()]) -> Response:
    user = s.get(User, user_id)
    if user is None:
        raise Refused(404, "没有这个用户", "no such user")
    if user.id == admin.id and not active:
        raise Refused(400, "不能停用自己的账号", "you cannot disable your own account")
    user.active = active
    if not active:  # signed out everywhere at once
        s.execute(delete(WebSession).where(WebSession.user_id == user.id))
    s.commit()
    audit(s, request, admin, None, "user.active" if active else "user.disable", user.name)
    return RedirectResponse("/admin/users", status_code=303)
