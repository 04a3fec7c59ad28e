"""The analysis job: every stage after intake (``pipeline.run_case``: detect, link, targets,
charges), the same calls as the CLI, with each step's progress recorded on the job."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from qinglian.errors import QinglianError
from qinglian.link.keys import DEMO_KEY, demo_key
from qinglian.pipeline import DETECT_STAGES, run_case
from qinglian.store.case import open_case
from qinglian.web.db import Job, now
from qinglian.web.jobs import internal_error

STEPS: tuple[str, ...] = (*DETECT_STAGES, "link", "targets", "charges")


def run_analysis(sessions: sessionmaker[Session], job_id: str, case_root: Path, user: str) -> None:
    state: dict[str, str] = {}
    errors: list[list[str]] = []

    def save(status: str, finished: bool = False) -> None:
        with sessions() as s:
            job = s.get(Job, job_id)
            if job is None:
                return
            steps = [{"step": name, "state": state.get(name, "waiting")} for name in STEPS]
            job.status, job.done = status, sum(1 for v in state.values() if v == "done")
            job.results = json.dumps({"steps": steps, "errors": errors}, ensure_ascii=False)
            if finished:
                job.finished_at = now()
            s.commit()

    def progress(step: str, done: int, total: int | None) -> None:
        new = "done" if total and done >= total else "running"
        if state.get(step) != new:
            state[step] = new
            save("running")

    try:
        save("running")
        case = open_case(case_root)
        # A demo case carries its own agency key; a real one uses the agency's, as the CLI does.
        key = demo_key(case) if (case.root / DEMO_KEY).exists() else None
        run_case(case, user=user, key=key, progress=progress)
        save("done", finished=True)
    except QinglianError as exc:
        errors.append([exc.render("zh"), exc.render("en")])
        save("failed", finished=True)
    except Exception as exc:  # noqa: BLE001 - a job must end in a state the page can show
        errors.append(internal_error(exc))
        save("failed", finished=True)
