"""State shared by the demo's generators: the seeded random sources, the cast, the
consumer pool, the manifest being written and the ground truth being recorded."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
from faker import Faker

from qinglian.demo.exports import Written
from qinglian.demo.ids import PhoneAllocator
from qinglian.demo.manifest import Manifest, ManifestEntry
from qinglian.demo.people import Pool
from qinglian.demo.world import World

T = TypeVar("T")

INSPECTION_DAY = np.datetime64("2025-07-22")


@dataclass
class Ctx:
    rng: np.random.Generator
    fake: Faker
    scale: float
    manifest: Manifest
    phones: PhoneAllocator
    world: World
    pool: Pool
    truth: dict[str, Any] = field(default_factory=dict)
    # filled by the generators, read by later ones
    lists: list[dict[str, Any]] = field(default_factory=list)  # customer lists: file, holder, source, idx
    sms_labels: list[tuple[str, int, str]] = field(default_factory=list)
    answered: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)  # holder → answered calls
    labels: dict[str, set[str]] = field(default_factory=dict)  # holder → content labels in its files
    called: list[np.ndarray] = field(default_factory=list)  # numbers the vendor's accounts called
    texted: list[np.ndarray] = field(default_factory=list)  # numbers the platform's accounts texted

    def label(self, holder: str, labels: tuple[str, ...] | set[str]) -> None:
        self.labels.setdefault(holder, set()).update(labels)

    @property
    def files(self) -> Path:
        return self.manifest.files_dir

    def n(self, base: float, minimum: int = 1) -> int:
        """A volume scaled by --scale, never below minimum."""
        return max(minimum, round(base * self.scale))

    def record(
        self,
        name: str,
        holder: str,
        site: str | None,
        kind: str,
        written: Written,
        members: tuple[str, ...] = (),
    ) -> ManifestEntry:
        entry = ManifestEntry(
            name=name,
            holder=holder,
            site=site,
            kind=kind,
            rows=written.rows,
            fmt=written.fmt,
            encoding=written.encoding,
            first_row_no=written.first_row_no,
            members=members,
        )
        self.manifest.entries.append(entry)
        return entry

    def pick(self, options: Sequence[T]) -> T:
        return options[int(self.rng.integers(len(options)))]
