from __future__ import annotations

import json
from pathlib import Path

import pytest

from qinglian.cli import run

from .conftest import HUAXIN


def test_link_then_targets_json(hand_case: Path, agency_key_env: bytes, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["--lang", "en", "link", str(hand_case)]) == 0
    out = capsys.readouterr().out
    assert "1 overlapping pairs (exact)" in out
    assert run(["targets", str(hand_case), "--top", "2", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [d["holder"] for d in data][:1] == [HUAXIN]
    assert len(data) == 2
    assert data[0]["score"] >= data[1]["score"]
    assert {"reason_zh", "reason_en", "evidence"} <= set(data[0]["reasons"][0])


def test_targets_before_link_says_what_to_do(case_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["--lang", "en", "targets", str(case_dir)]) == 2
    assert "run qinglian link CASE first" in capsys.readouterr().err


def test_targets_text_lists_reasons(hand_case: Path, agency_key_env: bytes, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["link", str(hand_case)]) == 0
    capsys.readouterr()
    assert run(["--lang", "en", "targets", str(hand_case), "--phase", "before", "--top", "1"]) == 0
    out = capsys.readouterr().out
    assert f"1. {HUAXIN}" in out and "complaints lead to the holder" in out
