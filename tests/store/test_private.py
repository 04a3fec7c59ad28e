"""Case folders are private (folders 0700, files 0600, evidence read-only 0400), and a refused
file leaves nothing behind, empty folders included."""

from __future__ import annotations

import io
import stat
import zipfile
from pathlib import Path

from tests.helpers import cli


def _tree(root: Path) -> set[str]:
    return {str(p.relative_to(root)) + ("/" if p.is_dir() else "") for p in root.rglob("*")}


def test_case_folder_is_private(tmp_path: Path) -> None:
    root = tmp_path / "case"
    assert cli("case", "init", root, "--name", "案") == 0
    f = tmp_path / "c.csv"
    f.write_text("姓名,手机号\n张三,13812345678\n")
    assert cli("ingest", root, f, "--holder", "甲") == 0
    assert stat.S_IMODE(root.stat().st_mode) == 0o700
    for p in root.rglob("*"):
        mode = stat.S_IMODE(p.stat().st_mode)
        if p.is_dir():
            assert mode == 0o700, (p, oct(mode))
        elif p.parent.parent.name == "evidence":
            assert mode == 0o400, (p, oct(mode))
        else:
            assert mode & 0o077 == 0, (p, oct(mode))
    for name in ("case.toml", "case.duckdb", "custody.jsonl", ".lock"):
        assert stat.S_IMODE((root / name).stat().st_mode) == 0o600, name


def test_refused_files_leave_nothing_behind(case_dir: Path, tmp_path: Path) -> None:
    good = tmp_path / "good.csv"
    good.write_text("姓名,手机号\n张三,13812345678\n")
    bad = tmp_path / "bad.csv"
    bad.write_text("完全无关,另一列\nx,y\n")
    before = _tree(case_dir)
    assert cli("ingest", case_dir, good, bad, "--holder", "甲") == 2
    assert _tree(case_dir) == before
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("a.csv", "姓名,手机号\n李四,13912345678\n")
        z.writestr("b.csv", "完全无关,另一列\nx,y\n")
    zpath = tmp_path / "seized.zip"
    zpath.write_bytes(buf.getvalue())
    assert cli("ingest", case_dir, zpath, "--holder", "甲") == 2
    assert _tree(case_dir) == before
