from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from qinglian.detect.behaviour import analyze_behaviour, run_behaviour
from qinglian.store.case import Case
from tests.helpers import insert


@pytest.fixture()
def analysed(behaviour_case: Case) -> Case:
    run_behaviour(behaviour_case, user="tester")
    return behaviour_case


def _rows(case: Case, sql: str) -> list[dict[str, Any]]:
    with case.connect(read_only=True) as con:
        cur = con.execute(sql)
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def test_number_measures_count_each_call_once_and_ignore_bad_durations(analysed: Case) -> None:
    robot = _rows(analysed, "SELECT * FROM behaviour_numbers WHERE number = '+8617000000001'")[0]
    # 30 list calls + negative-duration + end-before-start + after-complaint call; the duplicate
    # counts once and the row without a start is left out.
    assert robot["calls"] == 33
    # the row with no callee adds no callee; +8613900000003 is on the list already
    assert robot["distinct_callees"] == 31
    # durations: 30 list calls (10 zero, 20 of 5 s) and the 0 s call the next day; bad ones ignored
    assert robot["max_duration_s"] == 5.0
    assert robot["mean_duration_s"] == pytest.approx(100 / 31)
    assert robot["handsets"] == 4
    assert robot["calls_after_objection"] == 1
    assert robot["outgoing_share"] == 1.0
    person = _rows(analysed, "SELECT * FROM behaviour_numbers WHERE number = '+8613800000002'")[0]
    assert person["calls"] == 3 and person["calls_per_callee"] == 3.0
    assert person["handsets"] is None  # not exported: unknown, not zero
    assert person["flag"] is False


def test_bad_input_is_counted_in_notes(analysed: Case) -> None:
    notes = {r["problem"]: r["count"] for r in _rows(analysed, "SELECT * FROM behaviour_notes")}
    assert notes["duplicate_rows"] == 1
    assert notes["negative_duration"] == 1
    assert notes["end_before_start"] == 1
    assert notes["missing_callee"] == 1
    assert notes["missing_start"] == 1
    assert notes["rows_in"] == 38


def test_list_order_dialling_is_detected(analysed: Case) -> None:
    rows = _rows(analysed, "SELECT * FROM list_order")
    assert len(rows) == 1
    row = rows[0]
    assert row["account"] == "AI01" and row["sheet"] == "名单"
    assert row["list_rows"] == 30 and row["dialled"] == 30
    assert row["spearman"] == pytest.approx(1.0)
    assert row["longest_run_share"] == 1.0
    assert (row["run_first_row"], row["run_last_row"]) == (2, 31)


def test_intent_grades_per_grade(analysed: Case) -> None:
    rows = {r["grade"]: r for r in _rows(analysed, "SELECT * FROM intent_grades")}
    assert set(rows) == {"A", "C"}
    assert rows["A"]["consumers"] == 6 and rows["A"]["mean_turns"] == 3.0
    assert rows["C"]["consumers"] == 24


def test_sms_measures_per_account_and_signature(analysed: Case) -> None:
    rows = {r["level"]: r for r in _rows(analysed, "SELECT * FROM behaviour_sms")}
    acct = rows["account"]
    assert acct["key"] == "SMS9"
    assert acct["sends"] == 11  # the TD reply is not a send
    assert acct["sends_after_optout"] == 1
    assert acct["peak_day_sends"] == 10 and str(acct["peak_day"]) == "2025-07-20"
    assert acct["no_optout_share"] == pytest.approx(10 / 11)
    assert rows["signature"]["key"] == "【某某金融】"


def test_run_is_recorded(analysed: Case) -> None:
    runs = _rows(analysed, "SELECT * FROM analysis_runs WHERE analysis = 'behaviour'")
    assert len(runs) == 1 and json.loads(runs[0]["params"])["engine"] == "duckdb"
    log = analysed.custody_path.read_text(encoding="utf-8")
    assert "analyze.behaviour" in log
    # a second run replaces the tables and the run record instead of piling up
    run_behaviour(analysed)
    assert len(_rows(analysed, "SELECT * FROM analysis_runs WHERE analysis = 'behaviour'")) == 1
    assert len(_rows(analysed, "SELECT * FROM list_order")) == 1


def test_no_grade_column_is_said_not_invented(case_dir: Path) -> None:
    from qinglian.store.case import open_case

    case = open_case(case_dir)
    with case.connect() as con:
        insert(con, "calls", [{
            "holder": "乙", "evidence_sha256": "d" * 64, "row_no": 2, "caller": "+8617000000005",
            "callee": "+8613900000001", "started_at": datetime(2025, 7, 20, 10), "duration_s": 12,
        }])
        result = analyze_behaviour(case, con)
    assert result.intent.empty
    assert "no_intent_grade" in set(result.notes["problem"])


def test_list_order_found_for_csv_lists_without_sheet(behaviour_case: Case) -> None:
    """CSV customer lists have sheet NULL; they must not drop out of the list/call join."""
    with behaviour_case.connect() as con:
        con.execute("UPDATE record_sheets SET sheet = NULL WHERE kind = 'customers'")
    run_behaviour(behaviour_case, user="tester")
    rows = _rows(behaviour_case, "SELECT * FROM list_order")
    assert len(rows) == 1
    assert rows[0]["sheet"] is None and rows[0]["dialled"] == 30
    assert rows[0]["spearman"] == pytest.approx(1.0)
