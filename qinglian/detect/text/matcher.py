"""Find every rule's matches in a batch of normalised texts at once.

Keywords of all rules go into one Aho-Corasick automaton run over the newline-joined batch;
pattern rules run as regular expressions over the same string. Matches come back as arrays
(text index, rule index, start, end) in each text's normalised coordinates.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import ahocorasick
import numpy as np

from qinglian.detect.text.rules import RULES, Rule


@dataclass(frozen=True)
class Matches:
    text: np.ndarray  # int64, index of the text in the batch
    rule: np.ndarray  # int64, index into RULES
    start: np.ndarray  # int64, start in the normalised text
    end: np.ndarray  # int64, end (exclusive)

    def __len__(self) -> int:
        return int(self.text.shape[0])


@dataclass(frozen=True)
class Matcher:
    rules: tuple[Rule, ...]
    automaton: ahocorasick.Automaton
    patterns: tuple[tuple[int, re.Pattern[str]], ...]

    def find(self, texts: Sequence[str]) -> Matches:
        joined = "\n".join(texts)
        offsets = np.zeros(len(texts) + 1, dtype=np.int64)
        np.cumsum([len(t) + 1 for t in texts], out=offsets[1:])
        rule_ids: list[int] = []
        starts: list[int] = []
        ends: list[int] = []
        if len(self.automaton):
            for end, (length, ids) in self.automaton.iter(joined):
                for rid in ids:
                    rule_ids.append(rid)
                    starts.append(end - length + 1)
                    ends.append(end + 1)
        for rid, pattern in self.patterns:
            for m in pattern.finditer(joined):
                if m.end() > m.start():
                    rule_ids.append(rid)
                    starts.append(m.start())
                    ends.append(m.end())
        s = np.asarray(starts, dtype=np.int64)
        e = np.asarray(ends, dtype=np.int64)
        t = np.searchsorted(offsets, s, side="right") - 1
        base = offsets[t]
        return Matches(t, np.asarray(rule_ids, dtype=np.int64), s - base, e - base)


def build_matcher(rules: Sequence[Rule] = RULES) -> Matcher:
    automaton = ahocorasick.Automaton()
    words: dict[str, list[int]] = {}
    patterns: list[tuple[int, re.Pattern[str]]] = []
    for i, rule in enumerate(rules):
        for kw in rule.keywords:
            words.setdefault(kw, []).append(i)
        if rule.pattern:
            # ^ and $ anchor at each text of the batch (texts are joined by newlines)
            patterns.append((i, re.compile(rule.pattern, re.M)))
    for kw, ids in words.items():
        automaton.add_word(kw, (len(kw), tuple(ids)))
    if words:
        automaton.make_automaton()
    return Matcher(tuple(rules), automaton, tuple(patterns))


@lru_cache(maxsize=1)
def default_matcher() -> Matcher:
    return build_matcher(RULES)
