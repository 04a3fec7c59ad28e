"""The shipped statistical model: hashed char 1-3-gram TF-IDF and one linear model per label, plus an
optional offset per label and text-length bucket (features.LENGTH_EDGES; trained for ``marketing``,
``marketing_sms`` and labels trained with ``--nbsvm``, zero for the others; see
qinglian/training/train.py and docs/model-card.md).

Stored in qinglian/detect/models/text_model.npz (float16 weights, a few MB), written by
``make model`` (qinglian.training.train) and loaded once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

import numpy as np

from qinglian.detect.text.features import N_LENGTH_BUCKETS, scores_with_table, scoring_table
from qinglian.errors import QinglianError

MODEL_PATH = Path(__file__).resolve().parents[1] / "models" / "text_model.npz"


@dataclass(frozen=True, eq=False)
class TextModel:
    labels: tuple[str, ...]
    idf: np.ndarray  # (n_features,) float32
    coef: np.ndarray  # (n_features, n_labels) float32
    intercept: np.ndarray  # (n_labels,) float64
    version: str
    length_coef: np.ndarray | None = None  # (N_LENGTH_BUCKETS, n_labels) float64: offset per length bucket

    @cached_property
    def table(self) -> np.ndarray:
        return scoring_table(self.idf, self.coef)

    def logits(self, texts: Sequence[str]) -> dict[str, np.ndarray]:
        """Log-odds per label for already normalised texts."""
        scores = scores_with_table(texts, self.table, self.intercept, self.length_coef)
        return {label: scores[:, j] for j, label in enumerate(self.labels)}

    def save(self, path: Path = MODEL_PATH) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(
            path,
            labels=np.array(self.labels),
            idf=self.idf.astype(np.float16),
            coef=self.coef.astype(np.float16),
            intercept=self.intercept.astype(np.float64),
            version=np.array(self.version),
            length_coef=(
                np.zeros((N_LENGTH_BUCKETS, len(self.labels)))
                if self.length_coef is None
                else self.length_coef
            ).astype(np.float64),
        )


def load_model(path: Path = MODEL_PATH) -> TextModel:
    if not path.exists():
        raise QinglianError(
            "缺少文本模型文件",
            "the text model file is missing",
            file=str(path),
            hint_zh="运行 make model 重新训练",
            hint_en="run `make model` to train it",
        )
    with np.load(path) as z:
        return TextModel(
            labels=tuple(str(x) for x in z["labels"]),
            idf=z["idf"].astype(np.float32),
            coef=np.ascontiguousarray(z["coef"].astype(np.float32)),
            intercept=z["intercept"].astype(np.float64),
            version=str(z["version"]),
            # all-zero offsets (no label trained with them) are skipped at scoring time
            length_coef=(z["length_coef"].astype(np.float64)
                         if "length_coef" in z.files and np.any(z["length_coef"]) else None),
        )


@lru_cache(maxsize=1)
def shipped_model() -> TextModel:
    return load_model()
