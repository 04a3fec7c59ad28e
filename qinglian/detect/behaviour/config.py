"""Thresholds for behaviour analytics, read from qinglian/data/thresholds.yaml through a strict schema."""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources
from itertools import pairwise
from pathlib import Path
from typing import Literal

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from qinglian.errors import QinglianError

# The feature columns of the `score-callers` contract (DESIGN.md).
INPUT_FEATURES: tuple[str, ...] = (
    "calls",
    "distinct_callees",
    "outgoing_share",
    "calls_per_callee",
    "mean_duration_s",
    "median_duration_s",
    "handsets",
    "active_hours",
    "active_days",
    "sms_sent",
)

# Measures the behaviour pipeline adds to the contract's columns where it computed them from call
# records (a features file has no such columns; missing, they add nothing).
MEASURED_FEATURES: tuple[str, ...] = ("short_share", "answer_rate")

# Features a pattern may test: the contract's columns and the ratios score.py derives from them.
PATTERN_FEATURES = frozenset(
    {*INPUT_FEATURES, *MEASURED_FEATURES, "calls_per_day", "distinct_callees_per_day", "sms_per_day"}
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


_CONDITION = re.compile(r"^\s*([a-z_]+)\s*(>=|<=|>|<)\s*(-?[0-9]+(?:\.[0-9]+)?)\s*$")


class FeatureEvidence(_Strict):
    """Points (log-odds) one measured feature adds, read off published anchors.

    `anchors` are (value, points) pairs with rising values; points in between are interpolated
    (on log10 of the value when `log`), and beyond the ends stay at the end's points. A missing
    value adds nothing. `scaled` features are ratios or means over a number's calls: their points
    count in proportion to how many calls they rest on (see `full_weight_calls`).
    """

    family: str
    direction: Literal["high", "low"]
    anchors: list[tuple[float, float]]
    log: bool = False
    scaled: bool = False
    source: str

    @model_validator(mode="after")
    def _ordered(self) -> FeatureEvidence:
        xs = [x for x, _ in self.anchors]
        ps = [p for _, p in self.anchors]
        if len(xs) < 2 or any(b <= a for a, b in pairwise(xs)):
            raise ValueError("anchors need at least two values, in rising order")
        if self.log and xs[0] <= 0:
            raise ValueError("log anchors need values above 0")
        step = [b - a for a, b in pairwise(ps)]
        if self.direction == "high" and any(d < 0 for d in step):
            raise ValueError("direction high needs points that never fall as the value rises")
        if self.direction == "low" and any(d > 0 for d in step):
            raise ValueError("direction low needs points that never rise as the value rises")
        return self

    def points(self, values: np.ndarray) -> np.ndarray:
        """Points for each value (NaN where the value is missing)."""
        xs = np.array([x for x, _ in self.anchors], dtype="float64")
        ps = np.array([p for _, p in self.anchors], dtype="float64")
        v = np.asarray(values, dtype="float64")
        if self.log:
            with np.errstate(divide="ignore", invalid="ignore"):
                v = np.log10(np.maximum(v, xs[0]))
            xs = np.log10(xs)
        out = np.interp(v, xs, ps)
        return np.where(np.isnan(values), np.nan, out)

    @property
    def neutral(self) -> float:
        """The value where the points cross zero: the side of it that counts against a line."""
        pairs = list(self.anchors)
        for (x0, p0), (x1, p1) in pairwise(pairs):
            if p0 == 0:
                return x0
            if (p0 < 0) != (p1 < 0) and p1 != 0:
                if self.log:
                    t = -p0 / (p1 - p0)
                    return float(10 ** (np.log10(x0) + t * (np.log10(x1) - np.log10(x0))))
                return x0 + (x1 - x0) * (-p0 / (p1 - p0))
            if p1 == 0:
                return x1
        return pairs[0][0] if self.direction == "high" else pairs[-1][0]


class Condition(_Strict):
    feature: str
    op: Literal[">=", "<=", ">", "<"]
    value: float

    def holds(self, values: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore"):
            if self.op == ">=":
                return values >= self.value
            if self.op == "<=":
                return values <= self.value
            if self.op == ">":
                return values > self.value
            return values < self.value

    def text(self) -> str:
        op = {">=": "≥", "<=": "≤"}.get(self.op, self.op)
        return f"{self.feature}{op}{self.value:g}"


class Pattern(_Strict):
    """A named kind of harmful line: conditions that all hold where their feature is known."""

    zh: str
    en: str
    conditions: list[str]
    min_known: int
    source: str

    @model_validator(mode="after")
    def _parse(self) -> Pattern:
        for text in self.conditions:
            if not _CONDITION.match(text):
                raise ValueError(f"condition {text!r} is not 'feature >= number' (or <=, >, <)")
        if not 1 <= self.min_known <= len(self.conditions):
            raise ValueError("min_known must lie between 1 and the number of conditions")
        return self

    def parsed(self) -> list[Condition]:
        out: list[Condition] = []
        for text in self.conditions:
            m = _CONDITION.match(text)
            assert m is not None  # checked when loaded
            # validated like the file: the regex admits exactly the four operators
            out.append(Condition.model_validate({"feature": m.group(1), "op": m.group(2), "value": float(m.group(3))}))
        return out


class ScoreSettings(_Strict):
    # evidence (sum of family points) at which a number is flagged; the score is
    # 1 / (1 + exp(flag_points - evidence)), so 0.5 is the flag line
    flag_points: float
    # of the evidence, at least this much must come from outside the call-volume family
    min_other_points: float
    volume_family: str
    # contract features a row needs before it can be flagged at all
    min_features: int
    # ratios over fewer calls than this count in proportion (a share over 3 calls says little)
    full_weight_calls: float
    # the lifetime family counts only when the file spans at least this many active days
    lifetime_family: str
    lifetime_min_window_days: float


class MeasureSettings(_Strict):
    short_call_s: float
    max_duration_s: float
    session_gap_s: float
    day_start_hour: int
    day_end_hour: int
    list_order_min_rows: int


class Thresholds(_Strict):
    version: str
    score: ScoreSettings
    features: dict[str, FeatureEvidence]
    patterns: dict[str, Pattern]
    measures: MeasureSettings

    @model_validator(mode="after")
    def _known(self) -> Thresholds:
        families = {rule.family for rule in self.features.values()}
        for name in (self.score.volume_family, self.score.lifetime_family):
            if name not in families:
                raise ValueError(f"family {name!r} has no feature")
        for name, pattern in self.patterns.items():
            for cond in pattern.parsed():
                if cond.feature not in PATTERN_FEATURES:
                    raise ValueError(f"pattern {name}: unknown feature {cond.feature!r}")
        return self

    @property
    def flag_score(self) -> float:
        """The score at which a number is flagged (evidence equal to flag_points)."""
        return 0.5


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
