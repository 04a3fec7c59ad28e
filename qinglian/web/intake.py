"""Uploads and the intake job: files are staged outside the case folder, then each is ingested by
the CLI's own ``ingest_files`` (its own transaction, so one bad file does not undo the others) on
a background thread, with the job's progress and per-file results in the app database."""

from __future__ import annotations

import re
import shutil
import unicodedata
from collections.abc import Iterable
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy.orm import Session, sessionmaker

from qinglian.errors import QinglianError
from qinglian.ingest.api import FileOutcome, IngestOptions, ingest_files
from qinglian.store.case import open_case
from qinglian.web.jobs import internal_error, record

MAX_FILES = 50
CHUNK = 1 << 20
_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]")


class UploadRefused(Exception):
    def __init__(self, zh: str, en: str) -> None:
        super().__init__(en)
        self.zh, self.en = zh, en


def safe_name(name: str) -> str:
    """The file's own name only (no folders), without control or path characters; never empty,
    never a dot name, at most 150 characters (the suffix kept)."""
    base = unicodedata.normalize("NFC", name.replace("\\", "/").rsplit("/", 1)[-1])
    base = _UNSAFE.sub("_", base).strip(" .")
    if not base:
        base = "upload"
    if len(base) > 150:
        stem, dot, suffix = base.rpartition(".")
        base = (stem[: 140] + dot + suffix[-9:]) if dot and len(suffix) < 10 else base[:150]
    return base


def stage(root: Path, uploads: Iterable[tuple[str, BinaryIO]], limit: int) -> list[Path]:
    """Copy the uploads into ``root`` (one folder per file, so two files of one name stay apart),
    refusing more than ``MAX_FILES`` files or ``limit`` bytes in all; on refusal nothing stays."""
    root.mkdir(parents=True, mode=0o700)
    out: list[Path] = []
    used = 0
    try:
        for i, (name, fh) in enumerate(uploads):
            if i >= MAX_FILES:
                raise UploadRefused(f"一次最多上传 {MAX_FILES} 个文件", f"at most {MAX_FILES} files at once")
            folder = root / str(i)
            folder.mkdir(mode=0o700)
            target = folder / safe_name(name)
            with target.open("xb") as dst:
                while chunk := fh.read(CHUNK):
                    used += len(chunk)
                    if used > limit:
                        raise UploadRefused(f"上传总量超过上限 {limit // (1 << 20)} MB",
                                            f"the upload exceeds the limit of {limit // (1 << 20)} MB")
                    dst.write(chunk)
            out.append(target)
    except BaseException:
        shutil.rmtree(root, ignore_errors=True)
        raise
    if not out:
        shutil.rmtree(root, ignore_errors=True)
        raise UploadRefused("没有选择文件", "no files chosen")
    return out


def _outcome(f: FileOutcome) -> dict[str, Any]:
    return {"display": Path(f.display).name, "sha256": f.sha256, "status": f.status,
            "previous_holder": f.previous_holder, "encoding": f.encoding,
            "sheets": [{"sheet": s.sheet, "kind": s.kind, "rows": s.rows, "header_row": s.header_row,
                        "unparsed": {k: list(v) for k, v in s.unparsed.items()},
                        "warnings": [list(w) for w in s.warnings]} for s in f.sheets]}


def run_intake(sessions: sessionmaker[Session], job_id: str, case_root: Path, paths: list[Path],
               opts: IngestOptions, staging: Path) -> None:
    """Ingest each staged file in turn, recording its outcome (or its error, file/sheet/row and
    what to do, in both languages) on the job as it goes; the staging folder is removed at the end."""
    results: list[dict[str, Any]] = []

    def save(status: str, finished: bool = False) -> None:
        record(sessions, job_id, status, len(results), results, finished)

    try:
        save("running")
        case = open_case(case_root)
        for p in paths:
            item: dict[str, Any] = {"name": p.name}
            try:
                item["outcomes"] = [_outcome(f) for f in ingest_files(case, [p], opts).files]
            except QinglianError as exc:
                if exc.file:  # the staging folder is the server's business, not the user's
                    exc.file = exc.file.replace(str(p.parent) + "/", "")
                item["error"] = [exc.render("zh"), exc.render("en")]
            except Exception as exc:  # noqa: BLE001 - one file's failure is its own result
                item["error"] = internal_error(exc)
            results.append(item)
            save("running")
        save("done", finished=True)
    except QinglianError as exc:
        results.append({"name": "", "error": [exc.render("zh"), exc.render("en")]})
        save("failed", finished=True)
    except Exception as exc:  # noqa: BLE001 - a job must end in a state the page can show
        results.append({"name": "", "error": internal_error(exc)})
        save("failed", finished=True)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
