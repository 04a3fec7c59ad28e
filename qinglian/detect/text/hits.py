"""A rule hit, and the matcher's spans on normalised text turned into hits on the original text."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from qinglian.detect.text.matcher import Matches
from qinglian.detect.text.normalize import Normalized, normalize
from qinglian.detect.text.rules import Rule


class Hit(NamedTuple):
    label: str
    rule: str
    start: int  # in the original text
    end: int
    laws: tuple[str, ...]  # citations of the provisions in force on the given date
    kind: str | None = None  # the kind of fraud the rule is a sign of (rules.FRAUD_KINDS)


def add_hits(out: list[list[Hit]], texts: Sequence[str], norm: Sequence[str], m: Matches,
             rules: Sequence[Rule], cites: Sequence[tuple[str, ...]]) -> None:
    """Append each distinct (text, rule, span) match to its text's hits, in order of start, rule and
    end, with the span mapped back to the original text where normalising changed its length."""
    if not len(m):
        return
    order = np.lexsort((m.end, m.rule, m.start, m.text))
    t_, r_, s_, e_ = m.text[order], m.rule[order], m.start[order], m.end[order]
    keep = np.ones(t_.shape[0], dtype=bool)  # drop exact repeats (same text, rule and span)
    keep[1:] = (t_[1:] != t_[:-1]) | (r_[1:] != r_[:-1]) | (s_[1:] != s_[:-1]) | (e_[1:] != e_[:-1])
    maps: dict[int, Normalized] = {}
    for t, r, s, e in zip(
        t_[keep].tolist(), r_[keep].tolist(), s_[keep].tolist(), e_[keep].tolist(), strict=True
    ):
        original = texts[t]
        if len(original) != len(norm[t]):
            nm = maps.get(t)
            if nm is None:
                nm = maps[t] = normalize(original)
            s, e = nm.span(s, e)
        rule = rules[r]
        out[t].append(Hit(rule.label, rule.id, s, e, cites[r], rule.kind))
