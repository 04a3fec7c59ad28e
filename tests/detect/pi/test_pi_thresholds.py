from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from qinglian.detect.pi.thresholds import load_pi_thresholds
from qinglian.errors import QinglianError

PACKAGED = Path(__file__).resolve().parents[3] / "qinglian" / "data" / "pi_thresholds.yaml"


def test_packaged_file_has_the_three_tiers() -> None:
    th = load_pi_thresholds()
    assert [x.threshold for x in th.tiers] == [50, 500, 5000]
    assert th.especially_serious_multiplier == 10
    assert th.tier_of("credit") == 50
    assert th.tier_of("property") == 50
    assert th.tier_of("comm_record") == 500
    assert {th.tier_of(c) for c in ("identity", "contact", "address", "employer")} == {5000}
    assert "法释〔2017〕10号" in th.source.zh


def _write(tmp_path: Path, data: dict[str, object]) -> Path:
    path = tmp_path / "pi.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_unknown_key_is_rejected(tmp_path: Path) -> None:
    data = yaml.safe_load(PACKAGED.read_text(encoding="utf-8"))
    data["categories"]["credit"]["teir"] = 50
    with pytest.raises(QinglianError) as err:
        load_pi_thresholds(_write(tmp_path, data))
    assert "teir" in err.value.render("en")


def test_category_with_unlisted_tier_is_rejected(tmp_path: Path) -> None:
    data = yaml.safe_load(PACKAGED.read_text(encoding="utf-8"))
    data["categories"]["credit"]["tier"] = 40
    with pytest.raises(QinglianError):
        load_pi_thresholds(_write(tmp_path, data))


def test_multiplier_must_exceed_one(tmp_path: Path) -> None:
    data = yaml.safe_load(PACKAGED.read_text(encoding="utf-8"))
    data["especially_serious_multiplier"] = 1
    with pytest.raises(QinglianError):
        load_pi_thresholds(_write(tmp_path, data))
