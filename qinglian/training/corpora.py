"""Reading the labelled corpora in ../shared/data and splitting them without template leakage.

Used by training (``make model``) and by bench/eval_text.py; never at run time.

Splits are by *template group*: texts are normalised (digits and ``x`` masks become ``#``), runs of
``#``, spaces and punctuation are collapsed, and texts are joined into one group (union-find) when they
share the collapsed form, its first or last third (at least 12 characters), or are near-duplicates by
character 3-gram shingles (Jaccard >= 0.4, or >= 70 % of the shorter text's shingles in the longer,
the shorter having at least 8): variants of one template that differ in names, codes, links, a prefix
such as "//转自…" or a signature. A group's split is decided by a hash of its smallest member, so
every variant of a template lands on the same side, reproducibly.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from qinglian.detect.text.normalize import normalize_batch

DEFAULT_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"

# Impersonation in teleantifraud: these fraud types present as a bank, platform or courier
# customer service or an authority. 绑架诈骗 (a "friend of your son") and 彩票诈骗 (a "lottery
# centre") are ambiguous and are left out of the impersonation task; 投资诈骗 is a negative.
IMPERSONATION_TYPES = frozenset({"银行诈骗", "钓鱼诈骗", "客服诈骗", "身份盗窃", "邮件诈骗"})
AMBIGUOUS_IMPERSONATION = frozenset({"绑架诈骗", "彩票诈骗"})
FRAUD_TYPES = frozenset(
    {"绑架诈骗", "投资诈骗", "银行诈骗", "钓鱼诈骗", "客服诈骗", "身份盗窃", "邮件诈骗", "彩票诈骗"}
)

# Weak label for `loan` on cn_sms_spam: a marketing message (label 1) whose normalised text has one
# of these loan words. Normal messages that mention loans are not loan offers.
LOAN_WORDS = re.compile(
    "贷款|借款|放款|下款|信用卡|额度|网贷|借钱|分期|利息|月息|按揭|抵押|融资|垫资|信贷|贷|借呗|白条|周转"
)

_SPEAKER = re.compile(r"^[^:：\n]{1,16}[:：]\s*", re.M)
_COLLAPSE = re.compile(r"#+|[\s\W_]+")


@dataclass
class Corpus:
    name: str
    texts: list[str] = field(default_factory=list)
    labels: dict[str, list[int | None]] = field(default_factory=dict)  # None: not labelled for it
    split: list[str] = field(default_factory=list)  # "train" | "dev" | "test"
    turns: list[list[str]] = field(default_factory=list)  # dialogues: the turns of each text, if known
    category: list[str] = field(default_factory=list)  # the source's own category of each text, if any


def _clean(text: str) -> str:
    return " ".join(text.split())


def neutralise_speakers(dialogue: str) -> str:
    """Drop the speaker prefixes ('诈骗者李某:', '受害人李某:') that give the answer away."""
    return _clean(_SPEAKER.sub(" ", dialogue))


def template_groups(texts: list[str]) -> list[int]:
    """Group id per text: exact templates and near-duplicates sharing a head or tail (a third, ≥ 12 chars)."""
    keys = [_COLLAPSE.sub("#", t) for t in normalize_batch(texts)]
    parent = list(range(len(texts)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(a: int, b: int) -> None:
        a, b = find(a), find(b)
        if a != b:
            parent[max(a, b)] = min(a, b)

    for a, b in near_duplicate_pairs(keys):
        union(a, b)
    first: dict[str, int] = {}
    for i, k in enumerate(keys):
        probes = [("f", k)]
        if len(k) >= 16:
            n = max(12, len(k) // 3)
            probes += [("h", k[:n]), ("t", k[-n:])]
        for kind, p in probes:
            key = kind + p
            j = first.setdefault(key, i)
            if j != i:
                union(i, j)
    return [find(i) for i in range(len(texts))]


NEAR_JACCARD = 0.4
NEAR_CONTAINMENT = 0.7
NEAR_MIN_SHINGLES = 8


def near_duplicate_pairs(keys: list[str], common: float = 0.01, chunk: int = 4000) -> list[tuple[int, int]]:
    """Pairs (i < j) of collapsed texts that are near-duplicates by distinct character 3-gram shingles.

    Shingles found in more than ``common`` of the texts ("#月#日", "您好#") are ignored; the rest are
    compared all against all with a sparse product, a chunk of rows at a time.
    """
    vocab: dict[str, int] = {}
    rows: list[int] = []
    cols: list[int] = []
    for i, k in enumerate(keys):
        for s in {k[j : j + 3] for j in range(len(k) - 2)}:
            rows.append(i)
            cols.append(vocab.setdefault(s, len(vocab)))
    n = len(keys)
    if not rows:
        return []
    x = sp.csr_matrix(
        (np.ones(len(rows), dtype=np.float32), (np.asarray(rows), np.asarray(cols))), shape=(n, len(vocab))
    )
    df = np.bincount(x.indices, minlength=x.shape[1])
    x = sp.csr_matrix(x[:, np.flatnonzero(df <= max(2.0, common * n))])
    size = np.diff(x.indptr).astype(np.float64)
    xt = sp.csr_matrix(x.T)
    out: list[tuple[int, int]] = []
    for lo in range(0, n, chunk):
        s = sp.coo_matrix(x[lo : lo + chunk] @ xt)
        r, c, v = s.row.astype(np.int64) + lo, s.col.astype(np.int64), s.data.astype(np.float64)
        upper = r < c
        r, c, v = r[upper], c[upper], v[upper]
        smaller = np.minimum(size[r], size[c])
        jaccard = v / np.maximum(size[r] + size[c] - v, 1.0)
        contained = (v / np.maximum(smaller, 1.0) >= NEAR_CONTAINMENT) & (smaller >= NEAR_MIN_SHINGLES)
        keep = (jaccard >= NEAR_JACCARD) | contained
        out += list(zip(r[keep].tolist(), c[keep].tolist(), strict=True))
    return out


def assign_splits(texts: list[str], test: float = 0.2, dev: float = 0.1, salt: str = "qinglian") -> list[str]:
    groups = template_groups(texts)
    rep: dict[int, str] = {}
    for i, g in enumerate(groups):
        if g not in rep or texts[i] < rep[g]:
            rep[g] = texts[i]
    out: list[str] = []
    for g in groups:
        h = int(hashlib.sha256((salt + rep[g]).encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
        out.append("test" if h < test else "dev" if h < test + dev else "train")
    return out


def cn_sms_spam(root: Path = DEFAULT_DATA) -> Corpus:
    """45k SMS: marketing = label; loan = weak label (marketing and a loan word). Exact duplicates dropped."""
    seen: set[str] = set()
    texts: list[str] = []
    marketing: list[int | None] = []
    for path in sorted((root / "cn_sms_spam").glob("sample*.csv")):
        with path.open(encoding="utf-8-sig", newline="") as fh:
            for row in csv.DictReader(fh):
                text = _clean(row["content"])
                if not text or text in seen:
                    continue
                seen.add(text)
                texts.append(text)
                marketing.append(int(row["label"]))
    norm = normalize_batch(texts)
    loan: list[int | None] = [
        int(bool(m) and bool(LOAN_WORDS.search(n))) for m, n in zip(marketing, norm, strict=True)
    ]
    c = Corpus("cn_sms_spam", texts, {"marketing": marketing, "loan": loan, "fraud": [0] * len(texts)})
    c.split = assign_splits(texts)
    return c


def teleantifraud(root: Path = DEFAULT_DATA) -> Corpus:
    """10k simulated calls, both sides interleaved: fraud by fraud_type; impersonation by type."""
    texts: list[str] = []
    turn_lists: list[list[str]] = []
    fraud: list[int | None] = []
    imp: list[int | None] = []
    cats: list[str] = []
    seen: set[str] = set()
    for path in sorted((root / "teleantifraud_dialogues").glob("*.jsonl")):
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                d = json.loads(line)
                turns: list[str] = []
                for i in range(max(len(d["left"]), len(d["right"]))):
                    turns += d["left"][i : i + 1] + d["right"][i : i + 1]
                text = _clean(" ".join(turns))
                if text in seen:
                    continue
                seen.add(text)
                ft = d.get("fraud_type") or ""
                texts.append(text)
                cats.append(ft or d.get("scenario") or "normal")
                turn_lists.append([u for u in map(_clean, turns) if u])
                fraud.append(int(ft in FRAUD_TYPES))
                imp.append(None if ft in AMBIGUOUS_IMPERSONATION else int(ft in IMPERSONATION_TYPES))
    c = Corpus("teleantifraud", texts, {"fraud": fraud, "impersonation": imp}, turns=turn_lists, category=cats)
    c.split = assign_splits(texts, salt="tele")
    return c


def golfxiao(root: Path = DEFAULT_DATA) -> Corpus:
    """Dialogue-level fraud labels: eval0902 for training, test0902 held out (speakers neutralised).

    Dialogues of the eval file whose template group also has a member in the test file are dropped.
    """
    rows: list[tuple[str, int, str]] = []
    for name, split in (("eval0902.jsonl", "train"), ("test0902.jsonl", "test")):
        with (root / "antifraud_sft_golfxiao" / "train_test" / name).open(encoding="utf-8") as fh:
            for line in fh:
                d = json.loads(line)
                rows.append((neutralise_speakers(d["input"]), int(bool(d["label"])), split))
    texts = [r[0] for r in rows]
    groups = template_groups(texts)
    test_groups = {g for g, r in zip(groups, rows, strict=True) if r[2] == "test"}
    keep = [i for i, r in enumerate(rows) if r[2] == "test" or groups[i] not in test_groups]
    c = Corpus("golfxiao", [texts[i] for i in keep], {"fraud": [rows[i][1] for i in keep]})
    c.split = [rows[i][2] for i in keep]
    cats = _dialogue_categories(root)
    c.category = [_category_of(texts[i], cats) for i in keep]
    return c


def _news_category(path: Path) -> str:
    """'冒充客服诈骗(200).csv' -> '冒充客服诈骗'; '“杀猪盘” 诈骗(200).csv' -> '杀猪盘诈骗'."""
    return re.sub(r"\(\d+\)$|[“”\s]", "", path.stem)


def _dialogue_categories(root: Path) -> dict[str, str]:
    """Utterance -> category of the source's per-category dialogue files (csv_dialogs)."""
    out: dict[str, str] = {}
    for path in sorted((root / "antifraud_sft_golfxiao" / "csv_dialogs").glob("*.csv")):
        cat = "会议（非诈骗）" if path.stem == "meeting_label_false" else _news_category(path)
        with path.open(encoding="utf-8-sig", newline="") as fh:
            for row in csv.DictReader(fh):
                content = _clean(row.get("content") or "")
                if len(content) >= 12:
                    out.setdefault(content, cat)
    return out


def _category_of(dialogue: str, cats: dict[str, str]) -> str:
    """The category most of a dialogue's utterances come from ("" if none is known)."""
    votes: dict[str, int] = {}
    for line in dialogue.split(" "):
        cat = cats.get(line)
        if cat:
            votes[cat] = votes.get(cat, 0) + 1
    return max(votes, key=lambda k: votes[k]) if votes else ""


def fraud_news(root: Path = DEFAULT_DATA) -> Corpus:
    """2,372 real news reports of fraud cases in 13 categories (title and body). Not scam texts
    themselves: they describe a scam's script, so they measure which kinds the rules recognise.
    Split in halves by template group: "dev" for developing rules, "test" for reporting."""
    texts: list[str] = []
    cats: list[str] = []
    seen: set[str] = set()
    for path in sorted((root / "antifraud_sft_golfxiao" / "Fraud_News_Reports").glob("*.csv")):
        enc = "gb18030" if path.stem.startswith("诈骗(") else "utf-8-sig"
        with path.open(encoding=enc, newline="") as fh:
            for row in csv.DictReader(fh):
                text = _clean((row.get("标题") or "") + "。" + (row.get("文章正文内容") or ""))
                if len(text) < 20 or text in seen:
                    continue
                seen.add(text)
                texts.append(text)
                cats.append(_news_category(path))
    c = Corpus("fraud_news", texts, {}, category=cats)
    c.split = assign_splits(texts, test=0.5, dev=0.5, salt="news")
    return c


HARM_FRAUD = {"欺诈": 1, "不违规": 0}


def chineseharm(root: Path = DEFAULT_DATA) -> Corpus:
    """5.6k real platform texts labelled by experts: fraud = 欺诈 (1) vs 不违规 (0); black-market ads
    and gambling are harmful but not fraud (no fraud label; their rates are reported apart).
    Split in halves by template group: "dev" (development, training) and "test" (reporting)."""
    texts: list[str] = []
    cats: list[str] = []
    seen: set[str] = set()
    for name in ("欺诈", "黑产广告", "博彩", "不违规"):
        for item in json.loads((root / "chineseharm_bench" / f"{name}.json").read_text(encoding="utf-8")):
            text = _clean(str(item["文本"]))
            if not text or text in seen:
                continue
            seen.add(text)
            texts.append(text)
            cats.append(name)
    fraud: list[int | None] = [HARM_FRAUD.get(c) for c in cats]
    c = Corpus("chineseharm", texts, {"fraud": fraud}, category=cats)
    c.split = assign_splits(texts, test=0.5, dev=0.5, salt="harm")
    return c


def normal_dialogues(corpus: Corpus, splits: Iterable[str], min_turn: int = 4) -> tuple[list[str], list[str]]:
    """Non-fraud dialogues of the given splits and their turns of at least ``min_turn`` characters.

    Ordinary service calls (ordering food, booking, customer service) and their single turns: texts
    with full Chinese punctuation that are not marketing, unlike anything among cn_sms_spam's normal
    messages. Used as extra negatives for ``marketing``.
    """
    want = set(splits)
    dialogues: list[str] = []
    turns: list[str] = []
    for i, (t, y, s) in enumerate(zip(corpus.texts, corpus.labels["fraud"], corpus.split, strict=True)):
        if y == 0 and s in want:
            dialogues.append(t)
            turns += [u for u in corpus.turns[i] if len(u) >= min_turn] if corpus.turns else []
    return dialogues, turns


def selected(corpus: Corpus, label: str, splits: Iterable[str]) -> tuple[list[str], list[int]]:
    """(texts, labels) of one label on the given splits, skipping texts not labelled for it."""
    want = set(splits)
    texts: list[str] = []
    ys: list[int] = []
    for t, y, s in zip(corpus.texts, corpus.labels.get(label, []), corpus.split, strict=False):
        if y is not None and s in want:
            texts.append(t)
            ys.append(y)
    return texts, ys
