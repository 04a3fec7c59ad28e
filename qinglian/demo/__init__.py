"""The seeded, clearly synthetic demo case (演示案件) modelled on the enforcement action in DESIGN.md."""

from __future__ import annotations

from qinglian.demo.generate import generate
from qinglian.demo.manifest import Manifest, ManifestEntry
from qinglian.demo.run import DemoResult, run_demo

__all__ = ["DemoResult", "Manifest", "ManifestEntry", "generate", "run_demo"]
