"""Train the shipped text model (``make model``): reproducible, from ../shared/data only.

Labels and their training data (train and dev splits; test splits are held out, see
qinglian/detect/text/corpora.py for the template-deduplicated split):

- ``marketing``: cn_sms_spam label (1 = commercial marketing), plus extra negatives: teleantifraud's
  normal service calls (train+dev) and each of their turns, 3,000 generated transactional notices
  (bank movements, codes, deliveries, bills, bookings …; qinglian/detect/text/synthetic.py) and one
  punctuated copy of every normal message (``punctuation_variants``). See "Marketing" below.
- ``loan``: weak label on cn_sms_spam — marketing *and* a loan word in the normalised text.
- ``fraud``: teleantifraud (8 fraud types vs normal service calls) + antifraud_sft_golfxiao
  eval0902 (speaker names neutralised; dialogues near-duplicating test0902 dropped) + cn_sms_spam
  as negatives (ads are not scams).
- ``impersonation``: teleantifraud bank/customer-service/courier/identity-theft/phishing calls
  vs normal calls and investment scams (kidnap and lottery scams left out) + cn_sms_spam negatives.

Models: linear models on the hashed char 1-3-gram TF-IDF (``loan``, ``fraud``, ``impersonation``:
logistic regressions; ``marketing``: see below), so scoring stays one sparse product.

Marketing. cn_sms_spam's normal messages are short fragments cut at punctuation: no normal text
contains "，", "。" or "！" while 84 % of ads contain "，". A model trained on it alone learns
"punctuation = advertising": the former shipped model (a plain logistic regression, held-out test F1
0.975) flagged 100 % of teleantifraud's normal service calls, 73 % of golfxiao's non-fraud dialogues
and about half of a set of hand-written ordinary SMS (bench/eval_text.py) as marketing. The shipped
marketing model is the mean of the log-odds of a logistic regression and of an NBSVM (each feature
scaled by its naive-Bayes log-count ratio, Wang & Manning 2012; Platt-scaled on the grouped CV), both
over the n-grams and an offset per length bucket, both trained with the extra negatives above, so
that punctuation, sentence shape and service vocabulary are no evidence by themselves, and brings
those positive rates to ~0, ~2 % and 5-8 %. The generated notices (text-4) took the rate on 20
hand-written notices never trained on (bench/eval_text.py NOTICES_HELD_OUT) from 100 % to 5-10 %.

On the full classify path (model + rules + detector) the marketing detector also treats a bare
contact line ("联系电话：138…", detectors.bare_contact) as no evidence: cn_sms_spam labels such
fragments normal (86 of 87), while the n-gram model scores them as ads; and a text that
notices.py recognises as a transactional notice, without an offer, as not marketing.

Figures (text-4, ``bench/eval_text.py --cv``; choices made on the grouped CV of train+dev, the test
split only read after): grouped CV F1 0.980 full path / 0.974 model; held-out test 0.9851 / 0.976.
Hash size (features.N_FEATURES): 2^18 buckets collided enough to cost ~0.003 (full-path CV 0.9767;
2^20 0.9790, 2^21 0.9796, 2^22 0.9796): 2^21 is the smallest on the plateau (model file 8 MB).
MARKETING_C 10 (NBSVM_C 2) had the best CV of the five settings tried (LR C 10, 20, 40 with NBSVM C
2; LR C 20 with NBSVM C 1, 4), but all five lie within 0.0005 of each other and their test F1 spans
0.9845-0.9863: the target (>= 0.985) is met by the shipped model with a margin of one text, not
robustly.

The rest of the gap to ~0.989 is the corpus artefact. ``--nbsvm marketing`` trains the NBSVM with
length offsets on cn_sms_spam alone (2^18 buckets: grouped CV 0.986, held-out test 0.989): ordinary
SMS such as "您的快递已到，请到门口取件" or "你好，在吗？" then score ~1.0 as marketing, and so do
~all dialogues. Not shipped. (Taking the minimum of that model and the shipped one shifted up by
2-3 log-odds reaches grouped CV 0.982-0.984 but at least doubles the hand-written false-positive
rate and lets 10-15 % of dialogues through: it buys the split, not generalisation.) Leaving
punctuation out of the features instead generalises but scores 0.953. Tried, not used: golfxiao's
non-fraud dialogues and turns as negatives (lower CV F1; they would also leak into the golfxiao
probe), the fraud-news paragraphs of antifraud_sft_golfxiao (slightly lower dialogue rates, -0.003
CV F1), char 4-grams (no gain at 2^18; -0.003 CV at 2^21), lower weights for the extra negatives (no
gain), unpunctuated copies of the ads as positives (-0.002 CV), leaving bare contact lines out of
training (-0.001 CV).
See issue 3.

Usage: python -m qinglian.training.train [--data DIR] [--out FILE] [--nbsvm LABEL ...]
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold
from sklearn.svm import LinearSVC

from qinglian.detect.text.features import (
    N_FEATURES,
    N_LENGTH_BUCKETS,
    count_matrix,
    fit_idf,
    length_matrix,
    tfidf_matrix,
)
from qinglian.detect.text.model import MODEL_PATH, TextModel
from qinglian.detect.text.normalize import normalize_batch
from qinglian.training import corpora, synthetic

MODEL_LABELS = ("marketing", "loan", "fraud", "impersonation")
C_BY_LABEL = {"marketing": 20.0, "loan": 10.0, "fraud": 10.0, "impersonation": 10.0}
NBSVM_C = 2.0
NB_ALPHA = 1.0  # smoothing of the naive-Bayes counts
CV_FOLDS = 5
SEED = 20251125
TRAIN = ["train", "dev"]
MODEL_VERSION = "text-4"
MARKETING_C = 10.0
N_NOTICES = 3000  # generated transactional notices among marketing's extra negatives


_HAN = re.compile("[\u4e00-\u9fff]")


def nb_ratio(x: sp.csr_matrix, y: np.ndarray, alpha: float = NB_ALPHA) -> np.ndarray:
    """Naive-Bayes log-count ratio per feature, from binarised features."""
    b = sp.csr_matrix(x, copy=True)
    b.data[:] = 1.0
    p = alpha + np.asarray(b[y == 1].sum(axis=0)).ravel()
    q = alpha + np.asarray(b[y == 0].sum(axis=0)).ravel()
    return np.log((p / p.sum()) / (q / q.sum())).astype(np.float32)


def _fit_nbsvm(x: sp.csr_matrix, lengths: sp.csr_matrix, y: np.ndarray, c: float) -> tuple[np.ndarray, float]:
    """(weights over the n-gram features then the length buckets, intercept) of an NBSVM."""
    r = nb_ratio(x, y)
    design = sp.hstack([x @ sp.diags(r), lengths], format="csr")
    svm = LinearSVC(C=c, class_weight="balanced", max_iter=5000, random_state=SEED).fit(design, y)
    w = svm.coef_[0].astype(np.float64)
    w[: x.shape[1]] *= r
    return w, float(svm.intercept_[0])


def _platt(decision: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """(slope, intercept) mapping out-of-fold decision values to log-odds (Platt scaling)."""
    platt = LogisticRegression(C=1e4, max_iter=1000).fit(decision[:, None], y)
    return float(platt.coef_[0, 0]), float(platt.intercept_[0])


def _cv_figures(pred: np.ndarray, y: np.ndarray) -> dict[str, float]:
    tp = float(np.sum(pred & (y == 1)))
    return {"P": tp / max(pred.sum(), 1), "R": tp / max(y.sum(), 1), "F1": 2 * tp / (pred.sum() + y.sum())}


def fit_nbsvm_calibrated(
    x: sp.csr_matrix, lengths: sp.csr_matrix, y: np.ndarray, groups: list[int], c: float
) -> tuple[np.ndarray, np.ndarray, float, dict[str, float]]:
    """NBSVM on all of ``x`` with Platt scaling fitted on template-grouped cross-validation.

    Returns (n-gram weights, length-bucket offsets, intercept) in log-odds, and the CV figures.
    """
    oof = np.zeros(x.shape[0])
    for tr, te in GroupKFold(CV_FOLDS).split(x, y, groups):
        w, b = _fit_nbsvm(x[tr], lengths[tr], y[tr], c)
        oof[te] = x[te] @ w[: x.shape[1]] + lengths[te] @ w[x.shape[1] :] + b
    a, a0 = _platt(oof, y)
    cv = _cv_figures(a * oof + a0 >= 0, y)
    w, b = _fit_nbsvm(x, lengths, y, c)
    return a * w[: x.shape[1]], a * w[x.shape[1] :], a * b + a0, cv


def _fit_lr(x: sp.csr_matrix, y: np.ndarray, c: float) -> tuple[np.ndarray, float]:
    clf = LogisticRegression(
        C=c, solver="liblinear", class_weight="balanced", max_iter=1000, random_state=SEED
    ).fit(x, y)
    return clf.coef_[0].astype(np.float64), float(clf.intercept_[0])


def fit_marketing(
    norm: list[str],
    y: np.ndarray,
    groups: list[int],
    extra: list[str],
    idf: np.ndarray,
    final: bool = True,
) -> tuple[np.ndarray, np.ndarray, float, dict[str, float], np.ndarray]:
    """The marketing model: the mean of two linear models' log-odds, both over the n-grams and the
    length buckets, both trained on cn_sms_spam plus the extra negatives plus punctuated copies of
    the normal messages (``punctuation_variants``):

    - a logistic regression (C = MARKETING_C);
    - an NBSVM (``_fit_nbsvm``), mapped to log-odds by Platt scaling on the cross-validation.

    Returns (n-gram weights, length offsets, intercept), the figures of 5-fold template-grouped
    cross-validation on cn_sms_spam (extra negatives and punctuated copies only ever in training
    folds; a fold's copies are made from its own normal messages) and the out-of-fold log-odds of
    every text. With ``final=False`` only the cross-validation runs (the weights are zero).
    """
    x = tfidf_matrix(norm, idf)
    lengths = length_matrix(norm)
    x_extra = tfidf_matrix(extra, idf)
    l_extra = length_matrix(extra)
    nf = x.shape[1]

    def fit(rows: np.ndarray) -> tuple[np.ndarray, float, np.ndarray, float]:
        copies = punctuation_variants([norm[i] for i in rows if y[i] == 0])
        xs = sp.vstack([x[rows], x_extra, tfidf_matrix(copies, idf)], format="csr")
        ls = sp.vstack([lengths[rows], l_extra, length_matrix(copies)], format="csr")
        ys = np.concatenate([y[rows], np.zeros(len(extra) + len(copies), dtype=y.dtype)])
        w_lr, b_lr = _fit_lr(sp.hstack([xs, ls], format="csr"), ys, MARKETING_C)
        w_nb, b_nb = _fit_nbsvm(xs, ls, ys, NBSVM_C)
        return w_lr, b_lr, w_nb, b_nb

    def decision(w: np.ndarray, b: float, te: np.ndarray) -> np.ndarray:
        return np.asarray(x[te] @ w[:nf] + lengths[te] @ w[nf:] + b).ravel()

    oof_lr = np.zeros(len(norm))
    oof_nb = np.zeros(len(norm))
    for tr, te in GroupKFold(CV_FOLDS).split(x, y, groups):
        w_lr, b_lr, w_nb, b_nb = fit(tr)
        oof_lr[te] = decision(w_lr, b_lr, te)
        oof_nb[te] = decision(w_nb, b_nb, te)
    a, a0 = _platt(oof_nb, y)
    oof = 0.5 * oof_lr + 0.5 * (a * oof_nb + a0)
    cv = _cv_figures(oof >= 0, y)
    if not final:
        return np.zeros(nf), np.zeros(lengths.shape[1]), 0.0, cv, oof
    w_lr, b_lr, w_nb, b_nb = fit(np.arange(len(norm)))
    w = 0.5 * w_lr + 0.5 * a * w_nb
    return w[:nf], w[nf:], 0.5 * b_lr + 0.5 * (a * b_nb + a0), cv, oof


def punctuation_variants(texts: list[str], seed: int = SEED) -> list[str]:
    """One copy of each (normalised) normal message, punctuated like ordinary writing.

    cn_sms_spam's normal messages are fragments cut at punctuation, so "," "。" "?" "!" otherwise
    only ever occur in ads. Each copy either joins the message to another normal message with a
    comma (60 %) or puts a comma between two Chinese characters inside it, then usually ends it
    with "。", "?" or "!": the model sees that punctuation alone is no sign of an advertisement.
    """
    rng = random.Random(seed)
    out: list[str] = []
    for t in texts:
        if rng.random() < 0.6:
            s = t + "," + texts[rng.randrange(len(texts))]
        else:
            cut = [i for i in range(3, len(t) - 2) if _HAN.match(t[i - 1]) and _HAN.match(t[i])]
            s = t
            if cut:
                i = rng.choice(cut)
                s = t[:i] + "," + t[i:]
        r = rng.random()
        out.append(s + ("。" if r < 0.4 else "?" if r < 0.55 else "!" if r < 0.65 else ""))
    return out


def training_sets(sms: corpora.Corpus, tele: corpora.Corpus, gx: corpora.Corpus) -> dict[str, tuple[list[str], list[int]]]:
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


def training_inputs(
    data: Path = corpora.DEFAULT_DATA,
) -> tuple[dict[str, tuple[list[str], list[int]]], dict[str, list[str]], list[str], np.ndarray]:
    """(texts and labels per label, their normalised texts, marketing's extra negatives, IDF)."""
    tele = corpora.teleantifraud(data)
    sets = training_sets(corpora.cn_sms_spam(data), tele, corpora.golfxiao(data))
    norm: dict[str, list[str]] = {label: normalize_batch(texts) for label, (texts, _) in sets.items()}
    # marketing's extra negatives: ordinary service calls and their turns (teleantifraud train+dev),
    # and generated transactional notices (synthetic.py)
    dialogues, turns = corpora.normal_dialogues(tele, TRAIN)
    extra = normalize_batch(dialogues + turns + synthetic.notices(N_NOTICES))
    # IDF over the union of distinct training texts (the extra negatives left out: the other labels'
    # models stay as they were)
    union = sorted({t for texts in norm.values() for t in texts})
    return sets, norm, extra, fit_idf(count_matrix(union, N_FEATURES))


def marketing_oof(data: Path = corpora.DEFAULT_DATA) -> tuple[list[str], np.ndarray, np.ndarray]:
    """The shipped marketing recipe's out-of-fold log-odds on cn_sms_spam train+dev (5-fold,
    template-grouped): (texts, labels, log-odds). For developing rules and detectors on train+dev
    with the test split left alone (bench/eval_text.py --cv)."""
    sets, norm, extra, idf = training_inputs(data)
    texts, ys = sets["marketing"]
    y = np.asarray(ys)
    *_, oof = fit_marketing(norm["marketing"], y, corpora.template_groups(texts), extra, idf, final=False)
    return texts, y, oof


def train(
    data: Path = corpora.DEFAULT_DATA,
    out: Path = MODEL_PATH,
    log: bool = True,
    nbsvm: frozenset[str] = frozenset(),
) -> TextModel:
    t0 = time.time()
    sets, norm, extra, idf = training_inputs(data)
    coefs = np.zeros((N_FEATURES, len(MODEL_LABELS)), dtype=np.float32)
    intercepts = np.zeros(len(MODEL_LABELS), dtype=np.float64)
    length_coef = np.zeros((N_LENGTH_BUCKETS, len(MODEL_LABELS)), dtype=np.float64)
    for j, label in enumerate(MODEL_LABELS):
        x = tfidf_matrix(norm[label], idf)
        y = np.asarray(sets[label][1])
        note = ""
        if label == "marketing" and label not in nbsvm:
            groups = corpora.template_groups(sets[label][0])
            w, wl, b, cv, _ = fit_marketing(norm[label], y, groups, extra, idf)
            coefs[:, j], length_coef[:, j], intercepts[j] = w, wl, b
            note = (
                f" + {len(extra)} extra negatives; {CV_FOLDS}-fold grouped CV (model only)"
                f" P {cv['P']:.4f} R {cv['R']:.4f} F1 {cv['F1']:.4f}"
            )
        elif label in nbsvm:
            groups = corpora.template_groups(sets[label][0])
            w, wl, b, cv = fit_nbsvm_calibrated(x, length_matrix(norm[label]), y, groups, NBSVM_C)
            coefs[:, j], length_coef[:, j], intercepts[j] = w, wl, b
            note = f"; {CV_FOLDS}-fold grouped CV P {cv['P']:.4f} R {cv['R']:.4f} F1 {cv['F1']:.4f}"
        else:
            coefs[:, j], intercepts[j] = _fit_lr(x, y, C_BY_LABEL[label])
        if log:
            print(f"{label}: {len(y)} texts, {int(y.sum())} positive{note}", file=sys.stderr)
    model = TextModel(MODEL_LABELS, idf, coefs, intercepts, version=MODEL_VERSION, length_coef=length_coef)
    model.save(out)
    if log:
        size = out.stat().st_size / 1e6
        print(f"model written to {out} ({size:.1f} MB) in {time.time() - t0:.0f} s", file=sys.stderr)
    return model


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--data", type=Path, default=corpora.DEFAULT_DATA)
    ap.add_argument("--out", type=Path, default=MODEL_PATH)
    ap.add_argument("--nbsvm", nargs="*", choices=MODEL_LABELS, default=[], help="labels to train as NBSVM")
    args = ap.parse_args(argv)
    train(args.data, args.out, nbsvm=frozenset(args.nbsvm))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
