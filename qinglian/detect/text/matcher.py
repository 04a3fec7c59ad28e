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
    gated: frozenset[int]  # pattern rules with a pre-filter

    def find(self, texts: Sequence[str]) -> Matches:
        joined = "\n".join(texts)
        offsets = np.zeros(len(texts) + 1, dtype=np.int64)
        np.cumsum([len(t) + 1 for t in texts], out=offsets[1:])
        rule_ids: list[int] = []
        starts: list[int] = []
        ends: list[int] = []
        trigger_pos: dict[int, list[int]] = {}  # pattern rule -> positions of its pre-filter words
        if len(self.automaton):
            for end, (length, ids, gated) in self.automaton.iter(joined):
                for rid in ids:
                    rule_ids.append(rid)
                    starts.append(end - length + 1)
                    ends.append(end + 1)
                for rid in gated:
                    trigger_pos.setdefault(rid, []).append(end)
        for rid, pattern in self.patterns:
            if rid in self.gated:
                pos = trigger_pos.get(rid)
                if not pos:
                    continue
                cand = np.unique(np.searchsorted(offsets, np.asarray(pos), side="right") - 1)
                if cand.shape[0] < len(texts) // 2:
                    self._run_on(pattern, rid, texts, cand, offsets, rule_ids, starts, ends)
                    continue
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

    @staticmethod
    def _run_on(
        pattern: re.Pattern[str],
        rid: int,
        texts: Sequence[str],
        cand: np.ndarray,
        offsets: np.ndarray,
        rule_ids: list[int],
        starts: list[int],
        ends: list[int],
    ) -> None:
        """Run a pattern on the candidate texts only, reporting positions in the full batch."""
        idx = cand.tolist()
        sub = "\n".join(texts[i] for i in idx)
        sub_off = np.zeros(len(idx) + 1, dtype=np.int64)
        np.cumsum([len(texts[i]) + 1 for i in idx], out=sub_off[1:])
        for m in pattern.finditer(sub):
            if m.end() > m.start():
                k = int(np.searchsorted(sub_off, m.start(), side="right") - 1)
                shift = int(offsets[idx[k]] - sub_off[k])
                rule_ids.append(rid)
                starts.append(m.start() + shift)
                ends.append(m.end() + shift)


def build_matcher(rules: Sequence[Rule] = RULES) -> Matcher:
    automaton = ahocorasick.Automaton()
    words: dict[str, tuple[list[int], list[int]]] = {}
    patterns: list[tuple[int, re.Pattern[str]]] = []
    gated: set[int] = set()
    for i, rule in enumerate(rules):
        for kw in rule.keywords:
            words.setdefault(kw, ([], []))[0].append(i)
        if rule.pattern:
            # ^ and $ anchor at each text of the batch (texts are joined by newlines)
            patterns.append((i, re.compile(rule.pattern, re.M)))
            for kw in rule.requires:
                words.setdefault(kw, ([], []))[1].append(i)
            if rule.requires:
                gated.add(i)
    for kw, (ids, gates) in words.items():
        automaton.add_word(kw, (len(kw), tuple(ids), tuple(sorted(set(gates)))))
    if words:
        automaton.make_automaton()
    return Matcher(tuple(rules), automaton, tuple(patterns), frozenset(gated))


@lru_cache(maxsize=1)
def default_matcher() -> Matcher:
    return build_matcher(RULES)
