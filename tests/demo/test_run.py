"""run_demo and `qinglian demo`: folder handling, ingest of every manifest file, then the pipeline."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from qinglian import pipeline
from qinglian.cli import run
from qinglian.demo import run_demo
from qinglian.demo.run import prepare_out_dir
from qinglian.errors import QinglianError
from qinglian.store.schema import KINDS
from qinglian.store.sqlident import quote_ident

from .helpers import SMALL


def test_existing_folder_is_kept_without_force(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("keep me", encoding="utf-8")
    with pytest.raises(QinglianError) as err:
        prepare_out_dir(tmp_path, force=False)
    assert "--force" in (err.value.hint_zh or "")
    assert (tmp_path / "notes.txt").exists()


def test_force_never_deletes_a_folder_that_is_not_a_demo(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("keep me", encoding="utf-8")
    with pytest.raises(QinglianError):
        prepare_out_dir(tmp_path, force=True)
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "keep me"


def test_force_replaces_an_old_demo(tmp_path: Path) -> None:
    (tmp_path / "ground_truth.json").write_text("{}", encoding="utf-8")
    (tmp_path / "files").mkdir()
    prepare_out_dir(tmp_path, force=True)
    assert not tmp_path.exists() or not any(tmp_path.iterdir())


def test_cli_refuses_a_non_demo_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "notes.txt").write_text("keep me", encoding="utf-8")
    code = run(["demo", str(tmp_path), "--scale", "0.05", "--force"])
    assert code == 2
    assert "ground_truth.json" in capsys.readouterr().err
    assert (tmp_path / "notes.txt").exists()


@pytest.mark.slow
def test_run_demo_ingests_every_file_then_runs_the_pipeline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[dict[str, Any]] = []

    def run_case(case: Any, **kw: Any) -> Any:
        calls.append(kw)
        return SimpleNamespace(seconds={"text": 1.0, "total": 2.0}, reports=[])

    monkeypatch.setattr(pipeline, "run_case", run_case)
    result = run_demo(tmp_path / "d", seed=7, scale=SMALL, user="tester", report=False)
    assert result.ingested_files == len(result.manifest.entries)
    assert len(calls) == 1 and calls[0]["report_options"] is None and calls[0]["user"] == "tester"
    with result.case_dir.joinpath("case.toml").open(encoding="utf-8") as fh:
        assert "演示" in fh.read()
    from qinglian.store.case import open_case

    with open_case(result.case_dir).connect(read_only=True) as con:
        for kind in KINDS:
            (count,) = con.execute(f"SELECT count(*) FROM {quote_ident(kind)}").fetchone() or (0,)
            expected = sum(e.rows for e in result.manifest.entries if e.kind == kind)
            assert count == expected, kind
        holders = {r[0] for r in con.execute("SELECT DISTINCT holder FROM calls").fetchall()}
    assert holders <= {e.holder for e in result.manifest.entries}
    text = "\n".join(result.lines())
    assert "text" in text and str(result.manifest.ground_truth_path) in text


@pytest.mark.slow
def test_a_failing_stage_is_not_hidden(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*args: Any, **kw: Any) -> Any:
        raise RuntimeError("stage failed")

    monkeypatch.setattr(pipeline, "analyze_text", boom)
    with pytest.raises(RuntimeError, match="stage failed"):
        run_demo(tmp_path / "d", seed=7, scale=SMALL, force=True, report=False)
