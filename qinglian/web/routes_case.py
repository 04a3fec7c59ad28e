"""The case pages: list, overview, party with its charges and their review, evidence browser,
search. Every page of a case is in the access log."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from markupsafe import Markup

from qinglian.charges.review import STATUS_ZH, review_charge
from qinglian.privacy import mask_text
from qinglian.store.case import Case, init_case
from qinglian.store.schema import TEXT_FIELDS
from qinglian.web import charts, evidence, reads, search_index
from qinglian.web.cases import new_case_folder
from qinglian.web.chain import chain_data, chain_picture
from qinglian.web.db import CREATE_ROLES, REVEAL_ROLES, REVIEW_ROLES, Membership
from qinglian.web.deps import DB, CaseAccess, CurrentUser, Refused, audit, check_csrf, member_cases, settings
from qinglian.web.jobs import Jobs
from qinglian.web.registry_seen import seen_elsewhere
from qinglian.web.render import fragment, lang_of, page

router = APIRouter()
_SHA = re.compile(r"[0-9a-f]{64}")
# A drawn image, never a document of this site: no script in it can run, and it cannot be framed.
_IMAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
DECISIONS = {"confirm": "confirmed", "reject": "rejected", "more": "needs_more"}
STATUS_EN = {"proposed": "proposed", "confirmed": "confirmed", "rejected": "rejected", "needs_more": "needs more"}


@router.get("/")
def home() -> Response:
    return RedirectResponse("/cases", status_code=303)


@router.get("/cases")
def cases(request: Request, user: CurrentUser, s: DB) -> Response:
    return page(request, "cases.html", cases=member_cases(s, user, settings(request).cases_dir),
                can_create=user.role in CREATE_ROLES)


def _may_create(user: CurrentUser) -> None:
    if user.role not in CREATE_ROLES:
        raise Refused(403, "只有管理员和案件负责人可以新建案件", "only admins and case leads can create cases")


@router.get("/cases/new")
def new_case_form(request: Request, user: CurrentUser) -> Response:
    _may_create(user)
    return page(request, "new_case.html")


@router.post("/cases/new", dependencies=[Depends(check_csrf)])
def new_case(request: Request, user: CurrentUser, s: DB, name: Annotated[str, Form(max_length=200)],
             agency: Annotated[str, Form(max_length=200)] = "") -> Response:
    _may_create(user)
    if not name.strip():
        raise Refused(400, "案件名称不能为空", "a case needs a name")
    case = init_case(new_case_folder(settings(request).cases_dir), name.strip(), agency.strip() or None, user=user.name)
    case_id = str(case.meta().get("id") or case.root.name)
    s.add(Membership(user_id=user.id, case_id=case_id, role="case_lead"))  # the creator leads it
    s.commit()
    audit(s, request, user, case_id, "case.create", name.strip())
    return RedirectResponse(f"/cases/{quote(case_id)}", status_code=303)


@router.get("/cases/{case_id}")
def overview(request: Request, acc: CaseAccess, s: DB) -> Response:
    audit(s, request, acc.user, acc.info.case_id, "overview")
    kept = _overviews.get(acc.info.case, "overview", lambda: _overview_of(acc.info.case))
    lang = lang_of(request)
    table = kept.tables.get(lang)
    if table is None:  # a case ranks hundreds of parties: their table is rendered once, not per view
        table = kept.tables[lang] = fragment("_parties.html", lang, ov=kept.ov, case_id=acc.info.case_id)
    return page(request, "overview.html", acc=acc, ov=kept.ov, chain_caption=kept.caption, parties_table=table)


@dataclass
class _Overview:
    ov: reads.Overview
    caption: str
    tables: dict[str, Markup] = field(default_factory=dict)  # the parties table per language


# The overview's totals, parties and chain caption, kept per state of the store (the same for every member).
_overviews: reads.StoreCache[_Overview] = reads.StoreCache(16)


def _overview_of(case: Case) -> _Overview:
    with reads.connect(case) as con:
        return _Overview(reads.overview(case, con), chain_picture(case, con)[1])


@router.get("/cases/{case_id}/chain.svg")
def chain_svg(request: Request, acc: CaseAccess, s: DB) -> Response:
    svg, _ = chain_picture(acc.info.case)
    if not svg:
        raise Refused(404, "尚无链条", "no chain yet")
    audit(s, request, acc.user, acc.info.case_id, "chain")
    return Response(svg, media_type="image/svg+xml", headers={"Content-Security-Policy": _IMAGE_CSP})


@router.get("/cases/{case_id}/chain.json")
def chain_json(request: Request, acc: CaseAccess, s: DB) -> Response:
    data = chain_data(acc.info.case, acc.info.case_id)
    audit(s, request, acc.user, acc.info.case_id, "chain", "graph")
    return JSONResponse(data)


@router.get("/cases/{case_id}/charts/{name}.svg")
def chart_svg(request: Request, acc: CaseAccess, s: DB, name: str) -> Response:
    svg = charts.chart(acc.info.case, name, lang_of(request)) if name in charts.CHARTS else ""
    if not svg:
        raise Refused(404, "没有可绘制的图表", "no such chart, or nothing to draw yet")
    audit(s, request, acc.user, acc.info.case_id, "chart", name)
    return Response(svg, media_type="image/svg+xml", headers={"Content-Security-Policy": _IMAGE_CSP})


@router.get("/cases/{case_id}/party")
def party(request: Request, acc: CaseAccess, s: DB, holder: Annotated[str, Query(max_length=512)]) -> Response:
    data = reads.party_page(acc.info.case, holder)
    if data is None:
        raise Refused(404, "该案件中没有这个当事人", "no such party in this case")
    audit(s, request, acc.user, acc.info.case_id, "party", holder)
    return page(request, "party.html", acc=acc, holder=holder, data=data,
                can_review=acc.role in REVIEW_ROLES, status_zh=STATUS_ZH, status_en=STATUS_EN,
                seen=seen_elsewhere(s, acc.user, settings(request).cases_dir, acc.info.case_id, holder))


@router.post("/cases/{case_id}/charges/{charge_id}/review", dependencies=[Depends(check_csrf)])
def review(request: Request, acc: CaseAccess, s: DB, charge_id: str, decision: Annotated[str, Form()],
           reason: Annotated[str, Form(max_length=2000)], holder: Annotated[str, Form(max_length=512)]) -> Response:
    if acc.role not in REVIEW_ROLES:
        audit(s, request, acc.user, acc.info.case_id, "review", charge_id, outcome="denied")
        raise Refused(403, "您在该案件中的角色不能复核指控", "your role on this case cannot review charges")
    status = DECISIONS.get(decision)
    if status is None:
        raise Refused(400, "未知的复核结论", "unknown review decision")
    # The same call as `qinglian review`: the decision lands in charge_reviews and the custody log.
    review_charge(acc.info.case, charge_id, status, reason, user=acc.user.name)
    audit(s, request, acc.user, acc.info.case_id, "review", f"{charge_id} {status}")
    return RedirectResponse(f"/cases/{quote(acc.info.case_id)}/party?holder={quote(holder)}#{quote(charge_id)}",
                            status_code=303)


@router.get("/cases/{case_id}/evidence")
def evidence_files(request: Request, acc: CaseAccess, s: DB) -> Response:
    audit(s, request, acc.user, acc.info.case_id, "evidence")
    return page(request, "evidence_files.html", acc=acc, files=evidence.files(acc.info.case))


@router.get("/cases/{case_id}/evidence/{sha256}")
def evidence_file(request: Request, acc: CaseAccess, s: DB, sha256: str) -> Response:
    found, sheets = evidence.sheets(acc.info.case, sha256) if _SHA.fullmatch(sha256) else (None, [])
    if found is None:
        raise Refused(404, "该案件中没有这个证据文件", "no such evidence file in this case")
    audit(s, request, acc.user, acc.info.case_id, "evidence.file", sha256)
    return page(request, "evidence_file.html", acc=acc, file=found, sheets=sheets)


def _no_pi_probe(request: Request, acc: CaseAccess, s: DB, action: str, q: str) -> None:
    """Searches match the unmasked text: a role that may not reveal PI may not look a number, an ID
    or an address up either (whether it is in the case is itself what masking hides)."""
    if q and acc.role not in REVEAL_ROLES and mask_text(q) != q:
        audit(s, request, acc.user, acc.info.case_id, action, mask_text(q), outcome="denied")
        raise Refused(403, "您在该案件中的角色不能按号码、证件号或地址检索", "your role on this case cannot search "
                      "by a number, an ID or an address")


def _filters(request: Request, acc: CaseAccess, s: DB, action: str, q: str, who: str, number: str, since: str,
             until: str, finding: str) -> evidence.Filters:
    """The rows page's filters, read and checked: the text ones as a search is; a number filter, which
    looks in nothing but numbers and IDs, is refused outright to a role that may not reveal PI."""
    _no_pi_probe(request, acc, s, action, q)
    _no_pi_probe(request, acc, s, action, who)
    if number.strip() and acc.role not in REVEAL_ROLES:
        audit(s, request, acc.user, acc.info.case_id, action, "number=" + "*" * len(number.strip()), outcome="denied")
        raise Refused(403, "您在该案件中的角色不能按号码、证件号或地址检索", "your role on this case cannot search "
                      "by a number, an ID or an address")
    try:
        return evidence.Filters.parse(q, who, number, since, until, finding)
    except evidence.BadFilter as exc:
        raise Refused(400, "筛选条件无法识别（日期请写作 2025-07-20）",
                      "a filter could not be read (write dates as 2025-07-20)") from exc


_Text = Annotated[str, Query(max_length=200)]
_Short = Annotated[str, Query(max_length=32)]


@router.get("/cases/{case_id}/sheets/{sheet_id}")
def sheet_rows(request: Request, acc: CaseAccess, s: DB, sheet_id: int,
               after: Annotated[int, Query(ge=0)] = 0, q: _Text = "", who: _Text = "", number: _Short = "",
               since: _Short = "", until: _Short = "", finding: _Short = "") -> Response:
    f = _filters(request, acc, s, "evidence.rows", q, who, number, since, until, finding)
    got = evidence.rows_page(acc.info.case, sheet_id, after, page=evidence.PAGE, filters=f)
    if got is None:
        raise Refused(404, "该案件中没有这个工作表", "no such sheet in this case")
    audit(s, request, acc.user, acc.info.case_id, "evidence.rows",
          f"{sheet_id} after {after}" + (f" {f.masked()}" if f.query() else ""))
    fragment = request.headers.get("hx-request") == "true" and after > 0
    return page(request, "_rows.html" if fragment else "sheet.html", acc=acc, pg=got, after=after,
                can_reveal=acc.role in REVEAL_ROLES, revealed=False, **_filter_ctx(got))


def _filter_ctx(pg: evidence.Page) -> dict[str, Any]:
    """What the sheet page needs to draw the filters: the current ones as URL parameters, and which
    filters this kind of record has fields for."""
    kind = str(pg.sheet["kind"])
    return {"f": pg.filters, "fq": urlencode(pg.filters.query()), "time_field": evidence.TIME_FIELD.get(kind),
            "party_fields": evidence.PARTY_FIELDS.get(kind, ()), "number_fields": evidence.number_fields(kind),
            "text_fields": TEXT_FIELDS.get(kind, ())}


_FText = Annotated[str, Form(max_length=200)]
_FShort = Annotated[str, Form(max_length=32)]


@router.post("/cases/{case_id}/sheets/{sheet_id}/reveal", dependencies=[Depends(check_csrf)])
def reveal(request: Request, acc: CaseAccess, s: DB, sheet_id: int, reason: Annotated[str, Form(max_length=500)] = "",
           after: Annotated[int, Form(ge=0)] = 0, q: _FText = "", who: _FText = "", number: _FShort = "",
           since: _FShort = "", until: _FShort = "", finding: _FShort = "") -> Response:
    if acc.role not in REVEAL_ROLES:
        audit(s, request, acc.user, acc.info.case_id, "reveal", str(sheet_id), outcome="denied")
        raise Refused(403, "您在该案件中的角色不能显示完整个人信息", "your role on this case cannot reveal personal information")
    f = _filters(request, acc, s, "reveal", q, who, number, since, until, finding)
    got = evidence.reveal_rows(acc.info.case, sheet_id, after, acc.user.name, reason, f)
    if got is None:
        raise Refused(404, "该案件中没有这个工作表", "no such sheet in this case")
    audit(s, request, acc.user, acc.info.case_id, "reveal",
          f"{sheet_id} after {after}" + (f" {f.masked()}" if f.query() else ""))
    return page(request, "sheet.html", acc=acc, pg=got, after=after, can_reveal=False, revealed=True,
                **_filter_ctx(got))


@router.get("/cases/{case_id}/sheets/{sheet_id}/rows/{row_no}")
def sheet_row(request: Request, acc: CaseAccess, s: DB, sheet_id: int, row_no: int) -> Response:
    got = evidence.row(acc.info.case, sheet_id, row_no)
    if got is None:
        raise Refused(404, "该工作表中没有这一行", "no such row in this sheet")
    audit(s, request, acc.user, acc.info.case_id, "evidence.row", f"{sheet_id} row {row_no}")
    return page(request, "row.html", acc=acc, rv=got, can_reveal=acc.role in REVEAL_ROLES, revealed=False)


@router.get("/cases/{case_id}/evidence/{sha256}/rows/{row_no}")
def evidence_row(request: Request, acc: CaseAccess, sha256: str, row_no: int,
                 sheet: Annotated[str | None, Query(max_length=512)] = None,
                 kind: Annotated[str | None, Query(max_length=32)] = None) -> Response:
    """A row cited by file, sheet and row number (a charge's evidence, a search hit): its row view."""
    sheet_id = evidence.sheet_of(acc.info.case, sha256, sheet, kind) if _SHA.fullmatch(sha256) else None
    if sheet_id is None:
        raise Refused(404, "该案件中没有这个工作表", "no such sheet in this case")
    return RedirectResponse(f"/cases/{quote(acc.info.case_id)}/sheets/{sheet_id}/rows/{row_no}", status_code=303)


@router.post("/cases/{case_id}/sheets/{sheet_id}/rows/{row_no}/reveal", dependencies=[Depends(check_csrf)])
def reveal_row(request: Request, acc: CaseAccess, s: DB, sheet_id: int, row_no: int,
               reason: Annotated[str, Form(max_length=500)] = "") -> Response:
    if acc.role not in REVEAL_ROLES:
        audit(s, request, acc.user, acc.info.case_id, "reveal", f"{sheet_id} row {row_no}", outcome="denied")
        raise Refused(403, "您在该案件中的角色不能显示完整个人信息", "your role on this case cannot reveal personal information")
    got = evidence.reveal_row(acc.info.case, sheet_id, row_no, acc.user.name, reason)
    if got is None:
        raise Refused(404, "该工作表中没有这一行", "no such row in this sheet")
    audit(s, request, acc.user, acc.info.case_id, "reveal", f"{sheet_id} row {row_no}")
    return page(request, "row.html", acc=acc, rv=got, can_reveal=False, revealed=True)


@router.get("/cases/{case_id}/search")
def search(request: Request, acc: CaseAccess, s: DB, q: Annotated[str, Query(max_length=200)] = "") -> Response:
    _no_pi_probe(request, acc, s, "search", q)
    jobs: Jobs = request.app.state.jobs
    index = search_index.index_path(jobs.search_root, acc.info.case_id)
    hits, more, how = evidence.search_page(acc.info.case, q, index=index, submit=jobs.pool.submit) if q.strip() \
        else ([], False, "")
    if q.strip():
        audit(s, request, acc.user, acc.info.case_id, "search", mask_text(q))  # the log holds no PI
    fragment = request.headers.get("hx-request") == "true"
    return page(request, "_results.html" if fragment else "search.html", acc=acc, q=q, hits=hits, more=more,
                how=how)
