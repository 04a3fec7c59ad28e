"""The PI inventory's result: per holder, distinct subjects by category, tiers crossed, files."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from qinglian.detect.pi.thresholds import PIThresholds
from qinglian.privacy import MASKERS


@dataclass(frozen=True)
class TierMark:
    """One threshold of 第五条: subjects of the holder in that tier, crossed (情节严重) or 10×."""

    threshold: int
    subjects: int
    crossed: bool
    especially_serious: bool


@dataclass
class FileCounts:
    evidence_sha256: str
    file_name: str | None
    subjects: int
    categories: dict[str, int] = field(default_factory=dict)


@dataclass
class HolderInventory:
    holder: str
    subjects: int = 0
    categories: dict[str, int] = field(default_factory=dict)
    unattributed: dict[str, int] = field(default_factory=dict)  # hits with no phone/ID to count
    tiers: list[TierMark] = field(default_factory=list)
    combined: float = 0.0  # 第五条第一款（六）: Σ subjects at their most serious tier / threshold
    combined_crossed: bool = False
    combined_especially_serious: bool = False
    files: list[FileCounts] = field(default_factory=list)
    samples: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # category -> (mask, raw)

    @property
    def crossed(self) -> list[int]:
        return [m.threshold for m in self.tiers if m.crossed]

    @property
    def especially_serious(self) -> list[int]:
        return [m.threshold for m in self.tiers if m.especially_serious]

    def sample_values(self, category: str, reveal: bool = False) -> list[str]:
        """Sample values of a category, masked unless ``reveal``."""
        shown = [v if reveal else MASKERS[m](v) for m, v in self.samples.get(category, [])]
        return list(dict.fromkeys(shown))


@dataclass
class Inventory:
    holders: list[HolderInventory]
    thresholds: PIThresholds

    def holder(self, name: str) -> HolderInventory:
        return next(h for h in self.holders if h.holder == name)

    def to_dict(self, reveal: bool = False) -> dict[str, Any]:
        """Machine-readable form; sample values masked unless ``reveal``."""
        th = self.thresholds
        return {
            "source": th.source.zh,
            "unit": "distinct data subjects (ID number or phone number)",
            "revealed": reveal,
            "tiers": [{"threshold": x.threshold, "clause": x.clause, "zh": x.zh, "en": x.en} for x in th.tiers],
            "especially_serious_multiplier": th.especially_serious_multiplier,
            "holders": [
                {
                    "holder": h.holder,
                    "subjects": h.subjects,
                    "categories": {
                        cat: {
                            "subjects": n,
                            "tier": th.tier_of(cat),
                            "zh": th.categories[cat].zh,
                            "en": th.categories[cat].en,
                            "unattributed_hits": h.unattributed.get(cat, 0),
                            "samples": h.sample_values(cat, reveal),
                        }
                        for cat, n in sorted(h.categories.items(), key=lambda kv: (th.tier_of(kv[0]), kv[0]))
                    },
                    "thresholds": [
                        {
                            "threshold": m.threshold,
                            "subjects": m.subjects,
                            "crossed": m.crossed,
                            "especially_serious": m.especially_serious,
                        }
                        for m in h.tiers
                    ],
                    "combined": {
                        "ratio": round(h.combined, 4),
                        "crossed": h.combined_crossed,
                        "especially_serious": h.combined_especially_serious,
                    },
                    "files": [
                        {
                            "evidence_sha256": f.evidence_sha256,
                            "file_name": f.file_name,
                            "subjects": f.subjects,
                            "categories": dict(sorted(f.categories.items())),
                        }
                        for f in h.files
                    ],
                }
                for h in self.holders
            ],
        }
