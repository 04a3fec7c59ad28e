"""What an admin reads: the access log (every view of a case, every refusal)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlalchemy import select

from qinglian.web.db import AccessLog, User
from qinglian.web.deps import DB, require_admin
from qinglian.web.render import page

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
