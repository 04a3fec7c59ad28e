"""Vectorised MinHash over character shingles, and LSH banding that links near-duplicates.

Pure numpy: the strings are laid end to end as UTF-32 code points, every shingle gets a
64-bit hash, and each of ``num_perm`` multiply-shift hash functions is minimised per
document with ``np.minimum.reduceat``. Candidate pairs come from LSH bands and are kept
only when their estimated Jaccard similarity reaches the threshold; connected components
of the kept pairs are the groups.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

_U64 = np.uint64
_MIX1 = _U64(0xBF58476D1CE4E5B9)
_MIX2 = _U64(0x94D049BB133111EB)
_CHUNK_SHINGLES = 2_000_000
# containment alone never merges a pair less similar than this
JAC_FLOOR = 0.45


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser (wrapping uint64 arithmetic)."""
    x = x ^ (x >> _U64(30))
    x = x * _MIX1
    x = x ^ (x >> _U64(27))
    x = x * _MIX2
    x = x ^ (x >> _U64(31))
    return x


def _shingle_hashes(docs: Sequence[str], k: int) -> tuple[np.ndarray, np.ndarray]:
    """Hashes of every k-character shingle, and each document's first shingle index.

    A document shorter than k gives one shingle (itself, padded); an empty one gives one
    shingle of padding, so that every document has at least one.
    """
    pad = "\x00" * (k - 1)
    padded = [d + pad if len(d) >= k else d.ljust(k, "\x00") + pad for d in docs]
    lengths = np.fromiter((len(d) for d in padded), dtype=np.int64, count=len(padded))
    codes = np.frombuffer("".join(padded).encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    n_shingles = lengths - (k - 1)
    doc_start = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    starts = np.repeat(doc_start, n_shingles) + (
        np.arange(int(n_shingles.sum())) - np.repeat(np.cumsum(n_shingles) - n_shingles, n_shingles)
    )
    h = np.zeros(starts.shape[0], dtype=np.uint64)
    for j in range(k):
        h = _mix(h ^ codes[starts + j] ^ _U64(j + 1))
    offsets = np.concatenate(([0], np.cumsum(n_shingles)[:-1])).astype(np.int64)
    return h, offsets


def minhash_signatures(docs: Sequence[str], num_perm: int = 64, k: int = 3, seed: int = 1) -> np.ndarray:
    """A (len(docs), num_perm) uint32 MinHash signature matrix over k-character shingles."""
    rng = np.random.default_rng(seed)
    a = rng.integers(1, 2**63, size=num_perm, dtype=np.uint64) | _U64(1)
    b = rng.integers(0, 2**63, size=num_perm, dtype=np.uint64)
    sig = np.empty((len(docs), num_perm), dtype=np.uint32)
    lo = 0
    while lo < len(docs):
        # a chunk of documents with about _CHUNK_SHINGLES shingles
        hi, total = lo, 0
        while hi < len(docs) and (total == 0 or total + len(docs[hi]) + 1 <= _CHUNK_SHINGLES):
            total += max(len(docs[hi]), 1)
            hi += 1
        h, offsets = _shingle_hashes(docs[lo:hi], k)
        for p in range(num_perm):
            v = ((a[p] * h + b[p]) >> _U64(32)).astype(np.uint32)
            sig[lo:hi, p] = np.minimum.reduceat(v, offsets)
        lo = hi
    return sig


def _band_keys(sig: np.ndarray, bands: int) -> np.ndarray:
    rows = sig.shape[1] // bands
    out = np.empty((sig.shape[0], bands), dtype=np.uint64)
    for band in range(bands):
        h = np.full(sig.shape[0], band + 1, dtype=np.uint64)
        for r in range(band * rows, (band + 1) * rows):
            h = _mix(h ^ sig[:, r].astype(np.uint64))
        out[:, band] = h
    return out


def band_keys(sig: np.ndarray, bands: int) -> np.ndarray:
    """A (len(sig), bands) uint64 matrix: each document's LSH bucket key in every band."""
    return _band_keys(sig, bands)


def candidate_pairs(sig: np.ndarray, bands: int = 16) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (i, j) that share at least one LSH band: each bucket as a star and a chain."""
    keys = _band_keys(sig, bands)
    left: list[np.ndarray] = []
    right: list[np.ndarray] = []
    for band in range(bands):
        order = np.argsort(keys[:, band], kind="stable")
        sk = keys[order, band]
        same = sk[1:] == sk[:-1]
        if not same.any():
            continue
        group_start = np.maximum.accumulate(np.where(np.concatenate(([True], ~same)), np.arange(len(sk)), 0))
        idx = np.nonzero(same)[0] + 1
        left += [order[group_start[idx]], order[idx - 1]]
        right += [order[idx], order[idx]]
    if not left:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty
    a, b = np.concatenate(left).astype(np.int64), np.concatenate(right).astype(np.int64)
    n = np.int64(sig.shape[0])
    codes = np.unique(np.minimum(a, b) * n + np.maximum(a, b))
    i, j = codes // n, codes % n
    keep = i != j
    return i[keep], j[keep]


def estimated_jaccard(sig: np.ndarray, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Share of equal signature positions per pair: an estimate of Jaccard similarity."""
    out = np.empty(len(i), dtype=np.float64)
    step = 200_000
    for lo in range(0, len(i), step):
        out[lo : lo + step] = (sig[i[lo : lo + step]] == sig[j[lo : lo + step]]).mean(axis=1)
    return out


def estimated_containment(jaccard: np.ndarray, size_i: np.ndarray, size_j: np.ndarray) -> np.ndarray:
    """Share of the smaller set inside the larger, from Jaccard and the set sizes.

    |A∩B| = J·(|A|+|B|)/(1+J); a message that drops a phrase of its campaign's template
    is almost wholly contained in it even when their Jaccard similarity is low.
    """
    inter = jaccard * (size_i + size_j) / (1.0 + jaccard)
    share: np.ndarray = np.minimum(inter / np.maximum(np.minimum(size_i, size_j), 1), 1.0)
    return share


def near_duplicate(
    jac: np.ndarray,
    size_i: np.ndarray,
    size_j: np.ndarray,
    threshold: float,
    containment: float,
    min_contained: int,
) -> np.ndarray:
    """Which candidate pairs are near-duplicates (see near_duplicate_groups); shared with the Spark path."""
    keep: np.ndarray = jac >= threshold
    if containment <= 1.0 and len(jac):
        contained = estimated_containment(jac, size_i, size_j) >= containment
        keep |= contained & (np.minimum(size_i, size_j) >= min_contained) & (jac >= JAC_FLOOR)
    return keep


def near_duplicate_groups(
    docs: Sequence[str],
    threshold: float = 0.5,
    num_perm: int = 64,
    bands: int = 16,
    k: int = 3,
    seed: int = 1,
    containment: float = 1.1,
    min_contained: int = 16,
) -> np.ndarray:
    """A group id per document: connected components of near-duplicate pairs.

    A pair is near-duplicate when its estimated Jaccard similarity reaches ``threshold``,
    or when the shorter document (of at least ``min_contained`` characters) lies within the
    longer one to at least ``containment`` (off by default: a value above 1).
    """
    n = len(docs)
    if n == 0:
        return np.empty(0, dtype=np.int64)
    sig = minhash_signatures(docs, num_perm=num_perm, k=k, seed=seed)
    i, j = candidate_pairs(sig, bands=bands)
    jac = estimated_jaccard(sig, i, j)
    sizes = np.fromiter((len(d) for d in docs), dtype=np.float64, count=n)
    keep = near_duplicate(jac, sizes[i], sizes[j], threshold, containment, min_contained)
    i, j = i[keep], j[keep]
    graph = coo_matrix((np.ones(len(i), dtype=np.int8), (i, j)), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    out: np.ndarray = labels.astype(np.int64)
    return out
