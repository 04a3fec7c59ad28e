"""The seeded, clearly synthetic demo case (演示案件) modelled on the enforcement action in DESIGN.md."""

from __future__ import annotations

from qinglian.demo.generate import generate
from qinglian.demo.manifest import Manifest, ManifestEntry

__all__ = ["Manifest", "ManifestEntry", "generate"]
