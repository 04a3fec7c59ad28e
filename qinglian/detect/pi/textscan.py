"""Free-text part of the inventory: PI found in one text, attributed to data subjects.

A number that identifies a person (mobile, fixed line, ID number) is a subject itself, with
its category. Other PI (names, addresses, employers, debts, bank cards) belongs to the
subjects named on the same line, else to the row's own subject (the callee of a transcript,
the recipient of an SMS), else to the subjects named anywhere in the text; with no subject
at all it is counted as unattributed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from qinglian.detect.pi.patterns import MASK_KIND, PIMatch, extract, extract_cell


@dataclass(frozen=True)
class Hit:
    subject: str | None
    category: str
    sample: str
    mask: str


def attribute(matches: list[PIMatch], text: str, anchor: str | None, exclude: str | None) -> list[Hit]:
    hits: list[Hit] = []
    numbered = [m for m in matches if m.subject and m.subject != exclude]
    for m in numbered:
        hits.append(Hit(m.subject, m.category, m.value, MASK_KIND[m.kind]))
    others = [m for m in matches if not m.subject]
    if not others:
        return hits
    all_subjects = sorted({m.subject for m in numbered if m.subject})
    line_starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]

    def line_of(pos: int) -> int:
        return sum(1 for s in line_starts if s <= pos) - 1

    by_line: dict[int, set[str]] = {}
    for m in numbered:
        if m.subject:
            by_line.setdefault(line_of(m.start), set()).add(m.subject)
    for m in others:
        targets: list[str | None] = [*sorted(by_line.get(line_of(m.start), set()))] if len(line_starts) > 1 else []
        if not targets:
            targets = [anchor] if anchor else [*all_subjects]
        if not targets:
            targets = [None]
        for subject in targets:
            hits.append(Hit(subject, m.category, m.value, MASK_KIND[m.kind]))
    return hits


def scan_text(text: str | None, anchor: str | None = None, exclude: str | None = None,
              matches: list[PIMatch] | None = None) -> list[Hit]:
    """Hits in one free text; ``anchor`` is the row's own subject, ``exclude`` a number that is not one.

    ``matches``: ``extract(text)`` when the caller has it already (texts repeat from row to row)."""
    if not text:
        return []
    return attribute(extract(text) if matches is None else matches, text, anchor, exclude)


def json_cell_matches(extra: str) -> tuple[list[PIMatch], str]:
    """The matches in the unknown columns of a row (the ``extra`` JSON object: header -> value),
    with the text that ``attribute`` reads their lines from ('' for cells: one cell per line)."""
    try:
        cells = json.loads(extra)
    except ValueError:
        return extract(extra), extra
    if not isinstance(cells, dict):
        return extract(extra), extra
    matches: list[PIMatch] = []
    for header, value in cells.items():
        if value is None or isinstance(value, bool):
            continue
        text = value if isinstance(value, str) else str(value)
        # One cell per line: PI in a cell belongs with the numbers of the same row (anchor).
        matches.extend(extract_cell(str(header), text))
    return matches, ""


def scan_json_cells(extra: str | None, anchor: str | None = None) -> list[Hit]:
    """Hits in the unknown columns of a row (the ``extra`` JSON object: header -> value)."""
    if not extra:
        return []
    matches, text = json_cell_matches(extra)
    return attribute(matches, text, anchor, None)


def pi_in_texts(texts: list[str], json_cells: bool) -> dict[str, tuple[list[PIMatch], str]]:
    """The texts that hold PI, with their matches and the text ``attribute`` reads their lines
    from (``json_cells``: the texts are ``extra`` JSON objects of unknown columns)."""
    out: dict[str, tuple[list[PIMatch], str]] = {}
    for text in texts:
        got = json_cell_matches(text) if json_cells else (extract(text), text)
        if got[0]:
            out[text] = got
    return out
