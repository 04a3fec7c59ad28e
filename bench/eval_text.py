"""Evaluate the text detectors on held-out splits of ../shared/data (never trained on).

Prints precision, recall and F1 per label and data set, for the full classify path (rules + model,
the scores `qinglian classify` prints, 0.5 as the decision point) and for the model alone:

- marketing, loan: cn_sms_spam test split (template-deduplicated; loan = weak label, see train.py);
- fraud, impersonation: teleantifraud test split (impersonation without kidnap/lottery scams);
- fraud: antifraud_sft_golfxiao test0902 (speaker names neutralised);
- rules-only labels have no labelled data here: their positive rate on cn_sms_spam's *normal*
  test messages is printed as a false-positive proxy;
- marketing on long non-marketing texts (teleantifraud normal service calls and golfxiao non-fraud
  dialogues, test splits): the positive rate shows how far the SMS-trained model carries to text
  unlike its training data (whose normal messages are short).
Target (issue 3): marketing F1 >= 0.985.

    .venv/bin/python bench/eval_text.py [--data ../shared/data]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from qinglian.detect.text import corpora
from qinglian.detect.text.engine import classify_batch
from qinglian.detect.text.model import shipped_model
from qinglian.detect.text.normalize import normalize_batch
from qinglian.detect.text.rules import LABELS


def prf(y: np.ndarray, p: np.ndarray) -> tuple[float, float, float]:
    tp = float(np.sum(y & p))
    prec = tp / max(float(np.sum(p)), 1.0)
    rec = tp / max(float(np.sum(y)), 1.0)
    f1 = 2 * prec * rec / max(prec + rec, 1e-12)
    return prec, rec, f1


def scores(texts: list[str]) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    full = np.vstack([classify_batch(texts[i : i + 5000]).scores for i in range(0, len(texts), 5000)])
    model = shipped_model().logits(normalize_batch(texts))
    return full, model


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=corpora.DEFAULT_DATA)
    args = ap.parse_args()
    sms = corpora.cn_sms_spam(args.data)
    tele = corpora.teleantifraud(args.data)
    gx = corpora.golfxiao(args.data)
    tasks = [
        ("marketing", sms, "cn_sms_spam/test"),
        ("loan", sms, "cn_sms_spam/test (weak labels)"),
        ("fraud", tele, "teleantifraud/test"),
        ("impersonation", tele, "teleantifraud/test"),
        ("fraud", gx, "golfxiao/test0902"),
    ]
    print(f"{'label':<15}{'data':<34}{'n':>6}{'pos':>6}   {'P':>6}{'R':>7}{'F1':>7}   model only: P / R / F1")
    for label, corpus, name in tasks:
        texts, ys = corpora.selected(corpus, label, ["test"])
        y = np.asarray(ys, dtype=bool)
        full, model = scores(texts)
        p_full = full[:, LABELS.index(label)] >= 0.5
        p_model = model[label] >= 0.0
        a = prf(y, p_full)
        b = prf(y, p_model)
        print(
            f"{label:<15}{name:<34}{len(y):>6}{int(y.sum()):>6}   {a[0]:6.3f}{a[1]:7.3f}{a[2]:7.3f}"
            f"   {b[0]:.3f} / {b[1]:.3f} / {b[2]:.3f}"
        )
    texts, ys = corpora.selected(sms, "marketing", ["test"])
    normal = [t for t, y in zip(texts, ys, strict=True) if y == 0]
    spam = [t for t, y in zip(texts, ys, strict=True) if y == 1]
    full_normal, _ = scores(normal)
    full_spam, _ = scores(spam)
    print(
        f"\npositive rate per label on cn_sms_spam/test: normal (n={len(normal)}) | marketing (n={len(spam)})"
    )
    for j, label in enumerate(LABELS):
        print(
            f"  {label:<17}{np.mean(full_normal[:, j] >= 0.5):8.4f} | {np.mean(full_spam[:, j] >= 0.5):8.4f}"
        )
    print("\nmarketing positive rate on long non-marketing texts (test splits):")
    for name, corpus in (("teleantifraud normal calls", tele), ("golfxiao non-fraud dialogues", gx)):
        texts, ys = corpora.selected(corpus, "fraud", ["test"])
        normal = [t for t, y in zip(texts, ys, strict=True) if y == 0]
        full, _ = scores(normal)
        print(f"  {name:<30} n={len(normal):<6}{np.mean(full[:, LABELS.index('marketing')] >= 0.5):8.4f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
