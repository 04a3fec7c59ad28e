"""Benchmark: N messages through the full `qinglian classify` path vs a plain TF-IDF + LR baseline.

Messages are drawn from cn_sms_spam (digit masks filled with random digits, some loan scripts with
spacing tricks mixed in), written to a temporary file, one per line. Each side runs in its own
child process, timed from reading the file to the last output line:

- full path: ``classify_path`` — normalisation, all rules with spans, the 4-label model, the eight
  detectors, law citations, JSON lines written (to /dev/null);
- baseline: scikit-learn ``TfidfVectorizer(analyzer="char", ngram_range=(1, 3))`` and
  ``LogisticRegression`` for one label (fitted beforehand, not timed), ``predict_proba`` in
  batches of 10,000, no output.

Prints msgs/s (wall clock and per CPU-second: on a shared machine the second is the stable
figure) and peak RSS of each, and the ratio full/baseline. The full path uses every core (this
process plus spawned helpers; set QINGLIAN_WORKERS=1 for one): its CPU seconds include the
helpers', its peak RSS is the main process's. The baseline uses one core.
Target (2-core machine): >= 50,000 msgs/s and ratio >= 1.0.

    .venv/bin/python bench/classify.py [--messages 1000000] [--seed 7]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

LOAN_SCRIPTS = [
    "【{org}金融】您好{name}，无抵押信用贷 款最高可贷{amt}万，月息低至0.{d}%，当天放款，详询{phone}，回T退订",
    "您好，这里是{org}银行信贷中心，您的征信良好，可申请{amt}万额度，不看征信秒批，加微信{phone}",
    "专业包装征信、代开流水，黑户可贷，包下款，联系{phone}",
]
ORGS = ["平安", "招联", "某某", "汇通", "鑫达", "中银"]


def _fill_digits(text: str, rng: random.Random) -> str:
    return "".join(str(rng.randrange(10)) if ch == "x" else ch for ch in text)


def generate(n: int, seed: int, path: Path) -> None:
    from qinglian.training import corpora

    rng = random.Random(seed)
    base = [t.replace("\n", " ") for t in corpora.cn_sms_spam().texts]
    pool = [_fill_digits(t, rng) for t in base] + base
    for _ in range(5000):
        pool.append(
            rng.choice(LOAN_SCRIPTS).format(
                org=rng.choice(ORGS),
                name=rng.choice(["王先生", "李女士", ""]),
                amt=rng.randrange(5, 100),
                d=rng.randrange(1, 9),
                phone="13" + "".join(str(rng.randrange(10)) for _ in range(9)),
            )
        )
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            fh.write(pool[rng.randrange(len(pool))] + "\n")
            if i % 100_000 == 0:
                fh.flush()


def worker_full(path: Path) -> dict[str, float]:
    from qinglian.detect.classify import classify_path

    def cpu() -> float:  # this process and its (joined) helper processes: classify uses every core
        own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime

    t0, c0 = time.perf_counter(), cpu()
    with open("/dev/null", "w", encoding="utf-8") as sink:
        stats = classify_path(str(path), sink, fmt="lines")
    return {"secs": time.perf_counter() - t0, "cpu": cpu() - c0, "texts": stats.texts}


def worker_baseline(path: Path) -> dict[str, float]:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    from qinglian.training import corpora

    texts, ys = corpora.selected(corpora.cn_sms_spam(), "marketing", ["train"])
    vec = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), min_df=2, sublinear_tf=True)
    clf = LogisticRegression(C=20, solver="liblinear").fit(vec.fit_transform(texts), ys)
    t0, c0 = time.perf_counter(), time.process_time()
    n = 0
    with path.open(encoding="utf-8") as fh:
        batch: list[str] = []
        for line in fh:
            batch.append(line.rstrip("\n"))
            if len(batch) == 10_000:
                clf.predict_proba(vec.transform(batch))
                n += len(batch)
                batch = []
        if batch:
            clf.predict_proba(vec.transform(batch))
            n += len(batch)
    return {"secs": time.perf_counter() - t0, "cpu": time.process_time() - c0, "texts": n}


def run_worker(kind: str, path: Path) -> dict[str, float]:
    proc = subprocess.run(
        [sys.executable, __file__, "--worker", kind, str(path)], capture_output=True, text=True, check=True
    )
    result: dict[str, float] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--messages", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--worker", choices=["full", "baseline"])
    ap.add_argument("path", nargs="?")
    args = ap.parse_args()
    if args.worker:
        fn = worker_full if args.worker == "full" else worker_baseline
        res = fn(Path(args.path))
        res["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(res))
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "messages.txt"
        t0 = time.perf_counter()
        generate(args.messages, args.seed, path)
        size = path.stat().st_size / 1e6
        print(f"generated {args.messages:,} messages ({size:.0f} MB) in {time.perf_counter() - t0:.1f} s")
        full = run_worker("full", path)
        base = run_worker("baseline", path)
    for name, r in (("full classify path ", full), ("TF-IDF + LR (1 lbl)", base)):
        print(
            f"{name}: {r['texts']:,.0f} msgs in {r['secs']:.1f} s wall = {r['texts'] / r['secs']:,.0f} msgs/s; "
            f"{r['cpu']:.1f} s CPU = {r['texts'] / r['cpu']:,.0f} msgs per CPU-second; peak RSS {r['rss_mb']:,.0f} MB"
        )
    ratio = (full["texts"] / full["secs"]) / (base["texts"] / base["secs"])
    cpu_ratio = (full["texts"] / full["cpu"]) / (base["texts"] / base["cpu"])
    print(
        f"ratio full / baseline: {ratio:.2f} wall, {cpu_ratio:.2f} CPU  (targets: >= 50,000 msgs/s, ratio >= 1.0)"
    )
    print(f"load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
