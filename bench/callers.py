"""Caller scoring on generated per-number features: untrained rules, trained model, best single feature.

Development figures on data the team generated (qinglian/training/callers_synth.py), never an
evaluation: the generator encodes the same published facts the anchors rest on, so agreement
here shows the code does what the sources say, not that it holds on a real network.

For each window length (the features aggregate an unknown window) and each column set, the
numbers are split in two halves (stratified by kind): the untrained score and the best single
feature are measured on the test half; the model trains on the other half (its own k-fold CV
figures printed too) and is measured on the test half. Per kind: the share flagged.

    .venv/bin/python bench/callers.py [--n 6000] [--seed 7] [--windows 7,30,240]
"""

from __future__ import annotations

import argparse
import sys

import numpy as np
import pandas as pd
from sklearn.metrics import f1_score, precision_score, recall_score, roc_auc_score

from qinglian.detect.behaviour.score import derive_features, score_frame
from qinglian.detect.behaviour.trained import fit, score_trained
from qinglian.training.callers_synth import FEATURES, HARMFUL, generate

SPARSE = ("calls", "distinct_callees", "outgoing_share", "active_days")  # a thin export: no durations


def _split(frame: pd.DataFrame, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    first = np.zeros(len(frame), dtype=bool)
    for _kind, idx in frame.groupby("kind").indices.items():
        first[rng.permutation(idx)[: len(idx) // 2]] = True
    return frame[first].reset_index(drop=True), frame[~first].reset_index(drop=True)


def _prf(y: np.ndarray, flag: np.ndarray, score: np.ndarray) -> str:
    p = precision_score(y, flag, zero_division=0)
    r = recall_score(y, flag, zero_division=0)
    f = f1_score(y, flag, zero_division=0)
    return f"P {p:.3f}  R {r:.3f}  F1 {f:.3f}  AUC {roc_auc_score(y, score):.3f}"


def _best_single(train: pd.DataFrame, test: pd.DataFrame) -> str:
    """The feature (or derived ratio) with the best AUC on the train half, with its F1-best threshold."""
    a, b = derive_features(train), derive_features(test)
    ya, yb = train["label"].to_numpy(), test["label"].to_numpy()
    best: tuple[float, str, int] | None = None
    for col in a.columns:
        x = a[col].to_numpy(dtype="float64")
        if np.isnan(x).all():
            continue
        filled = np.nan_to_num(x, nan=np.nanmedian(x))
        auc = roc_auc_score(ya, filled)
        sign = 1 if auc >= 0.5 else -1
        if best is None or max(auc, 1 - auc) > best[0]:
            best = (max(auc, 1 - auc), col, sign)
    assert best is not None
    _, col, sign = best
    xa = sign * np.nan_to_num(a[col].to_numpy(dtype="float64"), nan=np.nanmedian(a[col]))
    xb = sign * np.nan_to_num(b[col].to_numpy(dtype="float64"), nan=np.nanmedian(a[col]))
    cuts = np.unique(np.quantile(xa, np.linspace(0.01, 0.99, 199)))
    thr = max(cuts, key=lambda c: f1_score(ya, xa >= c, zero_division=0))
    direction = "high" if sign > 0 else "low"
    return f"{col} ({direction}): " + _prf(yb, xb >= thr, xb)


def run_case(frame: pd.DataFrame, seed: int) -> None:
    train, test = _split(frame, seed)
    y = test["label"].to_numpy()
    rules = score_frame(test)
    model = fit(train, train["label"].to_numpy(), seed=seed)
    m = model.metrics
    learnt = score_trained(test, model)
    print(f"  untrained rules, test half : {_prf(y, rules['flag'].to_numpy(), rules['score'].to_numpy())}")
    print(f"  trained on the other half  : {_prf(y, learnt['flag'].to_numpy(), learnt['score'].to_numpy())}"
          f"   (its {int(m['folds'])}-fold CV on the train half: F1 {m['f1']:.3f}, AUC {m['auc']:.3f})")
    print(f"  best single feature        : {_best_single(train, test)}")
    kinds = pd.DataFrame({"kind": test["kind"], "rules": rules["flag"], "model": learnt["flag"]})
    table = kinds.groupby("kind").agg(n=("rules", "size"), rules=("rules", "mean"), model=("model", "mean"))
    print("  flagged share per kind (harmful kinds: recall; the others: false-positive rate)")
    for kind, row in table.iterrows():
        mark = "harmful" if kind in HARMFUL else "lawful "
        print(f"    {mark} {kind:<15} n={int(row['n']):>5}  rules {row['rules']:.3f}  model {row['model']:.3f}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=6000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--windows", default="7,30,240", help="window lengths in days, comma-separated")
    args = ap.parse_args(argv)
    print("Development figures on generated data (callers_synth), not an evaluation.")
    for window in (int(w) for w in args.windows.split(",")):
        frame = generate(args.n, seed=args.seed + window, window_days=window)
        share = frame["label"].mean()
        print(f"\nwindow {window} days, all ten columns ({len(frame)} numbers, {share:.0%} harmful)")
        run_case(frame, args.seed)
        thin = frame[["number", "kind", "label", *SPARSE]]
        print(f"window {window} days, only {', '.join(SPARSE)} (the other {len(FEATURES) - len(SPARSE)} columns missing)")
        run_case(thin, args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
