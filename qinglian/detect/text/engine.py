"""Run the whole text path over a batch: normalise, match rules, score the model, run the detectors,
and map every hit back to a span of the original text.

Everything per batch is vectorised (one regex/translate pass per step over the joined batch, one
Aho-Corasick pass, one hashed n-gram pass); Python runs per *hit*, not per character.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import numpy as np

from qinglian.detect.text.detectors import DETECTORS, TextBatch
from qinglian.detect.text.hits import Hit, add_hits
from qinglian.detect.text.matcher import default_matcher
from qinglian.detect.text.model import TextModel, shipped_model
from qinglian.detect.text.normalize import normalize_batch
from qinglian.detect.text.packs import apply_packs
from qinglian.detect.text.rules import LABELS, RULES
from qinglian.laws import catalog


@dataclass(frozen=True)
class BatchResult:
    texts: Sequence[str]
    scores: np.ndarray  # (n, len(LABELS)) in [0, 1]
    hits: list[list[Hit]]

    def labels(self, i: int) -> dict[str, float]:
        return {label: float(self.scores[i, j]) for j, label in enumerate(LABELS)}


@lru_cache(maxsize=16)
def rule_citations(on: date | None) -> tuple[tuple[str, ...], ...]:
    """Per rule (in RULES order), the citations of its provisions in force on ``on`` (today if None)."""
    cat = catalog()
    return tuple(tuple(cat.get(pid).cite(on) for pid in rule.laws) for rule in RULES)


def classify_batch(
    texts: Sequence[str], on: date | None = None, model: TextModel | None = None, packs: Sequence[str] = ()
) -> BatchResult:
    """Scores for all eight labels and the rule hits (original spans) of every text of a batch; the
    rules of the industry ``packs`` (qinglian/packs) are added to the built-in ones."""
    model = model or shipped_model()
    norm = normalize_batch(texts)
    matches = default_matcher().find(norm)
    batch = TextBatch(norm, matches, model.logits(norm))
    scores = np.zeros((len(texts), len(LABELS)), dtype=np.float64)
    for j, det in enumerate(DETECTORS):
        scores[:, j] = det.func(batch).scores
    hits = _hits(texts, norm, batch, on)
    if packs:
        apply_packs(texts, norm, scores, hits, packs, on)
    return BatchResult(texts, scores, hits)


def _hits(texts: Sequence[str], norm: list[str], batch: TextBatch, on: date | None) -> list[list[Hit]]:
    out: list[list[Hit]] = [[] for _ in texts]
    add_hits(out, texts, norm, batch.matches, RULES, rule_citations(on))
    return out


def classify_texts(texts: Sequence[str], on: date | None = None) -> BatchResult:
    """Convenience for small inputs (tests, the web UI): same as classify_batch."""
    return classify_batch(list(texts), on)
