"""Clustering quality against a known grouping: adjusted Rand index and template purity."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.metrics import adjusted_rand_score


def _codes(labels: Sequence[object] | np.ndarray) -> np.ndarray:
    _, inverse = np.unique(np.asarray([str(x) for x in labels]), return_inverse=True)
    return inverse.astype(np.int64)


def adjusted_rand(truth: Sequence[object] | np.ndarray, pred: Sequence[object] | np.ndarray) -> float:
    """Adjusted Rand index of predicted campaigns against the true ones (1 = identical)."""
    return float(adjusted_rand_score(_codes(truth), _codes(pred)))


def purity(truth: Sequence[object] | np.ndarray, pred: Sequence[object] | np.ndarray) -> float:
    """Template purity: share of messages whose predicted campaign's majority true template is theirs.

    1.0 means no predicted campaign mixes two true templates. Splitting a true campaign in
    two keeps purity at 1.0; :func:`inverse_purity` measures that.
    """
    t, p = _codes(truth), _codes(pred)
    if len(t) == 0:
        return 1.0
    table = np.zeros((p.max() + 1, t.max() + 1), dtype=np.int64)
    np.add.at(table, (p, t), 1)
    return float(table.max(axis=1).sum() / len(t))


def inverse_purity(truth: Sequence[object] | np.ndarray, pred: Sequence[object] | np.ndarray) -> float:
    """Share of messages in the largest predicted piece of their true campaign (1 = none split)."""
    return purity(pred, truth)
