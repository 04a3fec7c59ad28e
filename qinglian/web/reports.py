"""The case file: the reports in CASE/reports/ to download, and a report job that writes them with
the CLI's ``build_report``: masked, or with PI revealed for a case lead who gives a reason (``build_report``
writes the reveal to the custody log before any file); every download of a revealed file is logged too."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from qinglian.report.run import ReportOptions, build_report
from qinglian.store.case import Case
from qinglian.web.jobs import record, run_guarded

WEB_FORMATS: tuple[str, ...] = ("html", "xlsx", "pdf", "ftm")


def list_reports(case: Case) -> list[dict[str, Any]]:
    """The finished files of CASE/reports/ (no folders, no hidden or partial files), newest first."""
    folder = case.reports_dir
    if not folder.is_dir():
        return []
    out = []
    for p in folder.iterdir():
        if p.name.startswith(".") or not p.is_file() or p.is_symlink() or p.name.endswith((".tmp", ".part")):
            continue
        st = p.stat()
        out.append({"name": p.name, "size": st.st_size, "modified": datetime.fromtimestamp(st.st_mtime),
                    "revealed": "-revealed" in p.name})
    return sorted(out, key=lambda r: (r["modified"], r["name"]), reverse=True)


def report_file(case: Case, name: str) -> tuple[Path, bool] | None:
    """The file of that name if the listing has it (a name is looked up, never joined as a path),
    and whether it holds revealed PI."""
    for r in list_reports(case):
        if r["name"] == name:
            return case.reports_dir / r["name"], bool(r["revealed"])
    return None


def log_revealed_download(case: Case, name: str, user: str) -> None:
    """A revealed file is about to leave the server: the custody log names who took it, before it is sent."""
    case.log("web.report.download", {"file": name, "revealed": True}, user=user, tables=())


def run_report(sessions: sessionmaker[Session], job_id: str, case_root: Path, user: str,
               formats: tuple[str, ...], reason: str | None = None) -> None:
    """Build the case file; with ``reason``, revealed (``build_report`` logs the reveal first)."""
    steps: dict[str, str] = {}
    errors: list[list[str]] = []

    def save(status: str, finished: bool = False) -> None:
        record(sessions, job_id, status, sum(1 for v in steps.values() if v == "done"),
               {"steps": [{"step": k, "state": v} for k, v in steps.items()], "errors": errors}, finished)

    def progress(step: str, done: int, total: int) -> None:
        # Each call starts a part: the parts before it are done.
        for k in steps:
            steps[k] = "done"
        steps.setdefault(step, "running")
        save("running")

    def body() -> None:
        build_report(case_root, ReportOptions(formats=formats, user=user, reveal=reason is not None, reason=reason),
                     progress)
        for k in steps:
            steps[k] = "done"

    run_guarded(save, errors, body)
