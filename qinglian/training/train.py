"""Train the shipped text model (``make model``): reproducible, from ../shared/data only.

One linear model per label over the hashed char 1-3-gram TF-IDF (features.py), so scoring stays one
sparse product: ``loan``, ``fraud``, ``impersonation`` are logistic regressions; ``marketing`` is an
LR + NBSVM trained with extra negatives (service calls, generated notices, punctuated normal SMS),
and ``marketing_sms`` an NBSVM on the SMS corpus alone (Platt-scaled on the grouped CV: it fits that
corpus's ads closer than a logistic regression), the detector taking the lower of the two
(detectors.marketing_logodds). Which data each label is trained on, the splits, the evaluation and
the history of every choice are in docs/model-card.md; test splits are never trained on.

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

from qinglian.detect.text.detectors import MARKETING_MARGIN, MARKETING_OFFSET
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

MODEL_LABELS = ("marketing", "loan", "fraud", "impersonation", "marketing_sms")
C_BY_LABEL = {"marketing": 20.0, "loan": 10.0, "fraud": 10.0, "impersonation": 10.0}
NBSVM_C = 2.0
NB_ALPHA = 1.0  # smoothing of the naive-Bayes counts
CV_FOLDS = 5
SEED = 20251125
TRAIN = ["train", "dev"]
MODEL_VERSION = "text-7"
MARKETING_C = 10.0
N_NOTICES = 3000  # generated transactional notices among marketing's extra negatives


_HAN = re.compile("[\u4e00-\u9fff]")


def nb_ratio(x: sp.csr_matrix, y: np.ndarray, alpha: float = NB_ALPHA) -> np.ndarray:
    """Naive-Bayes log-count ratio per feature, from binarised features."""
    b = sp.csr_matrix(x, copy=True)
    b.data[:] = 1.0
    p = alpha + np.asarray(b[y == 1].sum(axis=0)).ravel()
    q = alpha + np.asarray(b[y == 0].sum(axis=0)).ravel()
    ratio: np.ndarray = np.log((p / p.sum()) / (q / q.sum())).astype(np.float32)
    return ratio


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
) -> tuple[np.ndarray, np.ndarray, float, dict[str, float], np.ndarray]:
    """NBSVM on all of ``x`` with Platt scaling fitted on template-grouped cross-validation.

    Returns (n-gram weights, length-bucket offsets, intercept) in log-odds, the CV figures and the
    out-of-fold log-odds of every text.
    """
    oof = np.zeros(x.shape[0])
    for tr, te in GroupKFold(CV_FOLDS).split(x, y, groups):
        w, b = _fit_nbsvm(x[tr], lengths[tr], y[tr], c)
        oof[te] = x[te] @ w[: x.shape[1]] + lengths[te] @ w[x.shape[1] :] + b
    a, a0 = _platt(oof, y)
    oof = a * oof + a0
    cv = _cv_figures(oof >= 0, y)
    w, b = _fit_nbsvm(x, lengths, y, c)
    return a * w[: x.shape[1]], a * w[x.shape[1] :], a * b + a0, cv, oof


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
    sets["marketing_sms"] = sets["marketing"]
    return sets


def short_fraud_texts(data: Path, tele: corpora.Corpus) -> tuple[list[str], list[int]]:
    """Short texts for ``fraud``: chineseharm's dev half (real platform posts: 欺诈 1; 不违规,
    black-market ads and gambling 0) and the single turns of ordinary service calls (0), so that a
    short punctuated message is not a scam for want of short negatives."""
    harm = corpora.chineseharm(data)
    texts: list[str] = []
    ys: list[int] = []
    for t, c, s in zip(harm.texts, harm.category, harm.split, strict=True):
        if s == "dev":
            texts.append(t)
            ys.append(int(c == "欺诈"))
    _, turns = corpora.normal_dialogues(tele, TRAIN)
    return texts + turns, ys + [0] * len(turns)


def training_inputs(
    data: Path = corpora.DEFAULT_DATA,
) -> tuple[dict[str, tuple[list[str], list[int]]], dict[str, list[str]], list[str], np.ndarray]:
    """(texts and labels per label, their normalised texts, marketing's extra negatives, IDF)."""
    tele = corpora.teleantifraud(data)
    sets = training_sets(corpora.cn_sms_spam(data), tele, corpora.golfxiao(data))
    ft, fy = short_fraud_texts(data, tele)
    sets["fraud"] = (sets["fraud"][0] + ft, sets["fraud"][1] + fy)
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
    groups = corpora.template_groups(texts)
    *_, oof = fit_marketing(norm["marketing"], y, groups, extra, idf, final=False)
    x = tfidf_matrix(norm["marketing"], idf)
    *_, oof_sms = fit_nbsvm_calibrated(x, length_matrix(norm["marketing"]), y, groups, NBSVM_C)
    return texts, y, np.minimum(oof_sms, oof + MARKETING_MARGIN) + MARKETING_OFFSET


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
        elif label == "marketing_sms" or label in nbsvm:
            groups = corpora.template_groups(sets[label][0])
            w, wl, b, cv, _ = fit_nbsvm_calibrated(x, length_matrix(norm[label]), y, groups, NBSVM_C)
            coefs[:, j], length_coef[:, j], intercepts[j] = w, wl, b
            note = f"; {CV_FOLDS}-fold grouped CV P {cv['P']:.4f} R {cv['R']:.4f} F1 {cv['F1']:.4f}"
        elif label == "loan":
            # the SMS corpus has no long or punctuated lawful text: the same extra negatives as marketing
            xs = sp.vstack([x, tfidf_matrix(extra, idf)], format="csr")
            coefs[:, j], intercepts[j] = _fit_lr(xs, np.concatenate([y, np.zeros(len(extra), dtype=y.dtype)]), C_BY_LABEL[label])
            note = f" + {len(extra)} extra negatives"
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
