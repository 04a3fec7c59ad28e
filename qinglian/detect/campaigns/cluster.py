"""Clustering messages into campaigns: exact grouping on the masked template, then MinHash-LSH.

1. Every message is masked (:mod:`.template`); messages with equal keys are one template.
2. The distinct keys — far fewer than the messages — are MinHashed over character
   shingles (LSH: 21 bands of 3 rows); candidate pairs whose estimated Jaccard
   similarity reaches the threshold (0.6) are merged, transitively (small wording edits,
   a swapped word, an added phrase). Optionally (``Params.containment`` ≤ 1) a pair is
   also merged when the shorter key lies almost wholly within the longer one (a dropped
   phrase); off by default because on generated data it mixed distinct campaigns that
   share most of their phrases (purity 0.92–0.95 instead of 0.99).
3. A campaign's representative template is its most frequent masked text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from qinglian.detect.campaigns.minhash import near_duplicate_groups
from qinglian.detect.campaigns.template import display, fold_key, key_series, mask_series

# Keys shorter than this are too short to compare by shingles; they group only exactly.
MIN_KEY_CHARS = 6


@dataclass(frozen=True)
class Params:
    """Clustering settings; defaults were chosen on generated campaigns (see bench/campaigns.py)."""

    threshold: float = 0.6
    num_perm: int = 63
    bands: int = 21
    shingle: int = 3
    seed: int = 1
    containment: float = 1.1  # share of the shorter key within the longer; > 1 turns it off

    def as_dict(self) -> dict[str, Any]:
        return {
            "threshold": self.threshold,
            "num_perm": self.num_perm,
            "bands": self.bands,
            "shingle": self.shingle,
            "seed": self.seed,
            "containment": self.containment,
        }


@dataclass(frozen=True)
class Clustering:
    """labels: a campaign per message (0 = largest; -1 = empty text); templates[label]; sizes[label]."""

    labels: np.ndarray
    templates: list[str]
    sizes: np.ndarray


def _as_series(texts: Sequence[str | None] | pl.Series | np.ndarray) -> pl.Series:
    if isinstance(texts, pl.Series):
        return texts.cast(pl.Utf8)
    return pl.Series("text", list(texts), dtype=pl.Utf8)


def _masked_keys(texts: pl.Series) -> pl.DataFrame:
    """Row index, masked text and key per message; each distinct text is masked once (campaign
    messages repeat), a missing text as the empty one (masking reads it so)."""
    filled = texts.fill_null("").alias("text")
    distinct = filled.unique(maintain_order=True)
    masked = mask_series(distinct)
    table = pl.DataFrame({"text": distinct, "masked": masked, "key": key_series(masked)})
    return (
        filled.to_frame()
        .with_row_index("i")
        .join(table, on="text", how="left")
        .sort("i")
        .select("i", "masked", "key")
    )


def cluster_texts(
    texts: Sequence[str | None] | pl.Series | np.ndarray, params: Params | None = None
) -> Clustering:
    """Cluster messages into campaigns; see the module docstring."""
    p = params or Params()
    df = _masked_keys(_as_series(texts))
    keys = df.group_by("key").agg(pl.len().alias("n"), pl.col("i").min().alias("first")).sort("first")
    # keys equal once folded (traditional -> simplified, repeated slots as one) are one template;
    # an exact group is named by its first key's index
    first_of: dict[str, int] = {}
    exact = np.array(
        [first_of.setdefault(fold_key(k), i) for i, k in enumerate(keys["key"].to_list())],
        dtype=np.int64,
    )
    distinct = list(first_of)  # in first-appearance order, one per exact group
    distinct_idx = np.fromiter(first_of.values(), dtype=np.int64, count=len(first_of))
    root = np.arange(len(exact), dtype=np.int64)  # exact group -> merged group, by first key index
    long = np.array([len(k) >= MIN_KEY_CHARS for k in distinct], dtype=bool)
    if long.any():
        sub = near_duplicate_groups(
            [k for k, ok in zip(distinct, long, strict=True) if ok],
            threshold=p.threshold,
            num_perm=p.num_perm,
            bands=p.bands,
            k=p.shingle,
            seed=p.seed,
            containment=p.containment,
        )
        members = distinct_idx[long]
        first = np.full(sub.max() + 1, len(exact), dtype=np.int64)
        np.minimum.at(first, sub, members)
        root[members] = first[sub]
    groups = root[exact]
    keys = keys.with_columns(pl.Series("group", groups))
    df = df.join(keys.select("key", "group"), on="key", how="left").sort("i")
    df = df.with_columns(pl.when(pl.col("key") == "").then(-1).otherwise(pl.col("group")).alias("group"))

    # relabel: 0 = largest campaign, ties by first appearance
    sizes = (
        df.filter(pl.col("group") >= 0)
        .group_by("group")
        .agg(pl.len().alias("n"), pl.col("i").min().alias("first"))
        .sort(["n", "first"], descending=[True, False])
        .with_row_index("label")
    )
    df = df.join(sizes.select("group", "label"), on="group", how="left").sort("i")
    labels = df["label"].fill_null(-1).cast(pl.Int64).to_numpy()

    reps = (
        df.filter(pl.col("label").is_not_null())
        .group_by("label", "masked")
        .agg(pl.len().alias("n"), pl.col("i").min().alias("first"))
        .with_columns(pl.col("masked").str.len_chars().alias("chars"))
        # most frequent wording; on a tie the shortest (fewest inserted symbols), then the first
        .sort(["label", "n", "chars", "first"], descending=[False, True, False, False])
        .unique("label", keep="first", maintain_order=True)
    )
    templates = [display(m) for m in reps["masked"].to_list()]
    return Clustering(labels=labels, templates=templates, sizes=sizes["n"].to_numpy())


def cluster_campaigns(
    texts: Sequence[str | None] | pl.Series | np.ndarray, params: Params | None = None
) -> np.ndarray:
    """A campaign label per message (0 = largest campaign, -1 = empty text)."""
    return cluster_texts(texts, params).labels
