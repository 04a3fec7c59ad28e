"""The demo generator: reproducible, complete manifest, clearly synthetic."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from qinglian.demo import Manifest, generate
from qinglian.store.schema import KINDS

from .helpers import SMALL


def _digest(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_same_seed_gives_identical_files(demo: Manifest, tmp_path: Path) -> None:
    again = generate(tmp_path / "again", seed=7, scale=SMALL)
    assert _digest(again.out_dir) == _digest(demo.out_dir)


def test_other_seed_gives_other_case(demo: Manifest, tmp_path: Path) -> None:
    other = generate(tmp_path / "other", seed=8, scale=SMALL)
    a = json.loads(demo.ground_truth_path.read_text(encoding="utf-8"))
    b = json.loads(other.ground_truth_path.read_text(encoding="utf-8"))
    assert a["violating_holders"] != b["violating_holders"]
    assert _digest(demo.files_dir) != _digest(other.files_dir)


def test_manifest_lists_every_file_once_with_holder_and_kind(demo: Manifest) -> None:
    on_disk = sorted(p.name for p in demo.files_dir.iterdir())
    listed = sorted(e.name for e in demo.entries)
    assert listed == on_disk
    for e in demo.entries:
        assert e.kind in KINDS
        assert e.holder
        assert e.rows > 0
    assert Manifest.load(demo.out_dir).entries == demo.entries
    kinds = {e.kind for e in demo.entries}
    assert kinds == set(KINDS)


def test_files_in_real_export_shapes(demo: Manifest) -> None:
    fmts = {(e.fmt, e.encoding) for e in demo.entries}
    assert ("csv", "gbk") in fmts
    assert ("csv", "utf-8") in fmts
    assert ("csv", "utf-8-sig") in fmts
    assert any(f == "xlsx" for f, _ in fmts)
    zips = [e for e in demo.entries if e.fmt == "zip"]
    assert zips and all(len(e.members) >= 2 for e in zips)


def test_synthetic_labels_are_visible(demo: Manifest) -> None:
    truth = json.loads(demo.ground_truth_path.read_text(encoding="utf-8"))
    assert "演示" in truth["city"]
    assert all(name.startswith("演示市") for name in truth["violating_holders"] + truth["compliant_holders"])
    assert "示例" in truth["vendor"]["name"]
    assert "合成" in (demo.out_dir / "README.txt").read_text(encoding="utf-8")


def test_scale_must_be_positive(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        generate(tmp_path / "x", scale=0)
