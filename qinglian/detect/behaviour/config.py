"""Thresholds for behaviour analytics, read from qinglian/data/thresholds.yaml through a strict schema."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from qinglian.errors import QinglianError


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FeatureRule(_Strict):
    direction: Literal["high", "low"]
    normal: float
    threshold: float
    weight: float
    volume: bool = False
    # Volume features only: the level the feature must reach for a flag to be possible at all
    # (defaults to `threshold`). A gate below the threshold lets a line that is clearly a dialer
    # on every other count be flagged at moderate volume; it never flags on volume alone.
    gate: float | None = None

    @model_validator(mode="after")
    def _ordered(self) -> FeatureRule:
        if self.direction == "high" and not self.threshold > self.normal:
            raise ValueError("direction high needs threshold > normal")
        if self.direction == "low" and not self.threshold < self.normal:
            raise ValueError("direction low needs threshold < normal")
        if self.weight < 0:
            raise ValueError("weight must be >= 0")
        if self.gate is not None and not self.volume:
            raise ValueError("gate is only for volume features")
        if self.gate is not None and self.direction == "high" and not self.normal < self.gate <= self.threshold:
            raise ValueError("gate must lie above normal and at most at threshold")
        return self

    def gate_passed(self, value: float) -> bool:
        gate = self.threshold if self.gate is None else self.gate
        return value >= gate if self.direction == "high" else value <= gate

    def subscore(self, value: float) -> float:
        """0 at `normal`, 1 at or beyond `threshold`, linear in between."""
        frac = (value - self.normal) / (self.threshold - self.normal)
        return min(1.0, max(0.0, frac))

    def hit(self, value: float) -> bool:
        return value >= self.threshold if self.direction == "high" else value <= self.threshold


class MeasureSettings(_Strict):
    short_call_s: float
    max_duration_s: float
    session_gap_s: float
    day_start_hour: int
    day_end_hour: int
    list_order_min_rows: int


class Thresholds(_Strict):
    version: str
    flag_score: float
    min_hits: int
    min_features: int
    features: dict[str, FeatureRule]
    measures: MeasureSettings


def load_thresholds(path: Path | None = None) -> Thresholds:
    """Read and validate the thresholds file (the packaged one unless `path` is given)."""
    try:
        if path is None:
            text = resources.files("qinglian.data").joinpath("thresholds.yaml").read_text(encoding="utf-8")
            origin = "qinglian/data/thresholds.yaml"
        else:
            text = Path(path).read_text(encoding="utf-8")
            origin = str(path)
        return Thresholds.model_validate(yaml.safe_load(text))
    except (ValidationError, yaml.YAMLError) as exc:
        raise QinglianError(
            f"阈值配置文件有误：{exc}",
            f"the thresholds file is invalid: {exc}",
            file=origin,
            hint_zh="按 thresholds.yaml 中的注释修正键名和取值",
            hint_en="fix the keys and values as the comments in thresholds.yaml describe",
        ) from exc


@lru_cache(maxsize=1)
def default_thresholds() -> Thresholds:
    return load_thresholds()
