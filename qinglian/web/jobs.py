"""Background jobs of the workspace (intake, analysis): one worker thread, so the jobs on a case
run one after another as the case has one writer; state and results in the app database."""

from __future__ import annotations

import json
import logging
import shutil
import traceback
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from qinglian.web.db import Job, now

log = logging.getLogger("qinglian.web")


class Jobs:
    def __init__(self, sessions: sessionmaker[Session], staging_root: Path) -> None:
        self.sessions = sessions
        self.staging_root = staging_root
        staging_root.mkdir(parents=True, exist_ok=True, mode=0o700)
        # Search indexes, one per case (``search_index``), built on the same worker.
        self.search_root = staging_root.parent / "search"
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="qinglian-web-job")
        self._recover()

    def _recover(self) -> None:
        """Jobs a stopped server left queued or running end as failed (their uploads are gone with
        the staging folder; the case itself is settled by its own lock and write-ahead log)."""
        for leftover in self.staging_root.iterdir():
            shutil.rmtree(leftover, ignore_errors=True)
        with self.sessions() as s:
            for job in s.scalars(select(Job).where(Job.status.in_(("queued", "running")))):
                job.status, job.finished_at = "failed", now()
                results = json.loads(job.results or "[]")
                note = ["服务器在任务完成前停止，请重新提交", "the server stopped before the job finished; start it again"]
                if isinstance(results, dict):
                    results.setdefault("errors", []).append(note)
                else:
                    results.append({"name": "", "error": note})
                job.results = json.dumps(results, ensure_ascii=False)
            s.commit()

    def new_id(self) -> str:
        return uuid.uuid4().hex

    def staging(self, job_id: str) -> Path:
        """Where a job's uploads wait: beside the cases, never inside one."""
        return self.staging_root / job_id

    def start(self, job_id: str, case_id: str, user: str, kind: str, total: int, params: dict[str, Any],
              fn: Callable[..., None], *args: Any) -> Future[None]:
        """Record the job as queued, then run ``fn(sessions, job_id, *args)`` on the worker."""
        with self.sessions() as s:
            s.add(Job(id=job_id, case_id=case_id, user_name=user, kind=kind, status="queued", total=total,
                      params=json.dumps(params, ensure_ascii=False)))
            s.commit()
        return self.pool.submit(fn, self.sessions, job_id, *args)

    def shutdown(self) -> None:
        self.pool.shutdown(wait=True)


def record(sessions: sessionmaker[Session], job_id: str, status: str, done: int, results: Any,
           finished: bool = False) -> None:
    """Write a job's state, the number of its parts finished and its results (JSON) for the page."""
    with sessions() as s:
        job = s.get(Job, job_id)
        if job is None:
            return
        job.status, job.done, job.results = status, done, json.dumps(results, ensure_ascii=False)
        if finished:
            job.finished_at = now()
        s.commit()


def run_guarded(save: Callable[[str, bool], None], errors: list[list[str]], body: Callable[[], None]) -> None:
    """Run a job's body between a running and a done state; any error ends it failed, recorded on it
    (a user's mistake in both languages, anything else by its type only)."""
    from qinglian.errors import QinglianError

    try:
        save("running", False)
        body()
        save("done", True)
    except QinglianError as exc:
        errors.append([exc.render("zh"), exc.render("en")])
        save("failed", True)
    except Exception as exc:  # noqa: BLE001 - a job must end in a state the page can show
        errors.append(internal_error(exc))
        save("failed", True)


def internal_error(exc: BaseException) -> list[str]:
    """What a job records for an unexpected error: its type only. The server's log gets where it
    happened (file, line, function) but not the message, which may quote seized data."""
    frames = traceback.extract_tb(exc.__traceback__)
    where = " <- ".join(f"{Path(f.filename).name}:{f.lineno} {f.name}" for f in reversed(frames[-8:]))
    log.error("job failed: %s at %s", type(exc).__name__, where)
    return ["内部错误：" + type(exc).__name__, "internal error: " + type(exc).__name__]
