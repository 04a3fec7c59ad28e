"""The inspection-day operation: the lead plans sites from the case's ranking and puts teams on
them; each site's packet prints as PDF; the team on a site (or the lead) moves its status through
the day; one board shows every site by district. Every change is in the access log."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from qinglian.web import operation
from qinglian.web.db import Membership, User, now
from qinglian.web.deps import DB, Access, CaseAccess, Refused, audit, check_csrf
from qinglian.web.operation_db import (
    STATUS_EN,
    STATUS_ZH,
    STATUSES,
    TEAM_ROLES,
    Operation,
    OperationSite,
    SiteMember,
)
from qinglian.web.render import lang_of, page

router = APIRouter()
LEAD = "case_lead"
PLAN_SHOWN = 80  # ranked holders on the plan form unless all are asked for


def _lead_only(s: Session, request: Request, acc: Access, action: str) -> None:
    if acc.role != LEAD:
        audit(s, request, acc.user, acc.info.case_id, action, outcome="denied")
        raise Refused(403, "只有案件负责人可以安排检查行动", "only the case lead can plan the operation")


def _operation(s: Session, case_id: str) -> Operation | None:
    return s.scalar(select(Operation).where(Operation.case_id == case_id))


def _site(s: Session, acc: Access, site_id: int) -> OperationSite:
    found = s.get(OperationSite, site_id)
    if found is None or found.case_id != acc.info.case_id:
        raise Refused(404, "该案件的检查行动中没有这个地点", "no such site in this case's operation")
    return found


def _members(s: Session, case_id: str) -> list[tuple[User, str]]:
    """The case's members who may go on a site, with their role."""
    rows = s.execute(select(User, Membership.role).join(Membership, Membership.user_id == User.id)
                     .where(Membership.case_id == case_id, User.active.is_(True)).order_by(User.name)).all()
    return [(u, str(r)) for u, r in rows if r in TEAM_ROLES]


def _teams(s: Session, site_ids: list[int]) -> dict[int, list[User]]:
    out: dict[int, list[User]] = defaultdict(list)
    if site_ids:
        for site_id, user in s.execute(select(SiteMember.site_id, User).join(User, User.id == SiteMember.user_id)
                                       .where(SiteMember.site_id.in_(site_ids)).order_by(User.name)).all():
            out[int(site_id)].append(user)
    return out


def _back(acc: Access, anchor: str = "") -> Response:
    return RedirectResponse(f"/cases/{quote(acc.info.case_id)}/operation{anchor}", status_code=303)


@router.get("/cases/{case_id}/operation")
def board(request: Request, acc: CaseAccess, s: DB) -> Response:
    # The board's own 15 s refresh (htmx) is not logged again, like a job page's polling: the view
    # was logged when the page was opened, and membership is still checked on every refresh.
    refresh = request.headers.get("hx-request") == "true"
    if not refresh:
        audit(s, request, acc.user, acc.info.case_id, "operation")
    op = _operation(s, acc.info.case_id)
    sites = list(s.scalars(select(OperationSite).where(OperationSite.case_id == acc.info.case_id)
                           .order_by(OperationSite.district, OperationSite.rank, OperationSite.holder))) if op else []
    teams = _teams(s, [x.id for x in sites])
    by_district: dict[str, list[OperationSite]] = defaultdict(list)
    for x in sites:
        by_district[x.district].append(x)
    counts = {st: sum(1 for x in sites if x.status == st) for st in STATUSES}
    mine = {x.id for x in sites if any(u.id == acc.user.id for u in teams[x.id])}
    return page(request, "operation/_board.html" if refresh else "operation/board.html", acc=acc, op=op,
                districts=sorted(by_district.items()), refreshed=now().strftime("%H:%M:%S"),
                teams=teams, counts=counts, statuses=STATUSES, mine=mine, is_lead=acc.role == LEAD,
                members=_members(s, acc.info.case_id) if acc.role == LEAD else [],
                status_names=STATUS_EN if lang_of(request) == "en" else STATUS_ZH)


@router.get("/cases/{case_id}/operation/plan")
def plan_form(request: Request, acc: CaseAccess, s: DB, phase: Annotated[str, Query(max_length=16)] = "",
              show_all: Annotated[bool, Query(alias="all")] = False) -> Response:
    _lead_only(s, request, acc, "operation.plan")
    chosen, found = operation.candidates(acc.info.case, phase or None)
    more = 0 if show_all else max(0, len(found) - PLAN_SHOWN)
    found = found if show_all else found[:PLAN_SHOWN]
    op = _operation(s, acc.info.case_id)
    planned = {x.holder for x in s.scalars(select(OperationSite).where(OperationSite.case_id == acc.info.case_id))}
    return page(request, "operation/plan.html", acc=acc, phase=chosen, candidates=found, planned=planned, op=op,
                today=date.today().isoformat(), more=more)


@router.post("/cases/{case_id}/operation/plan", dependencies=[Depends(check_csrf)])
def plan(request: Request, acc: CaseAccess, s: DB,
         holder: Annotated[list[str], Form()], site: Annotated[list[str], Form()],
         district: Annotated[list[str], Form()], pick: Annotated[list[int], Form()] = [],  # noqa: B006
         phase: Annotated[str, Form(max_length=16)] = "", name: Annotated[str, Form(max_length=200)] = "",
         day: Annotated[str, Form(max_length=10)] = "") -> Response:
    _lead_only(s, request, acc, "operation.plan")
    if not (len(holder) == len(site) == len(district)):
        raise Refused(400, "计划表单不完整", "the plan form is incomplete")
    chosen, found = operation.candidates(acc.info.case, phase or None)
    ranked = {c.holder: c for c in found}
    op = _operation(s, acc.info.case_id)
    if op is None:
        op = Operation(case_id=acc.info.case_id, name=name.strip() or "检查行动", day=day.strip(),
                       created_by=acc.user.name)
        s.add(op)
        s.flush()
    elif name.strip() or day.strip():
        op.name, op.day = name.strip() or op.name, day.strip() or op.day
    planned = {x.holder for x in s.scalars(select(OperationSite).where(OperationSite.operation_id == op.id))}
    added = []
    for i in sorted(set(pick)):
        if not 0 <= i < len(holder):
            continue
        h = holder[i].strip()
        c = ranked.get(h)
        if c is None or h in planned:  # only holders of the ranking, each once
            continue
        s.add(OperationSite(operation_id=op.id, case_id=acc.info.case_id, holder=h, site=site[i].strip()[:200],
                            district=district[i].strip()[:64], phase=chosen or "", rank=c.rank, score=c.score,
                            reasons=c.reasons, changed_by=acc.user.name))
        planned.add(h)
        added.append(h)
    s.commit()
    audit(s, request, acc.user, acc.info.case_id, "operation.plan", f"{len(added)} sites: " + "、".join(added))
    return _back(acc)


@router.post("/cases/{case_id}/operation/sites/{site_id}/team", dependencies=[Depends(check_csrf)])
def assign(request: Request, acc: CaseAccess, s: DB, site_id: int,
           user_id: Annotated[list[int], Form()] = []) -> Response:  # noqa: B006
    _lead_only(s, request, acc, "operation.team")
    found = _site(s, acc, site_id)
    allowed = {u.id: u for u, _ in _members(s, acc.info.case_id)}
    if any(uid not in allowed for uid in user_id):
        raise Refused(400, "只能安排本案件的成员（查看者除外）", "only members of this case (not viewers) can be assigned")
    for m in s.scalars(select(SiteMember).where(SiteMember.site_id == found.id)):
        s.delete(m)
    s.flush()
    for uid in sorted(set(user_id)):
        s.add(SiteMember(site_id=found.id, user_id=uid))
    s.commit()
    audit(s, request, acc.user, acc.info.case_id, "operation.team",
          f"{found.id} {found.holder}: " + "、".join(allowed[u].name for u in sorted(set(user_id))))
    return _back(acc, f"#site-{found.id}")


@router.post("/cases/{case_id}/operation/sites/{site_id}/status", dependencies=[Depends(check_csrf)])
def set_status(request: Request, acc: CaseAccess, s: DB, site_id: int,
               status: Annotated[str, Form(max_length=16)]) -> Response:
    found = _site(s, acc, site_id)
    on_team = s.scalar(select(SiteMember.id).where(SiteMember.site_id == found.id,
                                                   SiteMember.user_id == acc.user.id)) is not None
    if acc.role != LEAD and not (on_team and acc.role in TEAM_ROLES):
        audit(s, request, acc.user, acc.info.case_id, "operation.status", f"{found.id} {status}", outcome="denied")
        raise Refused(403, "只有该地点的检查组成员或案件负责人可以更新状态",
                      "only the site's team or the case lead can change its status")
    if status not in STATUSES:
        raise Refused(400, "未知的状态", "unknown status")
    before = found.status
    found.status, found.changed_by, found.changed_at = status, acc.user.name, now()
    s.commit()
    audit(s, request, acc.user, acc.info.case_id, "operation.status", f"{found.id} {found.holder}: {before} -> {status}")
    return _back(acc, f"#site-{found.id}")


@router.get("/cases/{case_id}/operation/sites/{site_id}/packet.pdf")
def packet(request: Request, acc: CaseAccess, s: DB, site_id: int) -> Response:
    found = _site(s, acc, site_id)
    op = s.get(Operation, found.operation_id)
    team = [u.name for u in _teams(s, [found.id])[found.id]]
    html = operation.packet_html(acc.info.case, found, team, lang_of(request), op.name if op else "", op.day if op else "")
    pdf = operation.packet_pdf(html)
    audit(s, request, acc.user, acc.info.case_id, "operation.packet", f"{found.id} {found.holder}")
    # An attachment: the PDF holds masked case facts and is never shown as a page of this site.
    return Response(pdf, media_type="application/pdf",
                    headers={"Content-Disposition": f"attachment; filename=\"packet-{found.id}.pdf\""})


@router.post("/cases/{case_id}/operation/sites/{site_id}/remove", dependencies=[Depends(check_csrf)])
def remove(request: Request, acc: CaseAccess, s: DB, site_id: int) -> Response:
    _lead_only(s, request, acc, "operation.remove")
    found = _site(s, acc, site_id)
    for m in s.scalars(select(SiteMember).where(SiteMember.site_id == found.id)):
        s.delete(m)
    s.delete(found)
    s.commit()
    audit(s, request, acc.user, acc.info.case_id, "operation.remove", f"{site_id} {found.holder}")
    return _back(acc)
