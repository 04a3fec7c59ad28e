"""The packs on their evaluation sets: no lawful generated text is accused, each pack finds most of
its generated breaches, and no normal (non-advertising) public SMS of the industry is flagged by a
pack's rules (bench/eval_packs.py prints the full figures)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from qinglian.detect.text.engine import classify_batch
from qinglian.detect.text.normalize import normalize_batch, normalize_fast
from qinglian.labels import LABELS
from qinglian.packs import load_pack
from qinglian.training.corpora import cn_sms_spam
from qinglian.training.packs_eval import generated

INDUSTRIES = ("education", "real_estate", "renovation")
ACCUSING = [LABELS.index(lb) for lb in ("false_promise", "impersonation", "fraud")]


@pytest.mark.parametrize("pack", INDUSTRIES)
def test_generated_lawful_texts_are_never_accused_and_breaches_mostly_found(pack: str) -> None:
    ex = generated(pack)
    scores = classify_batch([e.text for e in ex], packs=("loans", pack)).scores >= 0.5
    lawful = np.array([e.label == "" for e in ex])
    assert not scores[lawful][:, ACCUSING].any()
    for label in ("false_promise", "impersonation"):
        gold = np.array([e.label == label for e in ex])
        assert scores[gold, LABELS.index(label)].mean() >= 0.5, label


def test_no_normal_public_sms_of_an_industry_is_flagged_by_its_pack(shared_data: Path) -> None:
    corpus = cn_sms_spam(shared_data)
    norm = normalize_batch(corpus.texts)
    for pack in INDUSTRIES:
        vocab = [normalize_fast(w) for w in load_pack(pack).vocabulary]
        normal = [corpus.texts[i] for i, n in enumerate(norm)
                  if corpus.labels["marketing"][i] == 0 and any(w in n for w in vocab)]
        assert len(normal) > 100
        res = classify_batch(normal, packs=("loans", pack))
        for i, hits in enumerate(res.hits):
            own = {h.label for h in hits if h.rule.startswith(pack + ".")} & {"false_promise", "impersonation"}
            assert not any(res.labels(i)[lb] >= 0.5 for lb in own), (pack, i)
