"""The analysis job: every stage after intake (``pipeline.run_case``: detect, link, targets,
charges), the same calls as the CLI, with each step's progress recorded on the job."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from qinglian.link.keys import DEMO_KEY, demo_key
from qinglian.pipeline import DETECT_STAGES, run_case
from qinglian.store.case import open_case
from qinglian.web.jobs import record, run_guarded

STEPS: tuple[str, ...] = (*DETECT_STAGES, "link", "targets", "charges")


def run_analysis(sessions: sessionmaker[Session], job_id: str, case_root: Path, user: str) -> None:
    state: dict[str, str] = {}
    errors: list[list[str]] = []

    def save(status: str, finished: bool = False) -> None:
        steps = [{"step": name, "state": state.get(name, "waiting")} for name in STEPS]
        record(sessions, job_id, status, sum(1 for v in state.values() if v == "done"),
               {"steps": steps, "errors": errors}, finished)

    def progress(step: str, done: int, total: int | None) -> None:
        new = "done" if total and done >= total else "running"
        if state.get(step) != new:
            state[step] = new
            save("running")

    def body() -> None:
        case = open_case(case_root)
        # A demo case carries its own agency key; a real one uses the agency's, as the CLI does.
        key = demo_key(case) if (case.root / DEMO_KEY).exists() else None
        run_case(case, user=user, key=key, progress=progress)

    run_guarded(save, errors, body)
