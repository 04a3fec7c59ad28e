"""Train the shipped text model (``make model``): reproducible, from ../shared/data only.

Labels and their training data (train and dev splits; the dev split was used to choose C and the
class weighting, then joined to training; test splits are held out, see
qinglian/detect/text/corpora.py for the template-deduplicated split):

- ``marketing``: cn_sms_spam label (1 = commercial marketing).
- ``loan``: weak label on cn_sms_spam — marketing *and* a loan word in the normalised text.
- ``fraud``: teleantifraud (8 fraud types vs normal service calls) + antifraud_sft_golfxiao
  eval0902 (speaker names neutralised; dialogues near-duplicating test0902 dropped) + cn_sms_spam
  as negatives (ads are not scams).
- ``impersonation``: teleantifraud bank/customer-service/courier/identity-theft/phishing calls
  vs normal calls and investment scams (kidnap and lottery scams left out) + cn_sms_spam negatives.

Usage: python -m qinglian.detect.train [--data DIR] [--out FILE]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

from qinglian.detect.text import corpora
from qinglian.detect.text.features import N_FEATURES, count_matrix, fit_idf, tfidf_matrix
from qinglian.detect.text.model import MODEL_PATH, TextModel
from qinglian.detect.text.normalize import normalize_batch

MODEL_LABELS = ("marketing", "loan", "fraud", "impersonation")
C_BY_LABEL = {"marketing": 20.0, "loan": 10.0, "fraud": 10.0, "impersonation": 10.0}
SEED = 20251125
TRAIN = ["train", "dev"]
MODEL_VERSION = "text-1"


def training_sets(data: Path) -> dict[str, tuple[list[str], list[int]]]:
    sms = corpora.cn_sms_spam(data)
    tele = corpora.teleantifraud(data)
    gx = corpora.golfxiao(data)
    sets: dict[str, tuple[list[str], list[int]]] = {}
    sets["marketing"] = corpora.selected(sms, "marketing", TRAIN)
    sets["loan"] = corpora.selected(sms, "loan", TRAIN)
    parts = [
        corpora.selected(tele, "fraud", TRAIN),
        corpora.selected(gx, "fraud", TRAIN),
        corpora.selected(sms, "fraud", TRAIN),
    ]
    sets["fraud"] = ([t for p in parts for t in p[0]], [y for p in parts for y in p[1]])
    tt, ty = corpora.selected(tele, "impersonation", TRAIN)
    st, _ = corpora.selected(sms, "marketing", TRAIN)
    sets["impersonation"] = (tt + st, ty + [0] * len(st))
    return sets


def train(data: Path = corpora.DEFAULT_DATA, out: Path = MODEL_PATH, log: bool = True) -> TextModel:
    t0 = time.time()
    sets = training_sets(data)
    norm: dict[str, list[str]] = {label: normalize_batch(texts) for label, (texts, _) in sets.items()}
    # IDF over the union of distinct training texts
    union = sorted({t for texts in norm.values() for t in texts})
    idf = fit_idf(count_matrix(union, N_FEATURES))
    coefs = np.zeros((N_FEATURES, len(MODEL_LABELS)), dtype=np.float32)
    intercepts = np.zeros(len(MODEL_LABELS), dtype=np.float64)
    for j, label in enumerate(MODEL_LABELS):
        x = tfidf_matrix(norm[label], idf)
        y = np.asarray(sets[label][1])
        clf = LogisticRegression(
            C=C_BY_LABEL[label], solver="liblinear", class_weight="balanced", max_iter=1000, random_state=SEED
        )
        clf.fit(x, y)
        coefs[:, j] = clf.coef_[0]
        intercepts[j] = clf.intercept_[0]
        if log:
            print(f"{label}: {len(y)} texts, {int(y.sum())} positive", file=sys.stderr)
    model = TextModel(MODEL_LABELS, idf, coefs, intercepts, version=MODEL_VERSION)
    model.save(out)
    if log:
        size = out.stat().st_size / 1e6
        print(f"model written to {out} ({size:.1f} MB) in {time.time() - t0:.0f} s", file=sys.stderr)
    return model


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--data", type=Path, default=corpora.DEFAULT_DATA)
    ap.add_argument("--out", type=Path, default=MODEL_PATH)
    args = ap.parse_args(argv)
    train(args.data, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
