"""Background work on a case: evidence upload (intake), analysis, reports; the job pages; report downloads."""

from __future__ import annotations

import json
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import FileResponse, RedirectResponse, Response
from sqlalchemy import select

from qinglian.ingest.api import IngestOptions
from qinglian.store.schema import KINDS
from qinglian.web import reports
from qinglian.web.analysis import STEPS, run_analysis
from qinglian.web.db import INTAKE_ROLES, REVEAL_REPORT_ROLES, Job
from qinglian.web.deps import DB, CaseAccess, Refused, audit, check_csrf, settings
from qinglian.web.intake import UploadRefused, run_intake, stage
from qinglian.web.jobs import Jobs
from qinglian.web.render import page

router = APIRouter()


def _may_upload(acc: CaseAccess) -> None:
    if acc.role not in INTAKE_ROLES:
        raise Refused(403, "您在该案件中的角色不能上传证据", "your role on this case cannot upload evidence")


@router.get("/cases/{case_id}/upload")
def upload_form(request: Request, acc: CaseAccess, s: DB) -> Response:
    _may_upload(acc)
    jobs = list(s.scalars(select(Job).where(Job.case_id == acc.info.case_id).order_by(Job.created_at.desc()).limit(20)))
    return page(request, "upload.html", acc=acc, kinds=("auto", *KINDS), jobs=jobs,
                limit_mb=settings(request).upload_limit // (1 << 20))


@router.post("/cases/{case_id}/upload", dependencies=[Depends(check_csrf)])
def upload(request: Request, acc: CaseAccess, s: DB, holder: Annotated[str, Form(max_length=200)],
           files: Annotated[list[UploadFile], File()], site: Annotated[str, Form(max_length=200)] = "",
           kind: Annotated[str, Form()] = "auto") -> Response:
    _may_upload(acc)
    if not holder.strip():
        raise Refused(400, "必须填写证据查获自哪个单位", "name the company or site the evidence was seized from")
    if kind != "auto" and kind not in KINDS:
        raise Refused(400, "未知的记录类型", "unknown record kind")
    jobs: Jobs = request.app.state.jobs
    job_id = jobs.new_id()
    staging = jobs.staging(job_id)
    try:
        paths = stage(staging, [(f.filename or "upload", f.file) for f in files], settings(request).upload_limit)
    except UploadRefused as exc:
        raise Refused(413, exc.zh, exc.en) from exc
    opts = IngestOptions(holder=holder.strip(), site=site.strip() or None, kind=kind, user=acc.user.name)
    jobs.start(job_id, acc.info.case_id, acc.user.name, "ingest", len(paths),
               {"holder": opts.holder, "site": opts.site, "kind": opts.kind},
               run_intake, acc.info.root, paths, opts, staging)
    audit(s, request, acc.user, acc.info.case_id, "upload", f"{job_id} {len(paths)} files")
    return RedirectResponse(f"/cases/{quote(acc.info.case_id)}/jobs/{job_id}", status_code=303)


@router.post("/cases/{case_id}/analyze", dependencies=[Depends(check_csrf)])
def analyze(request: Request, acc: CaseAccess, s: DB) -> Response:
    if acc.role not in INTAKE_ROLES:
        raise Refused(403, "您在该案件中的角色不能运行分析", "your role on this case cannot run the analysis")
    jobs: Jobs = request.app.state.jobs
    job_id = jobs.new_id()
    jobs.start(job_id, acc.info.case_id, acc.user.name, "analyze", len(STEPS), {}, run_analysis, acc.info.root,
               acc.user.name)
    audit(s, request, acc.user, acc.info.case_id, "analyze", job_id)
    return RedirectResponse(f"/cases/{quote(acc.info.case_id)}/jobs/{job_id}", status_code=303)


@router.get("/cases/{case_id}/jobs/{job_id}")
def job(request: Request, acc: CaseAccess, s: DB, job_id: str) -> Response:
    found = s.get(Job, job_id[:32])
    if found is None or found.case_id != acc.info.case_id:
        raise Refused(404, "该案件中没有这个任务", "no such job in this case")
    results: Any = json.loads(found.results or "[]")
    if found.kind != "ingest" and not isinstance(results, dict):  # queued: nothing recorded yet
        results = {"steps": [], "errors": []}
    fragment = request.headers.get("hx-request") == "true"
    return page(request, "_job.html" if fragment else "job.html", acc=acc, job=found, results=results,
                params=json.loads(found.params or "{}"))


@router.get("/cases/{case_id}/reports")
def reports_page(request: Request, acc: CaseAccess, s: DB) -> Response:
    audit(s, request, acc.user, acc.info.case_id, "reports")
    return page(request, "reports.html", acc=acc, files=reports.list_reports(acc.info.case),
                formats=reports.WEB_FORMATS, can_build=acc.role in INTAKE_ROLES,
                can_reveal=acc.role in REVEAL_REPORT_ROLES)


def _formats(formats: list[str]) -> tuple[str, ...]:
    chosen = tuple(f for f in reports.WEB_FORMATS if f in formats)
    if not chosen:
        raise Refused(400, "请选择报告格式", "choose a report format")
    return chosen


@router.post("/cases/{case_id}/reports", dependencies=[Depends(check_csrf)])
def build(request: Request, acc: CaseAccess, s: DB, formats: Annotated[list[str], Form()]) -> Response:
    if acc.role not in INTAKE_ROLES:
        raise Refused(403, "您在该案件中的角色不能生成报告", "your role on this case cannot build reports")
    chosen = _formats(formats)
    jobs: Jobs = request.app.state.jobs
    job_id = jobs.new_id()
    jobs.start(job_id, acc.info.case_id, acc.user.name, "report", len(chosen) + 1, {"formats": list(chosen)},
               reports.run_report, acc.info.root, acc.user.name, chosen)
    audit(s, request, acc.user, acc.info.case_id, "report", ",".join(chosen))
    return RedirectResponse(f"/cases/{quote(acc.info.case_id)}/jobs/{job_id}", status_code=303)


@router.post("/cases/{case_id}/reports/reveal", dependencies=[Depends(check_csrf)])
def build_revealed(request: Request, acc: CaseAccess, s: DB, formats: Annotated[list[str], Form()],
                   reason: Annotated[str, Form(max_length=500)] = "") -> Response:
    if acc.role not in REVEAL_REPORT_ROLES:
        audit(s, request, acc.user, acc.info.case_id, "report.reveal", "", outcome="denied")
        raise Refused(403, "只有案件负责人可以生成含完整个人信息的报告",
                      "only the case's leads can build a report with personal information revealed")
    if len(reason.strip()) < 2:
        raise Refused(400, "生成含完整个人信息的报告须说明理由（写入保管日志）",
                      "a report with personal information revealed needs a reason (it goes to the custody log)")
    chosen = _formats(formats)
    jobs: Jobs = request.app.state.jobs
    job_id = jobs.new_id()
    # The reason is the custody log's (build_report writes it there first), not the job page's.
    jobs.start(job_id, acc.info.case_id, acc.user.name, "report", len(chosen) + 1,
               {"formats": list(chosen), "reveal": True}, reports.run_report, acc.info.root, acc.user.name, chosen,
               reason.strip())
    audit(s, request, acc.user, acc.info.case_id, "report.reveal", ",".join(chosen))
    return RedirectResponse(f"/cases/{quote(acc.info.case_id)}/jobs/{job_id}", status_code=303)


@router.get("/cases/{case_id}/reports/{name}")
def download(request: Request, acc: CaseAccess, s: DB, name: str) -> Response:
    found = reports.report_file(acc.info.case, name)
    if found is None:
        raise Refused(404, "该案件中没有这个报告文件", "no such report in this case")
    path, revealed = found
    if revealed and acc.role not in REVEAL_REPORT_ROLES:
        audit(s, request, acc.user, acc.info.case_id, "download", name, outcome="denied")
        raise Refused(403, "该报告含完整个人信息，只有案件负责人可以下载",
                      "this report holds revealed PI; only the case's leads can download it")
    if revealed:
        # Before a byte is sent: a busy case refuses the download rather than let it go unlogged.
        reports.log_revealed_download(acc.info.case, name, acc.user.name)
    audit(s, request, acc.user, acc.info.case_id, "download.revealed" if revealed else "download", name)
    # Always an attachment: a report is never rendered as a page of this site.
    return FileResponse(path, filename=path.name, content_disposition_type="attachment",
                        media_type="application/octet-stream")
