"""``analyze`` is all or none: a stage that fails after the others wrote leaves every table and the
custody log exactly as they were, and its error reaches the caller."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pytest

from qinglian import pipeline
from qinglian.detect.behaviour.pipeline import BehaviourResult, analyze_behaviour
from qinglian.store import custody
from qinglian.store.case import Case, open_case
from qinglian.store.sqlident import quote_ident
from tests.report.conftest import build_full_case

# What each detect stage writes, as analyze runs them.
STAGE_TABLES = ("pi_inventory", "findings", "campaigns", "campaign_members", "campaign_daily",
                "behaviour_numbers", "analysis_runs")


def _tables(con: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    """Every table of the store with its rows (as text, sorted: row order is not content)."""
    names = [str(r[0]) for r in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' "
        "AND table_type = 'BASE TABLE' ORDER BY 1").fetchall()]
    return {n: sorted(repr(r) for r in con.execute(f"SELECT * FROM {quote_ident(n)}").fetchall()) for n in names}


def _state(case: Case) -> dict[str, Any]:
    with case.connect(read_only=True) as con:
        tables = _tables(con)
        head = case.head(con)
    return {"tables": tables, "head": head, "log": case.custody_path.read_bytes()}


@pytest.fixture()
def case(tmp_path: Path) -> Case:
    """Records and earlier results (hand-made, so a new run would change every stage's tables)."""
    return open_case(build_full_case(tmp_path / "case"))


def test_a_failing_stage_leaves_the_case_and_the_log_as_they_were(
    case: Case, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _state(case)
    seen: dict[str, list[str]] = {}

    def behaviour_then_fail(c: Any, con: duckdb.DuckDBPyConnection) -> BehaviourResult:
        analyze_behaviour(c, con)  # behaviour writes too, then fails
        seen.update(_tables(con))
        raise RuntimeError("behaviour failed on purpose")

    monkeypatch.setattr(pipeline, "analyze_behaviour", behaviour_then_fail)
    with pytest.raises(RuntimeError, match="on purpose"):
        pipeline.analyze(case, user="tester")
    # every stage had written inside the run before the failure...
    changed = [t for t in STAGE_TABLES if seen[t] != before["tables"][t]]
    assert changed == list(STAGE_TABLES)
    # ...and none of it is left, nor any custody entry
    after = _state(case)
    assert after["tables"] == before["tables"]
    assert after["head"] == before["head"]
    assert after["log"] == before["log"]


def test_a_stage_failing_early_leaves_the_case_as_it_was(case: Case, monkeypatch: pytest.MonkeyPatch) -> None:
    before = _state(case)

    def text_fails(c: Any, con: duckdb.DuckDBPyConnection) -> None:
        raise ValueError("text failed")

    monkeypatch.setattr(pipeline, "analyze_text", text_fails)
    with pytest.raises(ValueError, match="text failed"):
        pipeline.analyze(case)
    assert _state(case) == before  # pi_inventory had been rewritten: rolled back with the rest


def test_analyze_that_succeeds_writes_every_stage_and_one_entry(case: Case) -> None:
    before = _state(case)
    result = pipeline.analyze(case, user="tester")
    assert list(result.ran) == list(pipeline.DETECT_STAGES)
    after = _state(case)
    assert [t for t in STAGE_TABLES if after["tables"][t] == before["tables"][t]] == []
    entries = custody.read_entries(case.custody_path)
    assert entries[-1]["action"] == "analyze" and (entries[-1]["seq"], entries[-1]["hash"]) == after["head"]
    assert len(entries) == len(before["log"].splitlines()) + 1
