"""run_demo and `qinglian demo`: folder handling, ingest of every manifest file, later stages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from qinglian.cli import run
from qinglian.demo import run_demo
from qinglian.demo.run import Step, prepare_out_dir
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


def _boom(fn: Any, case: Any, user: str | None) -> Any:
    raise RuntimeError("stage failed")


@pytest.mark.slow
def test_run_demo_ingests_every_file_and_reports_missing_stages(tmp_path: Path) -> None:
    calls: list[str] = []

    def record(fn: Any, case: Any, user: str | None) -> Any:
        calls.append(fn.__name__)
        return "done"

    steps = (
        Step("missing", "qinglian.no_such_stage", "run", record),
        Step("present", "qinglian.store.case", "open_case", record),
    )
    result = run_demo(tmp_path / "d", seed=7, scale=SMALL, user="tester", steps=steps)
    assert result.ingested_files == len(result.manifest.entries)
    assert [(s.name, s.status) for s in result.steps] == [("missing", "not run"), ("present", "ran")]
    assert calls == ["open_case"]
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
    assert "missing" in text and str(result.manifest.ground_truth_path) in text

    # a stage that exists but fails is not hidden
    steps_fail = (Step("broken", "qinglian.store.case", "open_case", _boom),)
    with pytest.raises(RuntimeError):
        run_demo(tmp_path / "d", seed=7, scale=SMALL, force=True, steps=steps_fail)
