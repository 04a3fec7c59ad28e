"""Character n-gram features, hashed, computed for a whole batch with numpy (no per-text Python).

The texts (already normalised) are joined with newlines and read as one array of code points;
n-grams of 1 to 3 characters that do not cross a newline are hashed into ``n_features`` buckets.
A text's row holds n-gram counts times IDF, divided by a norm over occurrences (see
``_occurrence_norms``) — a hashed TF-IDF char n-gram vectoriser, faster than scikit-learn's
because no Python runs per text.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
import scipy.sparse as sp

N_FEATURES = 1 << 21  # hash buckets; fewer collided enough to cost marketing F1 (docs/model-card.md)
NGRAMS = (1, 2, 3)
_MULT = np.uint64(0x9E3779B97F4A7C15)
_SEEDS = {1: np.uint64(0x1234567), 2: np.uint64(0x89ABCDEF1), 3: np.uint64(0xFEDCBA987)}
_NL = 10


def _codepoints(texts: Sequence[str]) -> np.ndarray:
    joined = "\n".join(texts) + "\n"
    return np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)


def hashed_entries(texts: Sequence[str], n_features: int = N_FEATURES) -> tuple[np.ndarray, np.ndarray]:
    """(text index, bucket) of every n-gram occurrence; repeated n-grams appear repeatedly (term counts)."""
    if not texts:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    for r, c in _ngram_buckets(texts, n_features):
        rows.append(r)
        cols.append(c.astype(np.int64))
    return np.concatenate(rows).astype(np.int64), np.concatenate(cols)


def _ngram_buckets(texts: Sequence[str], n_features: int) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Per n-gram length: (text index, hash bucket) of every n-gram occurrence, in text order."""
    cps = _codepoints(texts)
    is_nl = cps == _NL
    doc = np.cumsum(is_nl) - is_nl  # text index of every position (its newline belongs to it)
    mask = np.uint64(n_features - 1)
    length = cps.shape[0]
    with np.errstate(over="ignore"):
        for size in NGRAMS:
            if length < size:
                continue
            m = length - size + 1
            h = np.full(m, _SEEDS[size], dtype=np.uint64)
            bad = np.zeros(m, dtype=bool)
            for j in range(size):
                h = (h ^ cps[j : j + m]) * _MULT
                bad |= is_nl[j : j + m]
            h ^= h >> np.uint64(29)
            good = ~bad
            yield doc[:m][good], h[good] & mask


def _occurrence_norms(r: np.ndarray, w: np.ndarray, n: int) -> np.ndarray:
    """Each text's norm: sqrt of the sum of squared weights over n-gram *occurrences*.

    (Not over distinct n-grams: that would need a sort per batch. Training and scoring use the same
    definition, so the model is consistent; for short texts the two barely differ.)
    """
    norms = np.sqrt(np.bincount(r, weights=w.astype(np.float64) ** 2, minlength=n))
    norms[norms == 0] = 1.0
    return norms


def tfidf_matrix(texts: Sequence[str], idf: np.ndarray) -> sp.csr_matrix:
    """TF-IDF rows (term counts × IDF, L2-normalised) as a sparse matrix, for training."""
    n = len(texts)
    r, c = hashed_entries(texts, idf.shape[0])
    w = idf[c].astype(np.float64)
    w /= _occurrence_norms(r, w, n)[r]
    x = sp.csr_matrix((w, (r, c)), shape=(n, idf.shape[0]))
    x.sum_duplicates()
    return sp.csr_matrix(x, dtype=np.float32)


def count_matrix(texts: Sequence[str], n_features: int = N_FEATURES) -> sp.csr_matrix:
    """Raw n-gram counts, for fitting the IDF."""
    r, c = hashed_entries(texts, n_features)
    x = sp.csr_matrix((np.ones(r.shape[0], dtype=np.float32), (r, c)), shape=(len(texts), n_features))
    x.sum_duplicates()
    return x


def fit_idf(x: sp.csr_matrix) -> np.ndarray:
    """Smoothed IDF from counts, as scikit-learn computes it."""
    n = x.shape[0]
    df = np.bincount(x.indices, minlength=x.shape[1])
    idf: np.ndarray = (np.log((1 + n) / (1 + df)) + 1).astype(np.float32)
    return idf


def linear_scores(
    texts: Sequence[str], idf: np.ndarray, coef: np.ndarray, intercept: np.ndarray
) -> np.ndarray:
    """Decision values (texts × models) of linear models over TF-IDF rows.

    Per text: sum over n-gram occurrences of idf·coef, divided by the text's norm (see
    ``_occurrence_norms``). ``scoring_table`` folds idf into the weights once.
    """
    return scores_with_table(texts, scoring_table(idf, coef), intercept)


def scoring_table(idf: np.ndarray, coef: np.ndarray) -> np.ndarray:
    """(n_features, n_models + 1) float32: idf·coef per model, then idf² for the norm.

    float32 halves the memory the scoring product reads (docs/decisions.md); a text's sums are
    over at most a few thousand terms, far inside float32's precision for a 0.5 threshold."""
    n, k = coef.shape
    table = np.empty((n, k + 1), dtype=np.float32)
    np.multiply(idf[:, None], coef, out=table[:, :k], dtype=np.float32, casting="unsafe")
    np.square(idf, out=table[:, k], dtype=np.float32, casting="unsafe")
    return table


# Length buckets (normalised characters): < 5, 5-9, 10-14, 15-19, 20-29, >= 30. A model may carry one
# offset per bucket and label: very short texts ("联系电话：…", "好的") are rarely advertisements.
LENGTH_EDGES = np.array([5, 10, 15, 20, 30])
N_LENGTH_BUCKETS = len(LENGTH_EDGES) + 1


def length_buckets(texts: Sequence[str]) -> np.ndarray:
    """Length bucket (0 … N_LENGTH_BUCKETS - 1) of every text."""
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    return np.searchsorted(LENGTH_EDGES, lengths, side="right")


def length_matrix(texts: Sequence[str]) -> sp.csr_matrix:
    """One-hot length buckets, for training the per-bucket offsets."""
    n = len(texts)
    b = length_buckets(texts)
    return sp.csr_matrix((np.ones(n, dtype=np.float32), (np.arange(n), b)), shape=(n, N_LENGTH_BUCKETS))


def scores_with_table(
    texts: Sequence[str], table: np.ndarray, intercept: np.ndarray, length_coef: np.ndarray | None = None
) -> np.ndarray:
    """Decision values from a ``scoring_table``: one sparse × dense product per n-gram length,
    plus, if given, the offset of each text's length bucket (``length_coef``: buckets × models)."""
    n = len(texts)
    k = table.shape[1] - 1
    out = np.zeros((n, k + 1), dtype=table.dtype)
    if n == 0:
        empty: np.ndarray = out[:, :k] + intercept
        return empty
    n_features = table.shape[0]
    for rows, buckets in _ngram_buckets(texts, n_features):  # rows sorted: positions run in text order
        cols = buckets.astype(np.int32)
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
        x = sp.csr_matrix((np.ones(cols.shape[0], dtype=table.dtype), cols, indptr), shape=(n, n_features))
        out += x @ table
    sums = out.astype(np.float64)
    norms = np.sqrt(sums[:, k])
    norms[norms == 0] = 1.0
    scores: np.ndarray = sums[:, :k] / norms[:, None] + intercept
    if length_coef is not None:
        scores += length_coef[length_buckets(texts)]
    return scores
