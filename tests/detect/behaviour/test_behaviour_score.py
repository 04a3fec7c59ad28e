from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from qinglian.cli import run
from qinglian.detect.behaviour.config import load_thresholds
from qinglian.detect.behaviour.score import score_callers
from qinglian.errors import QinglianError

ROBOT: dict[str, Any] = {
    "number": "+8617000000001",
    "calls": 2400,
    "distinct_callees": 2100,
    "outgoing_share": 0.99,
    "mean_duration_s": 9.0,
    "median_duration_s": 0.0,
    "handsets": 8,
    "active_days": 2,
}
COURIER: dict[str, Any] = {
    "number": "+8618600000001",
    "calls": 700,
    "distinct_callees": 560,
    "outgoing_share": 0.72,
    "mean_duration_s": 28.0,
    "median_duration_s": 25.0,
    "handsets": 1,
    "active_days": 6,
}
SERVICE: dict[str, Any] = {
    "number": "+8640000000001",
    "calls": 1500,
    "distinct_callees": 1400,
    "outgoing_share": 0.2,
    "mean_duration_s": 150.0,
    "median_duration_s": 120.0,
    "handsets": 20,
    "active_days": 6,
}


def _score(rows: list[dict[str, Any]]) -> pd.DataFrame:
    return score_callers(pd.DataFrame(rows)).to_pandas().set_index("number")


# a month of an ordinary subscriber: the file then spans four weeks, so lifetime counts
PERSON: dict[str, Any] = {
    "number": "+8613800000009",
    "calls": 90,
    "distinct_callees": 25,
    "outgoing_share": 0.52,
    "mean_duration_s": 140.0,
    "median_duration_s": 60.0,
    "handsets": 1,
    "active_days": 28,
    "sms_sent": 12,
}
SCAM: dict[str, Any] = {  # modest volume, far below any dialer: 15 people a day for 5 days, nobody calls back
    "number": "+8617100000001",
    "calls": 80,
    "distinct_callees": 75,
    "outgoing_share": 0.97,
    "mean_duration_s": 38.0,
    "median_duration_s": 12.0,
    "handsets": 1,
    "active_days": 5,
}
SLOW: dict[str, Any] = {  # a telemarketing SIM: 50 new numbers a day, working hours, unanswered or cut calls
    "number": "+8617000000002",
    "calls": 1100,
    "distinct_callees": 1000,
    "outgoing_share": 0.95,
    "mean_duration_s": 14.0,
    "median_duration_s": 0.0,
    "handsets": 1,
    "active_days": 20,
    "active_hours": 9,
}
BLASTER: dict[str, Any] = {"number": "+8617000000003", "calls": 2, "distinct_callees": 2, "active_days": 2, "sms_sent": 1400}


def _reasons(out: pd.DataFrame, number: str) -> list[str]:
    return str(out.loc[number, "reasons"]).split("; ")


def test_ai_dialer_is_flagged_and_named_with_features_values_and_anchors() -> None:
    out = _score([ROBOT, COURIER, SERVICE, PERSON])
    robot = out.loc[ROBOT["number"]]
    assert bool(robot["flag"]) and robot["score"] > 0.9
    reasons = _reasons(out, ROBOT["number"])
    assert reasons[0] == "pattern=ai_dialer"
    # each feature with its value, the anchor where it stops looking ordinary, and its points
    assert "outgoing_share=0.99 ≥ 0.85 (+2.2)" in reasons
    assert "calls_per_callee=1.14 ≤ 2 (+1.3)" in reasons
    assert "median_duration_s=0 ≤ 30 (+1.2)" in reasons
    assert sum(r.endswith(")") for r in reasons) >= 3


def test_lawful_heavy_callers_are_not_flagged() -> None:
    out = _score([ROBOT, COURIER, SERVICE, PERSON])
    # a courier: 90 people a day, short calls, but called back by a quarter of them
    assert not out.loc[COURIER["number"], "flag"]
    assert "outgoing_share=0.72 < 0.85 (-1.1)" in _reasons(out, COURIER["number"])
    # a service line: mostly receives, long calls, many seats (handsets) behind one number
    assert not out.loc[SERVICE["number"], "flag"] and out.loc[SERVICE["number"], "score"] < 0.4
    assert not out.loc[PERSON["number"], "flag"]


def test_a_courier_whose_calls_are_answered_is_not_flagged() -> None:
    # measured from call records: 50 new people a day, ~30 s calls, called back by only a sixth
    # of them; volume, repetition and duration look like a slow dialer, but 84 % of the calls are
    # answered, as calls from a contact are and spam calls are not
    courier: dict[str, Any] = {"number": "+8618600000124", "calls": 354, "distinct_callees": 332, "outgoing_share": 0.827,
               "mean_duration_s": 31.1, "median_duration_s": 25.0, "handsets": 2, "active_days": 7,
               "short_share": 0.2}
    robot = dict(ROBOT, short_share=0.7)
    unmeasured = _score([courier, robot])
    assert bool(unmeasured.loc[courier["number"], "flag"])  # without the answer rate it looks harmful
    out = _score([dict(courier, answer_rate=0.84), dict(robot, answer_rate=0.3)])
    assert not out.loc[courier["number"], "flag"] and out.loc[courier["number"], "score"] < 0.4
    assert "answer_rate=0.84 > 0.5 (-0.9)" in _reasons(out, courier["number"])
    # a low answer rate adds nothing of its own: the duration family already counts it
    assert out.loc[robot["number"], "score"] == unmeasured.loc[robot["number"], "score"]
    assert not any(r.startswith("answer_rate") for r in _reasons(out, robot["number"]))


def test_scam_and_slow_dialer_lines_of_modest_volume_are_flagged_by_pattern() -> None:
    out = _score([SCAM, SLOW, PERSON])
    assert bool(out.loc[SCAM["number"], "flag"]) and _reasons(out, SCAM["number"])[0] == "pattern=scam_line"
    assert "active_days=5 ≤ 14 (+0.6)" in _reasons(out, SCAM["number"])
    assert bool(out.loc[SLOW["number"], "flag"]) and _reasons(out, SLOW["number"])[0] == "pattern=slow_dialer"


def test_lifetime_counts_only_in_a_file_that_spans_four_weeks() -> None:
    week = _score([SCAM, dict(PERSON, active_days=6)])
    assert not any(r.startswith("active_days") for r in _reasons(week, SCAM["number"]))
    month = _score([SCAM, PERSON])
    assert month.loc[SCAM["number"], "score"] > week.loc[SCAM["number"], "score"]


def test_volume_alone_never_flags() -> None:
    # a call centre line reaching 800 people a day, called back and talking minutes
    busy = dict(PERSON, number="+8640000000009", calls=24000, distinct_callees=20000, active_days=25)
    only_volume = {"number": "+8640000000010", "calls": 50000, "distinct_callees": 48000, "active_days": 20}
    out = _score([busy, only_volume, PERSON])
    assert not out["flag"].any()
    assert "distinct_callees_per_day=800 ≥ 10 (+1.5)" in _reasons(out, busy["number"])
    assert out.loc[only_volume["number"], "score"] < 0.5


def test_sms_blaster_is_flagged_and_few_calls_count_little() -> None:
    # three calls, all outgoing to new people: a share over three calls says little
    light = {"number": "+8613900000001", "calls": 3, "distinct_callees": 3, "outgoing_share": 1.0,
             "mean_duration_s": 20.0, "median_duration_s": 15.0, "active_days": 2}
    out = _score([BLASTER, light, PERSON])
    assert bool(out.loc[BLASTER["number"], "flag"]) and _reasons(out, BLASTER["number"])[0] == "pattern=sms_blaster"
    assert not out.loc[light["number"], "flag"] and out.loc[light["number"], "score"] < 0.2


def test_missing_features_add_nothing() -> None:
    full = _score([SCAM, PERSON])
    no_handsets = _score([{k: v for k, v in SCAM.items() if k != "handsets"}, PERSON])
    assert no_handsets.loc[SCAM["number"], "score"] == full.loc[SCAM["number"], "score"]  # handsets=1 adds 0
    without_share = _score([{k: v for k, v in SCAM.items() if k != "outgoing_share"}, PERSON])
    assert without_share.loc[SCAM["number"], "score"] < full.loc[SCAM["number"], "score"]
    two = {"number": "+2", "distinct_callees": 3000, "calls_per_callee": 1.0}
    out = _score([two])
    assert not out.loc["+2", "flag"] and "insufficient features (2 < 3)" in out.loc["+2", "reasons"]


def test_thresholds_file_is_checked(tmp_path: Path) -> None:
    good = (Path(__file__).resolve().parents[3] / "qinglian" / "data" / "thresholds.yaml").read_text("utf-8")
    cases = [
        (good.replace("flag_points:", "flag_pointz:"), "flag_pointz"),
        (good.replace("[[1.0, 1.6], [1.3, 1.0]", "[[1.0, 0.6], [1.3, 1.0]"), "never rise"),
        (good.replace('"sms_per_day >= 100"', '"sms_today >= 100"'), "sms_today"),
        (good.replace('"sms_per_day >= 100"', '"sms_per_day about 100"'), "is not"),
    ]
    for i, (text, what) in enumerate(cases):
        assert text != good
        path = tmp_path / f"t{i}.yaml"
        path.write_text(text, encoding="utf-8")
        with pytest.raises(QinglianError, match=what):
            load_thresholds(path)


def test_score_callers_cli(tmp_path: Path) -> None:
    src = tmp_path / "features.csv"
    pd.DataFrame([ROBOT, COURIER]).to_csv(src, index=False)
    dest = tmp_path / "scores.csv"
    assert run(["score-callers", str(src), "--out", str(dest)]) == 0
    got = pd.read_csv(dest)
    assert list(got.columns) == ["number", "score", "flag", "reasons"]
    assert got["flag"].tolist() == [True, False]


@pytest.mark.parametrize(
    ("text", "row", "what"),
    [("num,calls\n+1,3\n", 1, "number"), ("number,calls\n+1,3\n+2,lots\n", 3, "calls")],
)
def test_score_callers_cli_rejects_bad_csv(tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, row: int, what: str) -> None:
    src = tmp_path / "bad.csv"
    src.write_text(text, encoding="utf-8")
    assert run(["--lang", "en", "score-callers", str(src)]) == 2
    message = capsys.readouterr().err
    assert str(src) in message and f"row {row}" in message and what in message


def test_behaviour_cli_on_csv(tmp_path: Path) -> None:
    src = tmp_path / "cdr.csv"
    lines = ["主叫号码,被叫号码,开始时间,通话时长"]
    lines += [
        f"+8617000000001,+86139{i:08d},2025-07-20 09:{i // 60:02d}:{i % 60:02d},{i % 7}" for i in range(600)
    ]
    lines += [
        "+8613800000002,+8613800000009,2025-07-20T01:00:00Z,120",
        "+8613800000002,,2025-07-20 10:00:00,30",
    ]
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    dest = tmp_path / "m.csv"
    assert run(["behaviour", "--calls", str(src), "--engine", "duckdb", "--out", str(dest)]) == 0
    got = pd.read_csv(dest, dtype={"number": str}).set_index("number")
    assert got.loc["+8617000000001", "calls"] == 600
    assert got.loc["+8613800000002", "calls"] == 2 and got.loc["+8613800000002", "distinct_callees"] == 1
    notes = pd.read_csv(Path(str(dest) + ".notes.csv")).set_index("problem")["count"]
    assert notes["missing_callee"] == 1 and notes["foreign_offset"] == 1
