"""The demo's manifest: every evidence file with the holder and site it was seized from and
its record kind, so a pipeline can ingest file by file."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class ManifestEntry:
    name: str  # file name inside files/ (unique)
    holder: str
    site: str | None
    kind: str
    rows: int  # data rows (for a ZIP: over all members)
    fmt: str  # csv | xlsx | zip
    encoding: str | None = None
    first_row_no: int = 2  # spreadsheet row of the first data row (header on row 3 → 4)
    members: tuple[str, ...] = ()


@dataclass
class Manifest:
    out_dir: Path
    entries: list[ManifestEntry] = field(default_factory=list)

    @property
    def files_dir(self) -> Path:
        return self.out_dir / "files"

    @property
    def ground_truth_path(self) -> Path:
        return self.out_dir / "ground_truth.json"

    def path(self, entry: ManifestEntry) -> Path:
        return self.files_dir / entry.name

    def by_name(self, name: str) -> ManifestEntry:
        for e in self.entries:
            if e.name == name:
                return e
        raise KeyError(name)

    def to_json(self) -> dict[str, Any]:
        return {"files": [asdict(e) for e in self.entries]}

    def write(self) -> Path:
        path = self.out_dir / "manifest.json"
        path.write_text(json.dumps(self.to_json(), ensure_ascii=False, indent=1), encoding="utf-8")
        return path

    @classmethod
    def load(cls, out_dir: Path) -> Manifest:
        data = json.loads((out_dir / "manifest.json").read_text(encoding="utf-8"))
        entries = [ManifestEntry(**{**e, "members": tuple(e["members"])}) for e in data["files"]]
        return cls(out_dir, entries)
