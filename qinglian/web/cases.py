"""The cases the server can show: the case folders directly under the cases folder.

A case is addressed by the id in its case.toml (the folder name for a case without one); a URL's
id is only ever looked up in this table, never joined to a path.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from qinglian.store.case import Case


@dataclass(frozen=True)
class CaseInfo:
    case_id: str
    name: str
    agency: str
    root: Path

    @property
    def case(self) -> Case:
        return Case(self.root)


def find_cases(cases_dir: Path) -> dict[str, CaseInfo]:
    """Every case folder under ``cases_dir`` by id (dot folders, such as the app's own, skipped)."""
    found: dict[str, CaseInfo] = {}
    if not cases_dir.is_dir():
        return found
    for p in sorted(cases_dir.iterdir()):
        toml = p / "case.toml"
        if p.name.startswith(".") or not p.is_dir() or not toml.is_file():
            continue
        try:
            with toml.open("rb") as fh:
                meta = tomllib.load(fh)
        except (OSError, tomllib.TOMLDecodeError):
            continue
        case_id = str(meta.get("id") or p.name)
        found.setdefault(case_id, CaseInfo(case_id, str(meta.get("name") or p.name), str(meta.get("agency") or ""), p))
    return found


def new_case_folder(cases_dir: Path) -> Path:
    """A fresh folder name for a case created in the browser (the case's name lives in case.toml,
    so no typed text ever becomes a path)."""
    import uuid

    return cases_dir / f"case-{uuid.uuid4().hex[:12]}"
