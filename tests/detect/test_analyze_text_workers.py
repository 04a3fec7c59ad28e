"""The text stage gives the same findings whether helper processes classify part of the texts or not."""

from __future__ import annotations

from pathlib import Path

import pytest

from qinglian.detect import analyze_text as stage
from qinglian.store.case import init_case, open_case
from tests.report.conftest import populate


def _findings(root: Path, workers: int) -> list[tuple[object, ...]]:
    case = open_case(root)
    with case.connect() as con:
        result = stage.analyze_text(case, con, workers=workers)
        assert result.findings > 0
        return sorted(con.execute(
            "SELECT label, score, rule, law, kind, field, evidence_sha256, sheet, row_no, span_start, span_end, "
            "quote, detail FROM findings WHERE analysis = 'text'").fetchall(), key=repr)


def test_helper_processes_find_what_one_process_finds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "case"
    init_case(root, "测试案件", "测试局", user="tester")
    populate(root)
    one = _findings(root, workers=1)
    # chunks of two texts, every field shared with a helper process
    monkeypatch.setattr(stage, "BATCH", 2)
    monkeypatch.setattr(stage, "PARALLEL_TEXTS", 1)
    two = _findings(root, workers=2)
    assert two == one
    assert len({r[6] for r in one}) >= 2  # findings over several files, not one text
