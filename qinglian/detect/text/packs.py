"""The text rules of a case's industry packs (qinglian/packs), run beside the built-in ones.

The built-in rules and detectors (rules.py, detectors.py) are the ``loans`` pack and are not touched:
a pack's rules run through their own matcher over the same normalised batch, and each distinct
matching rule adds its weight to its label's log-odds, as a built-in rule does (detectors._combine).
So a case with only built-in packs scores exactly as before, and a pack is data, not code.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import numpy as np

from qinglian.detect.text.detectors import anti_fraud_warning
from qinglian.detect.text.hits import Hit, add_hits
from qinglian.detect.text.matcher import Matcher, build_matcher
from qinglian.detect.text.normalize import normalize_fast
from qinglian.detect.text.rules import LABELS, Rule
from qinglian.errors import QinglianError
from qinglian.laws import catalog
from qinglian.packs import DEFAULT_PACKS, extra_rules, pack_dirs

# Labels whose pack rules do not count in a short anti-fraud warning ("谨防冒充住建局"), as for the
# built-in impersonation and fraud rules (detectors.impersonation, detectors._fraud).
_WARNING_OFF = (LABELS.index("impersonation"), LABELS.index("fraud"))


@dataclass(frozen=True)
class PackRules:
    """The rules a set of packs adds, with their matcher and per-rule label index and weight."""

    names: tuple[str, ...]
    rules: tuple[Rule, ...]
    matcher: Matcher
    label: np.ndarray
    weight: np.ndarray

    def __len__(self) -> int:
        return len(self.rules)


def _rule(r: object) -> Rule:
    from qinglian.packs import PackRule

    assert isinstance(r, PackRule)
    # keywords are written plainly in the pack; the matcher sees normalised text ("0元" -> "#元")
    return Rule(r.id, r.label, r.weight, r.laws, r.doc, tuple(dict.fromkeys(normalize_fast(k) for k in r.keywords)),
                r.pattern, tuple(dict.fromkeys(normalize_fast(k) for k in r.requires)))


def _check_laws(rules: Sequence[Rule]) -> None:
    cat = catalog()
    for r in rules:
        for pid in r.laws:
            try:
                cat.get(pid)
            except KeyError as exc:
                raise QinglianError(f"行业包规则 {r.id} 引用了法规目录中没有的条文 {pid}",
                                    f"pack rule {r.id} cites {pid}, which is not in the legal catalog") from exc


@lru_cache(maxsize=16)
def _pack_rules(names: tuple[str, ...], dirs: tuple[object, ...]) -> PackRules | None:
    del dirs  # part of the cache key only: a pack folder added to QINGLIAN_PACK_DIRS is read afresh
    rules = tuple(_rule(r) for r in extra_rules(names))
    if not rules:
        return None
    _check_laws(rules)
    return PackRules(names, rules, build_matcher(rules),
                     np.array([LABELS.index(r.label) for r in rules], dtype=np.int64),
                     np.array([r.weight for r in rules], dtype=np.float64))


def pack_rules(names: Sequence[str] = DEFAULT_PACKS) -> PackRules | None:
    """The rules the packs ``names`` add to the built-in ones (None when they add none)."""
    return _pack_rules(tuple(names), tuple(pack_dirs()))


@lru_cache(maxsize=16)
def _citations(names: tuple[str, ...], dirs: tuple[object, ...], on: date | None) -> tuple[tuple[str, ...], ...]:
    rules = _pack_rules(names, dirs)
    if rules is None:
        return ()
    cat = catalog()
    return tuple(tuple(cat.get(pid).cite(on) for pid in r.laws) for r in rules.rules)


def rule_citations(names: Sequence[str], on: date | None) -> tuple[tuple[str, ...], ...]:
    """Per pack rule (in PackRules.rules order), its provisions' citations in force on ``on``."""
    return _citations(tuple(names), tuple(pack_dirs()), on)


def _logit(p: np.ndarray) -> np.ndarray:
    q = np.clip(p, 1e-12, 1 - 1e-12)
    out: np.ndarray = np.log(q / (1 - q))
    return out


def apply_packs(
    texts: Sequence[str], norm: list[str], scores: np.ndarray, hits: list[list[Hit]],
    names: Sequence[str], on: date | None,
) -> None:
    """Add the packs' rule evidence to ``scores`` (in place, in log-odds) and their hits to ``hits``."""
    rules = pack_rules(names)
    if rules is None or not texts:
        return
    m = rules.matcher.find(norm)
    if not len(m):
        return
    n_rules = len(rules)
    pairs = np.unique(m.text * n_rules + m.rule)
    t_, r_ = pairs // n_rules, pairs % n_rules
    labels = rules.label[r_]
    weights = rules.weight[r_].copy()
    off = np.isin(labels, _WARNING_OFF)
    if off.any():
        warning = anti_fraud_warning(norm)
        weights[off & warning[t_]] = 0.0
    add = np.zeros_like(scores)
    np.add.at(add, (t_, labels), weights)
    touched = add != 0
    if touched.any():
        scores[touched] = 1.0 / (1.0 + np.exp(-np.clip(_logit(scores[touched]) + add[touched], -30, 30)))
    add_hits(hits, texts, norm, m, rules.rules, rule_citations(names, on))
