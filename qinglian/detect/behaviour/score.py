"""Explainable caller score per number (or account): evidence in points from published anchors.

Each feature present adds points (log-odds) read off its anchors in thresholds.yaml; features
that measure the same thing form a family, which adds its strongest member's points only. Ratios
and means over few calls count in proportion to the calls behind them. A missing column or empty
cell adds nothing. The score is 1 / (1 + exp(flag_points - evidence)), so 0.5 is the flag line.
A flag needs the evidence at flag_points, enough of it from outside call volume (volume alone
never flags), and `min_features` contract features present. `reasons` names the pattern(s) a
flagged number resembles, then every feature that added or took away points, with its value, the
anchor where it stops counting as ordinary, and its points.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from qinglian.detect.behaviour.config import (
    INPUT_FEATURES,
    MEASURED_FEATURES,
    Condition,
    Thresholds,
    default_thresholds,
)


def derive_features(frame: pd.DataFrame) -> pd.DataFrame:
    """Numeric feature frame with the per-day and per-callee ratios derived where possible.

    Totals are compared with anchors only where active_days is missing: with it, the per-day
    figures replace them, so one fact is not counted twice (and the window, unknown, drops out).
    `short_share` and `answer_rate` are kept when present (the behaviour pipeline measures them).
    """
    out = pd.DataFrame(index=frame.index)
    for name in (*INPUT_FEATURES, *MEASURED_FEATURES):
        out[name] = pd.to_numeric(frame[name], errors="raise") if name in frame else np.nan
    out = out.astype("float64")
    days = out["active_days"].where(out["active_days"] > 0)
    out["calls_per_day"] = out["calls"] / days
    out["distinct_callees_per_day"] = out["distinct_callees"] / days
    out["sms_per_day"] = out["sms_sent"] / days
    derived_cpc = out["calls"] / out["distinct_callees"].where(out["distinct_callees"] > 0)
    out["calls_per_callee"] = out["calls_per_callee"].fillna(derived_cpc)
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

    def add(self, rows: np.ndarray, values: np.ndarray, text: Callable[[Any], str]) -> None:
        """Add the reason `text(value)` to each of `rows` (a value may be a row of a 2-D array)."""
        if not len(rows):
            return
        if values.ndim == 2:
            distinct, inverse = np.unique(values, axis=0, return_inverse=True)
            labels = [text(tuple(v)) for v in distinct.tolist()]
        else:
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


def _reliability(feats: pd.DataFrame, full: float) -> np.ndarray:
    """How far ratios over a number's calls can be trusted: calls / full, at most 1.

    Distinct callees stand in where calls are missing; with neither, ratios count fully.
    """
    calls = feats["calls"].to_numpy(dtype="float64")
    calls = np.where(np.isnan(calls), feats["distinct_callees"].to_numpy(dtype="float64"), calls)
    return np.where(np.isnan(calls), 1.0, np.clip(calls / full, 0.0, 1.0))


def _matches(feats: pd.DataFrame, conditions: list[Condition], min_known: int) -> np.ndarray:
    n = len(feats)
    known = np.zeros(n, dtype=np.int64)
    failed = np.zeros(n, dtype=bool)
    for cond in conditions:
        values = feats[cond.feature].to_numpy(dtype="float64")
        ok = ~np.isnan(values)
        known += ok
        failed |= ok & ~cond.holds(values)
    return (known >= min_known) & ~failed


def score_frame(frame: pd.DataFrame, thresholds: Thresholds | None = None) -> pd.DataFrame:
    """score, flag, hits (families with positive points) and reasons per row (index kept)."""
    th = thresholds or default_thresholds()
    st = th.score
    feats = derive_features(frame)
    scored = per_day_only(feats)
    n = len(feats)
    weight = _reliability(feats, st.full_weight_calls)
    window = feats["active_days"].max()
    lifetime_on = bool(pd.notna(window) and window >= st.lifetime_min_window_days)
    points: dict[str, np.ndarray] = {}
    family_best: dict[str, np.ndarray] = {}
    for name, rule in th.features.items():
        if rule.family == st.lifetime_family and not lifetime_on:
            continue
        p = rule.points(scored[name].to_numpy(dtype="float64"))
        if rule.scaled:
            p = p * weight
        points[name] = p
        best = family_best.get(rule.family)
        family_best[rule.family] = p if best is None else np.fmax(best, p)
    evidence = np.zeros(n)
    other = np.zeros(n)
    hits = np.zeros(n, dtype=np.int64)
    for family, best in family_best.items():
        add = np.nan_to_num(best, nan=0.0)
        evidence += add
        hits += add > 0
        if family != st.volume_family:
            other += add
    present = feats[list(INPUT_FEATURES)].notna().sum(axis=1).to_numpy(dtype=np.int64)
    enough = present >= st.min_features
    flag = enough & (evidence >= st.flag_points) & (other >= st.min_other_points)
    score = 1.0 / (1.0 + np.exp(st.flag_points - evidence))

    reasons = _Reasons(n)
    named = np.zeros(n, dtype=bool)
    for pname, pattern in th.patterns.items():  # the first pattern that fits, in the file's order
        rows = np.flatnonzero(flag & ~named & _matches(feats, pattern.parsed(), pattern.min_known))
        named[rows] = True
        reasons.add(rows, np.zeros(len(rows)), partial(_const, f"pattern={pname}"))
    rows = np.flatnonzero(flag & ~named)
    reasons.add(rows, np.zeros(len(rows)), partial(_const, "pattern=combined_evidence"))
    for name, rule in th.features.items():
        if name not in points:
            continue
        p = np.round(points[name], 1)
        rows = np.flatnonzero(~np.isnan(p) & (p != 0))
        values = scored[name].to_numpy(dtype="float64")[rows]
        pairs = np.column_stack([values, p[rows]])
        reasons.add(rows, pairs, partial(_feature_reason, name, rule.direction, rule.neutral))
    short = np.flatnonzero(~enough)
    reasons.add(short, present[short], lambda c: f"insufficient features ({int(c)} < {st.min_features}): not flagged")
    out = pd.DataFrame({"score": np.round(score, 4), "flag": flag, "hits": hits}, index=frame.index)
    out["reasons"] = reasons.series(frame.index)
    return out


def per_day_only(feats: pd.DataFrame) -> pd.DataFrame:
    """Blank the totals where their per-day figure is known (one fact, counted once)."""
    out = feats.copy()
    for total, per_day in (("calls", "calls_per_day"), ("distinct_callees", "distinct_callees_per_day"),
                           ("sms_sent", "sms_per_day")):
        out.loc[out[per_day].notna(), total] = np.nan
    return out


def _const(text: str, _value: object) -> str:
    return text


def _feature_reason(name: str, direction: str, neutral: float, pair: tuple[float, float]) -> str:
    value, pts = pair
    harmful_side = pts > 0
    if direction == "high":
        op = "≥" if harmful_side else "<"
    else:
        op = "≤" if harmful_side else ">"
    return f"{name}={_fmt(value)} {op} {_fmt(neutral)} ({pts:+.1f})"


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
