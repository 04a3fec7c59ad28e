"""Evaluate the industry packs (qinglian/packs): precision and recall per pack and label.

Per industry pack, three figures, each with the case's packs as ``loans`` + that pack (the rules and
model of the full classify path, 0.5 as the decision point):

1. generated text (qinglian/training/packs_eval.py): false promises and official guises written apart
   from the rules, and lawful texts of the industry; precision and recall of false_promise and
   impersonation, and the recall the built-in rules alone reach (without the pack);
2. public text: cn_sms_spam messages (../shared/data, read here, never copied) whose normalised
   text holds a word of the pack's vocabulary (marketing: those of the test split only). The corpus labels marketing only, so: marketing
   precision and recall on those messages, and how many messages the pack's rules flag among the
   *normal* ones (label 0: not advertising, so a false-advertising flag there is a false accusation;
   target 0) and among the ads (label 1; printed for review with --show);
3. the pack's demo (qinglian demo --industry): charges against the ground truth, precision and
   recall over (holder, conduct), and charges or leads against compliant holders (target 0).

    .venv/bin/python bench/eval_packs.py [--data ../shared/data] [--show N] [--no-demo]
"""

from __future__ import annotations

import argparse
import json
import tempfile
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

from qinglian.detect.text.engine import classify_batch
from qinglian.detect.text.normalize import normalize_batch, normalize_fast
from qinglian.labels import LABELS
from qinglian.packs import available, load_pack
from qinglian.training.corpora import DEFAULT_DATA, Corpus, cn_sms_spam
from qinglian.training.packs_eval import generated

ACCUSING = ("false_promise", "impersonation")


def _pr(pred: np.ndarray, gold: np.ndarray) -> tuple[str, str]:
    tp = int((pred & gold).sum())
    p = f"{tp}/{int(pred.sum())} = {tp / pred.sum():.2f}" if pred.sum() else "–"
    r = f"{tp}/{int(gold.sum())} = {tp / gold.sum():.2f}" if gold.sum() else "–"
    return p, r


def _scores(texts: Sequence[str], packs: tuple[str, ...]) -> np.ndarray:
    out = []
    for i in range(0, len(texts), 5000):
        out.append(classify_batch(list(texts[i:i + 5000]), packs=packs).scores)
    return np.vstack(out) if out else np.zeros((0, len(LABELS)))


def generated_figures(pack: str) -> list[str]:
    ex = generated(pack)
    texts = [e.text for e in ex]
    with_pack = _scores(texts, ("loans", pack)) >= 0.5
    without = _scores(texts, ("loans",)) >= 0.5
    lines = [f"generated ({len(ex)} texts: " + ", ".join(
        f"{lb or 'lawful'} {sum(e.label == lb for e in ex)}" for lb in ("false_promise", "impersonation", "")) + ")"]
    for label in ACCUSING:
        j = LABELS.index(label)
        gold = np.array([e.label == label for e in ex])
        p, r = _pr(with_pack[:, j], gold)
        _, r0 = _pr(without[:, j], gold)
        lines.append(f"| {pack} | generated | {label} | {p} | {r} | {r0} |")
    lawful = np.array([e.label == "" for e in ex])
    acc = with_pack[:, [LABELS.index(lb) for lb in (*ACCUSING, "fraud")]].any(axis=1)
    lines.append(f"  lawful texts flagged false_promise/impersonation/fraud: {int((acc & lawful).sum())}/{int(lawful.sum())}")
    return lines


@lru_cache(maxsize=1)
def _corpus(data: Path) -> Corpus:
    return cn_sms_spam(data)


def public_figures(pack: str, data: Path, show: int) -> list[str]:
    corpus = _corpus(data)
    vocab = [normalize_fast(w) for w in load_pack(pack).vocabulary]
    norm = normalize_batch(corpus.texts)
    # every split for the pack's rules (nothing was trained on them); marketing on the test split
    # only, since the shipped model was trained on the others
    idx = [i for i, n in enumerate(norm) if any(w in n for w in vocab)]
    texts = [corpus.texts[i] for i in idx]
    gold = np.array([corpus.labels["marketing"][i] == 1 for i in idx])
    test = np.array([corpus.split[i] == "test" for i in idx])
    res_texts: list[str] = texts
    flagged_by_pack = np.zeros(len(texts), dtype=bool)
    scores = np.zeros((len(texts), len(LABELS)))
    for k in range(0, len(texts), 5000):
        chunk = res_texts[k:k + 5000]
        res = classify_batch(chunk, packs=("loans", pack))
        scores[k:k + len(chunk)] = res.scores
        for i, hits in enumerate(res.hits):
            labels = {h.label for h in hits if h.rule.startswith(pack + ".")}
            flagged_by_pack[k + i] = any(res.scores[i, LABELS.index(lb)] >= 0.5 for lb in labels & set(ACCUSING))
    p, r = _pr((scores[:, LABELS.index("marketing")] >= 0.5) & test, gold & test)
    lines = [
        f"public cn_sms_spam messages with the pack's vocabulary: {len(texts)} ({int(gold.sum())} ads, "
        f"{int((~gold).sum())} normal; {int(test.sum())} in the test split)",
        f"| {pack} | cn_sms_spam test | marketing | {p} | {r} | |",
        f"  pack rules flag (false_promise/impersonation): {int((flagged_by_pack & ~gold).sum())} normal messages (target 0), "
        f"{int((flagged_by_pack & gold).sum())} ads",
    ]
    for i in np.flatnonzero(flagged_by_pack)[:show].tolist():
        lines.append(f"    [{'ad' if gold[i] else 'normal'}] {texts[i][:90]}")
    return lines


def demo_figures(pack: str) -> list[str]:
    from qinglian.demo.industry import run_industry_demo
    from qinglian.store.case import open_case

    with tempfile.TemporaryDirectory() as tmp:
        result = run_industry_demo(Path(tmp) / pack, pack, report=False)
        truth = json.loads(result.manifest.ground_truth_path.read_text(encoding="utf-8"))["charges"]["holders"]
        with open_case(result.case_dir).connect(read_only=True) as con:
            got = {(str(h), str(c)) for h, c in con.execute("SELECT holder, conduct FROM charges").fetchall()}
            lead_holders = {str(r[0]) for r in con.execute("SELECT holder FROM leads").fetchall()}
    want = {(h, c) for h, v in truth.items() for c in v["conducts"]}
    compliant = {h for h, v in truth.items() if not v["violating"]}
    tp = len(got & want)
    against = sum(1 for h, _ in got if h in compliant)
    return [f"| {pack} | demo | charges | {tp}/{len(got)} | {tp}/{len(want)} | |",
            f"  charges against compliant holders: {against}; leads against them: {len(lead_holders & compliant)}"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--show", type=int, default=0, help="print up to N public messages the pack's rules flag")
    ap.add_argument("--no-demo", action="store_true")
    args = ap.parse_args()
    print("| pack | set | label | precision | recall | recall without the pack |")
    print("|---|---|---|---|---|---|")
    for pack in available():
        if load_pack(pack).builtin_rules:
            print(f"| {pack} | – | built-in rules | see bench/eval_text.py | see bench/charges.py | |")
            continue
        for line in generated_figures(pack):
            print(line)
        if (args.data / "cn_sms_spam").is_dir():
            for line in public_figures(pack, args.data, args.show):
                print(line)
        if not args.no_demo:
            for line in demo_figures(pack):
                print(line)


if __name__ == "__main__":
    main()
