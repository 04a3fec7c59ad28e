"""Explainable mass-calling score per number (or account) from measured features.

Each feature present gets a sub-score in [0, 1] between its `normal` and `threshold`
values (thresholds.yaml); the score is the weighted mean over the features present, so
a missing column or an empty cell is left out rather than counted as innocent or guilty.
A flag needs the score at or above `flag_score`, at least `min_hits` features at or
beyond their thresholds, a volume feature at or beyond its `gate` (its threshold when no
gate is set), and at least `min_features` features present. `reasons` names every feature that hit, with its value and threshold.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial

import numpy as np
import pandas as pd
import pyarrow as pa

from qinglian.detect.behaviour.config import Thresholds, default_thresholds

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


def derive_features(frame: pd.DataFrame) -> pd.DataFrame:
    """Numeric feature frame with the per-day and per-callee ratios derived where possible.

    `distinct_callees_per_day` replaces `distinct_callees` for a row when `active_days` is
    known, so one fact is not counted twice.
    """
    out = pd.DataFrame(index=frame.index)
    for name in INPUT_FEATURES:
        out[name] = pd.to_numeric(frame[name], errors="raise") if name in frame else np.nan
    out = out.astype("float64")
    days = out["active_days"].where(out["active_days"] > 0)
    out["calls_per_day"] = out["calls"] / days
    out["distinct_callees_per_day"] = out["distinct_callees"] / days
    derived_cpc = out["calls"] / out["distinct_callees"].where(out["distinct_callees"] > 0)
    out["calls_per_callee"] = out["calls_per_callee"].fillna(derived_cpc)
    out.loc[out["distinct_callees_per_day"].notna(), "distinct_callees"] = np.nan
    return out


def _fmt(value: float) -> str:
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.3g}" if abs(value) < 10 else f"{value:.1f}"


def _reason(head: str, tail: str, value: float) -> str:
    return f"{head}{_fmt(value)}{tail}"


class _Reasons:
    """The "; "-joined reasons of every row, built per feature over the rows it hits.

    Rows are kept as codes of their distinct combinations of reasons so far, and each text is
    formatted once per distinct value and joined once per distinct combination: on a million
    numbers there are a few thousand combinations, so nothing is done per row in Python.
    """

    def __init__(self, n: int) -> None:
        self.key = np.zeros(n, dtype=np.int64)  # the row's combination, an index into `texts`
        self.texts: list[str] = [""]

    def add(self, rows: np.ndarray, values: np.ndarray, text: Callable[[float], str]) -> None:
        """Add the reason `text(value)` to each of `rows`."""
        if not len(rows):
            return
        distinct, inverse = np.unique(values, return_inverse=True)
        labels = [text(v) for v in distinct.tolist()]
        none = len(labels)  # the code of "no reason here"
        code = np.full(len(self.key), none, dtype=np.int64)
        code[rows] = inverse.ravel()
        key, combos = pd.factorize(self.key * (none + 1) + code)
        before, added = np.divmod(np.asarray(combos), none + 1)
        self.texts = [
            self.texts[b] if a == none else (labels[a] if not self.texts[b] else f"{self.texts[b]}; {labels[a]}")
            for b, a in zip(before.tolist(), added.tolist(), strict=True)
        ]
        self.key = key.astype(np.int64)

    def series(self, index: pd.Index) -> pd.Series:
        joined = pa.array(self.texts, pa.string()).take(pa.array(self.key))
        return pd.Series(joined, dtype="str").set_axis(index)


def score_frame(frame: pd.DataFrame, thresholds: Thresholds | None = None) -> pd.DataFrame:
    """score, flag, hits and reasons for each row of a feature frame (index kept)."""
    th = thresholds or default_thresholds()
    feats = derive_features(frame)
    n = len(feats)
    num = np.zeros(n)
    den = np.zeros(n)
    hits = np.zeros(n, dtype=np.int64)
    volume_hit = np.zeros(n, dtype=bool)
    present = np.zeros(n, dtype=np.int64)
    reasons = _Reasons(n)
    for name, rule in th.features.items():
        if name not in feats:
            continue
        values = feats[name].to_numpy(dtype="float64")
        ok = ~np.isnan(values)
        if rule.weight > 0:
            present += ok
        frac = np.clip((values - rule.normal) / (rule.threshold - rule.normal), 0.0, 1.0)
        num += np.where(ok, frac * rule.weight, 0.0)
        den += np.where(ok, rule.weight, 0.0)
        is_hit = ok & ((values >= rule.threshold) if rule.direction == "high" else (values <= rule.threshold))
        if rule.weight > 0:
            hits += is_hit
            if rule.volume:
                gate = rule.threshold if rule.gate is None else rule.gate
                volume_hit |= ok & ((values >= gate) if rule.direction == "high" else (values <= gate))
        if rule.weight == 0:  # informational only: never a reason
            continue
        op = "≥" if rule.direction == "high" else "≤"
        rows = np.flatnonzero(is_hit)
        reasons.add(rows, values[rows], partial(_reason, f"{name}=", f" {op} {_fmt(rule.threshold)}"))
    score = np.divide(num, den, out=np.zeros(n), where=den > 0)
    enough = present >= th.min_features
    flag = enough & volume_hit & (hits >= th.min_hits) & (score >= th.flag_score)
    short = np.flatnonzero(~enough)
    reasons.add(short, present[short], lambda p: f"insufficient features ({int(p)} < {th.min_features}): not flagged")
    out = pd.DataFrame({"score": np.round(score, 4), "flag": flag, "hits": hits}, index=frame.index)
    out["reasons"] = reasons.series(frame.index)
    return out


def score_callers(
    features: pa.Table | pd.DataFrame, thresholds: Thresholds | None = None, key: str = "number"
) -> pa.Table:
    """Score a feature table: returns `number,score,flag,reasons` (the score-callers contract)."""
    frame = features.to_pandas() if isinstance(features, pa.Table) else features.reset_index(drop=True)
    if key not in frame:
        raise KeyError(key)
    scored = score_frame(frame, thresholds)
    return pa.table(
        {
            key: pa.array(frame[key].astype("string").tolist(), pa.string()),
            "score": pa.array(scored["score"].to_numpy(), pa.float64()),
            "flag": pa.array(scored["flag"].to_numpy(), pa.bool_()),
            "reasons": pa.array(scored["reasons"].tolist(), pa.string()),
        }
    )


def feature_columns() -> Sequence[str]:
    return INPUT_FEATURES
