from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from qinglian.cli import run
from qinglian.detect.behaviour.config import load_thresholds
from qinglian.detect.behaviour.score import score_callers
from qinglian.errors import QinglianError

ROBOT = {
    "number": "+8617000000001",
    "calls": 2400,
    "distinct_callees": 2100,
    "outgoing_share": 0.99,
    "mean_duration_s": 9.0,
    "median_duration_s": 0.0,
    "handsets": 8,
    "active_days": 2,
}
COURIER = {
    "number": "+8618600000001",
    "calls": 700,
    "distinct_callees": 560,
    "outgoing_share": 0.72,
    "mean_duration_s": 28.0,
    "median_duration_s": 25.0,
    "handsets": 1,
    "active_days": 6,
}
SERVICE = {
    "number": "+8640000000001",
    "calls": 1500,
    "distinct_callees": 1400,
    "outgoing_share": 0.2,
    "mean_duration_s": 150.0,
    "median_duration_s": 120.0,
    "handsets": 20,
    "active_days": 6,
}


def _score(rows: list[dict]) -> pd.DataFrame:  # type: ignore[type-arg]
    return score_callers(pd.DataFrame(rows)).to_pandas().set_index("number")


def test_flag_names_at_least_three_features_with_thresholds() -> None:
    out = _score([ROBOT, COURIER, SERVICE])
    robot = out.loc[ROBOT["number"]]
    assert bool(robot["flag"]) and robot["score"] >= 0.75
    reasons = robot["reasons"].split("; ")
    assert len(reasons) >= 3
    assert "calls_per_callee=1.14 ≤ 1.3" in reasons and "outgoing_share=0.99 ≥ 0.9" in reasons
    # heavy legitimate callers: a courier (many callees, short calls, but call-backs and one
    # handset) and a customer-service line (mostly incoming, long calls) are not flagged
    assert not out.loc[COURIER["number"], "flag"]
    assert not out.loc[SERVICE["number"], "flag"]


def test_missing_features_score_from_what_exists() -> None:
    few = {"number": "+1", "distinct_callees": 3000, "calls_per_callee": 1.0, "outgoing_share": 1.0}
    two = {"number": "+2", "distinct_callees": 3000, "calls_per_callee": 1.0}
    out = _score([few, two])
    assert bool(out.loc["+1", "flag"]) and out.loc["+1", "score"] == 1.0
    assert not out.loc["+2", "flag"]  # two features are too few to flag anyone
    assert "insufficient features" in out.loc["+2", "reasons"]


def test_volume_is_required_for_a_flag() -> None:
    quiet = dict(ROBOT, calls=30, distinct_callees=29, active_days=3)
    assert not _score([quiet]).loc[ROBOT["number"], "flag"]


def test_thresholds_file_rejects_unknown_keys(tmp_path: Path) -> None:
    good = (Path(__file__).resolve().parents[3] / "qinglian" / "data" / "thresholds.yaml").read_text("utf-8")
    bad = tmp_path / "t.yaml"
    bad.write_text(good.replace("flag_score:", "flag_scor:"), encoding="utf-8")
    with pytest.raises(QinglianError, match="flag_scor"):
        load_thresholds(bad)
    swapped = tmp_path / "s.yaml"
    swapped.write_text(good.replace("threshold: 1.3", "threshold: 3.5"), encoding="utf-8")
    with pytest.raises(QinglianError, match="threshold < normal"):
        load_thresholds(swapped)


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
def test_score_callers_cli_rejects_bad_csv(tmp_path: Path, capsys, text: str, row: int, what: str) -> None:  # type: ignore[no-untyped-def]
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


SLOW_DIALER = {  # one seat working a small list: moderate volume, otherwise a dialer on every count
    "number": "+8617000000002",
    "calls": 420,
    "distinct_callees": 350,
    "outgoing_share": 0.93,
    "mean_duration_s": 15.0,
    "median_duration_s": 0.0,
    "handsets": 4,
    "active_days": 7,
}
BUSY_PERSON = {  # short calls, never called back, but a person's volume: below the gate
    "number": "+8613800000001",
    "calls": 150,
    "distinct_callees": 140,
    "outgoing_share": 1.0,
    "mean_duration_s": 8.0,
    "median_duration_s": 0.0,
    "handsets": 4,
    "active_days": 7,
}


def test_volume_gate_below_threshold_flags_a_slow_dialer_not_a_person_or_courier() -> None:
    out = _score([SLOW_DIALER, BUSY_PERSON, COURIER])
    slow = out.loc[SLOW_DIALER["number"]]
    assert bool(slow["flag"])  # 50 distinct callees a day: past the gate (40), below the threshold
    assert "distinct_callees_per_day" not in slow["reasons"]  # the gate is not a hit
    assert not out.loc[BUSY_PERSON["number"], "flag"]  # 20 a day: under the gate
    assert out.loc[COURIER["number"], "score"] < 0.7  # well clear of flag_score


def test_gate_only_for_volume_features(tmp_path: Path) -> None:
    text = Path(load_thresholds.__code__.co_filename).parent.parent.parent / "data" / "thresholds.yaml"
    bad = text.read_text(encoding="utf-8").replace("    weight: 1.5\n", "    weight: 1.5\n    gate: 2.0\n", 1)
    path = tmp_path / "th.yaml"
    path.write_text(bad, encoding="utf-8")
    with pytest.raises(QinglianError):
        load_thresholds(path)
