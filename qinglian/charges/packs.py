"""The wording of a charge from the industry pack of its party (qinglian/packs).

A party's pack is the industry pack whose rules its texts hit most; failing that, the pack whose
vocabulary most of its outgoing SMS and calls use (a built-in pack winning means the built-in wording);
in a case with one industry pack and no built-in one, every party is of that pack. Where the party's pack words a conduct, the charge
takes its name, its facts and the pack's provisions beside the conduct's own; otherwise the wording
of qinglian/charges/conduct.py stands (the loans pack), so a loans case is charged as before.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import duckdb

from qinglian.charges.conduct import Conduct
from qinglian.charges.detect import REPLY_STATUS_RE
from qinglian.packs import Pack, load_packs
from qinglian.store.db import columns_of

if TYPE_CHECKING:
    from qinglian.charges.detect import Candidate
    from qinglian.store.case import Case


@dataclass(frozen=True)
class Said:
    zh: str
    en: str
    breach: tuple[str, ...]


@dataclass
class Wording:
    by_holder: dict[str, Pack] = field(default_factory=dict)
    default: Pack | None = None

    def pack_of(self, holder: str) -> Pack | None:
        return self.by_holder.get(holder, self.default)

    def apply(self, c: Candidate, conduct: Conduct) -> Said:
        """The candidate's conduct name and provisions; its facts and scale take the pack's words."""
        pack = self.pack_of(c.holder)
        if pack is None:
            return Said(conduct.zh, conduct.en, conduct.breach)
        c.scale.setdefault("party_zh", pack.party_zh)
        c.scale.setdefault("party_en", pack.party_en)
        w = pack.conducts.get(c.conduct)
        if w is None:
            return Said(conduct.zh, conduct.en, conduct.breach)
        rows = c.scale.get("rows")
        if w.facts_zh and w.facts_en and isinstance(rows, int) and c.source.startswith("findings."):
            c.facts = (w.facts_zh.format(n=rows), w.facts_en.format(n=rows))
        return Said(w.zh, w.en, tuple(dict.fromkeys((*conduct.breach, *w.provisions))))


def case_wording(case: Case, con: duckdb.DuckDBPyConnection) -> Wording:
    """Each party's industry pack, from the case's packs and the pack rules its findings hit."""
    packs = load_packs(case.packs)
    industry = [p for p in packs if not p.builtin_rules]
    if not industry:
        return Wording()
    default = industry[0] if len(industry) == 1 and len(packs) == 1 else None
    by_holder: dict[str, Pack | None] = {}
    if columns_of(con, "findings"):
        names = {p.name: p for p in industry}
        best: dict[str, int] = {}
        for holder, prefix, n in con.execute(
            """SELECT holder, split_part(rule, '.', 1) AS pack, count(*) FROM findings
               WHERE rule IS NOT NULL AND holder IS NOT NULL GROUP BY ALL ORDER BY 3 DESC, 2""").fetchall():
            if prefix in names and int(n) > best.get(str(holder), 0):
                best[str(holder)] = int(n)
                by_holder[str(holder)] = names[prefix]
    for holder, pack in _by_vocabulary(con, packs).items():
        by_holder.setdefault(holder, pack)
    return Wording({h: p for h, p in by_holder.items() if p is not None and not p.builtin_rules}, default)


def _by_vocabulary(con: duckdb.DuckDBPyConnection, packs: tuple[Pack, ...]) -> dict[str, Pack | None]:
    """holder -> the pack whose vocabulary the most of its outgoing SMS and calls use."""
    texts = []
    if columns_of(con, "sms"):
        texts.append(f"SELECT holder, content AS t FROM sms WHERE NOT regexp_matches(coalesce(status, ''), '{REPLY_STATUS_RE}')")
    if columns_of(con, "calls"):
        texts.append("SELECT holder, coalesce(transcript, script) AS t FROM calls")
    usable = [p for p in packs if p.vocabulary]
    if not texts or len(usable) < 2:
        return {}
    counts = ", ".join(f"count(*) FILTER (WHERE regexp_matches(t, ?)) AS n{k}" for k in range(len(usable)))
    params = ["|".join(re.escape(w) for w in p.vocabulary) for p in usable]
    out: dict[str, Pack | None] = {}
    for row in con.execute(f"SELECT holder, {counts} FROM ({' UNION ALL '.join(texts)}) WHERE t IS NOT NULL "
                           "AND holder IS NOT NULL GROUP BY holder", params).fetchall():
        n = [int(x) for x in row[1:]]
        if max(n) > 0 and n.count(max(n)) == 1:
            out[str(row[0])] = usable[n.index(max(n))]
    return out
