"""Benchmark: `qinglian classify --engine spark` on local Spark beside the single-process path.

N texts (default 10,000,000) are drawn from cn_sms_spam (digit masks filled with random digits,
loan scripts with spacing tricks mixed in) and written as a folder of Parquet parts, the form an
SMS platform's log takes on a cluster. Then, in this run:

- single process: ``classify_stream`` with QINGLIAN_WORKERS=1 (one process, no helpers) on a
  subsample (``--single``, default 200,000 texts), from reading to the last JSON line, reported per text;
- Spark: ``classify_spark`` over the whole folder on ``--master`` (default local[*]), from reading to
  the last part file written by the executors (``--out``), Spark's start-up and a warm-up on one part (Python workers started, the
  model loaded in each) timed apart; then again
  with the JSON lines handed to the driver and written in input order (to /dev/null, as to stdout).

With ``--campaign-texts K`` it also times ``qinglian campaigns`` on K texts in this process and on
Spark, and requires the same campaigns and members. Prints texts/s of each (Spark's figure: part files), texts per CPU-second (on a shared machine the
stable figure; Spark's counts the whole process tree), the ratio, texts/s per core (Spark's cores: its default parallelism), and
peak RSS: this process alone for the single-process run, and the whole process tree (driver JVM,
Python workers) sampled every half second for Spark.

    .venv/bin/python bench/classify_spark.py [--texts 10000000] [--single 200000] [--master local[*]]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import resource
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

LOAN_SCRIPTS = [
    "【{org}金融】您好{name}，无抵押信用贷 款最高可贷{amt}万，月息低至0.{d}%，当天放款，详询{phone}，回T退订",
    "您好，这里是{org}银行信贷中心，您的征信良好，可申请{amt}万额度，不看征信秒批，加微信{phone}",
    "专业包装征信、代开流水，黑户可贷，包下款，联系{phone}",
]
ORGS = ["平安", "招联", "某某", "汇通", "鑫达", "中银"]
PARTS = 16  # Parquet files in the input folder


def _pool(seed: int) -> list[str]:
    from qinglian.training import corpora

    rng = random.Random(seed)
    base = list(corpora.cn_sms_spam().texts)
    pool = ["".join(str(rng.randrange(10)) if ch == "x" else ch for ch in t) for t in base] + base
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
    return [t for t in pool if t.strip()]


def generate(n: int, seed: int, folder: Path) -> list[str]:
    """Write n texts as PARTS Parquet files; return the pool they were drawn from."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    pool = pa.array(_pool(seed), pa.string())
    rng = np.random.default_rng(seed)
    per = -(-n // PARTS)
    for i in range(PARTS):
        size = max(0, min(per, n - i * per))
        idx = pa.array(rng.integers(0, len(pool), size=size))
        pq.write_table(pa.table({"text": pool.take(idx)}), folder / f"part-{i:03d}.parquet", row_group_size=200_000)
    texts: list[str] = pool.to_pylist()
    return texts


def _tree(root: int) -> tuple[float, float]:
    """Resident memory (MB) and CPU seconds (its own and its reaped children's) of a process and
    all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    cpu: dict[int, int] = {}
    page = os.sysconf("SC_PAGE_SIZE")
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            statm = Path(f"/proc/{entry}/statm").read_text().split()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        children.setdefault(int(fields[1]), []).append(int(entry))
        rss[int(entry)] = int(statm[1]) * page
        cpu[int(entry)] = sum(int(x) for x in fields[11:15])  # utime stime cutime cstime
    total, ticks, todo = 0, 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        ticks += cpu.get(pid, 0)
        todo += children.get(pid, [])
    return total / 2**20, ticks / os.sysconf("SC_CLK_TCK")


def _tree_rss_mb(root: int) -> float:
    return _tree(root)[0]


def _tree_cpu_s() -> float:
    return _tree(os.getpid())[1]


class _PeakRss:
    def __init__(self) -> None:
        self.peak = 0.0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self.stop.wait(0.5):
            self.peak = max(self.peak, _tree_rss_mb(os.getpid()))

    def __enter__(self) -> _PeakRss:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()


def single_process(texts: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds for classify_stream over the texts in one process (QINGLIAN_WORKERS=1)."""
    from qinglian.detect.classify import classify_stream

    os.environ["QINGLIAN_WORKERS"] = "1"
    data = ("\n".join(t.replace("\n", " ").replace("\r", " ") for t in texts) + "\n").encode("utf-8")
    with open(os.devnull, "w", encoding="utf-8") as sink:
        t0, c0 = time.perf_counter(), time.process_time()
        classify_stream(io.BytesIO(data), sink, fmt="lines")
        seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    del os.environ["QINGLIAN_WORKERS"]
    return seconds, cpu


def _campaigns(n: int, seed: int, tmp: Path) -> dict[str, float]:
    """Seconds of `qinglian campaigns` on n texts (one Parquet file, row groups of 100,000): this
    process, then Spark, with the outputs compared."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    from qinglian.detect.campaigns.files import campaigns_file

    pool = pa.array(_pool(seed + 2), pa.string())
    idx = pa.array(np.random.default_rng(seed + 2).integers(0, len(pool), size=n))
    path = tmp / "campaigns.parquet"
    pq.write_table(pa.table({"text": pool.take(idx)}), path, row_group_size=100_000)
    outputs = []
    seconds = []
    texts = campaigns = 0
    for engine in ("duckdb", "spark"):
        table, members = io.StringIO(), io.StringIO()
        t0 = time.perf_counter()
        found = campaigns_file(str(path), table, members, column="text", engine=engine)
        seconds.append(time.perf_counter() - t0)
        outputs.append((table.getvalue(), members.getvalue()))
        texts, campaigns = found.texts, found.campaigns
    assert outputs[0] == outputs[1], "the engines' campaigns differ"
    return {
        "campaign_texts": texts,
        "campaigns": campaigns,
        "campaigns_single_s": round(seconds[0], 1),
        "campaigns_single_texts_per_s": round(texts / seconds[0]),
        "campaigns_spark_s": round(seconds[1], 1),
        "campaigns_spark_texts_per_s": round(texts / seconds[1]),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--texts", type=int, default=10_000_000)
    ap.add_argument("--single", type=int, default=200_000, help="texts of the single-process subsample")
    ap.add_argument("--master", default="local[*]")
    ap.add_argument("--driver-memory", default="4g")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--campaign-texts", type=int, default=0,
                    help="also time `qinglian campaigns` on this many texts, in one process and on Spark")
    args = ap.parse_args()
    os.environ.setdefault("PYSPARK_SUBMIT_ARGS", f"--driver-memory {args.driver_memory} pyspark-shell")
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)

    with tempfile.TemporaryDirectory(prefix="ql-classify-spark-") as tmp:
        folder = Path(tmp) / "texts"
        folder.mkdir()
        t0 = time.perf_counter()
        pool = generate(args.texts, args.seed, folder)
        gen_s = time.perf_counter() - t0
        print(f"generated {args.texts:,} texts in {PARTS} Parquet parts in {gen_s:.1f} s", file=sys.stderr)

        rng = random.Random(args.seed + 1)
        sub = [rng.choice(pool) for _ in range(args.single)]
        single_s, single_cpu = single_process(sub)
        single_rate = args.single / single_s
        single_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"single process: {single_rate:,.0f} texts/s", file=sys.stderr)

        from qinglian.detect.spark_text import classify_spark, spark_session

        with _PeakRss() as rss:
            t0 = time.perf_counter()
            spark = spark_session(args.master)
            start_s = time.perf_counter() - t0
            cores = spark.sparkContext.defaultParallelism
            # warm-up on one part: starts the Python workers and loads the model in each (a fixed
            # cost per executor, paid once per job on a cluster), so the timed runs are steady state
            t0 = time.perf_counter()
            classify_spark(str(folder / "part-000.parquet"), None, column="text", spark=spark,
                           out_dir=Path(tmp) / "warm")
            warm_s = time.perf_counter() - t0
            t0, c0 = time.perf_counter(), _tree_cpu_s()
            stats = classify_spark(str(folder), None, column="text", spark=spark, out_dir=Path(tmp) / "out")
            spark_s, spark_cpu = time.perf_counter() - t0, _tree_cpu_s() - c0
            assert stats.texts == args.texts
            print(f"spark, part files: {args.texts / spark_s:,.0f} texts/s", file=sys.stderr)
            shutil.rmtree(Path(tmp) / "out")
            with open(os.devnull, "w", encoding="utf-8") as sink:
                t0 = time.perf_counter()
                stats = classify_spark(str(folder), sink, column="text", spark=spark)
                driver_s = time.perf_counter() - t0
            campaigns = _campaigns(args.campaign_texts, args.seed, Path(tmp)) if args.campaign_texts else {}
            spark.stop()
        assert stats.texts == args.texts
        spark_rate = args.texts / spark_s
        result = {
            "texts": args.texts,
            "master": args.master,
            "spark_cores": cores,
            "spark_start_s": round(start_s, 1),
            "spark_warmup_s": round(warm_s, 1),
            "spark_s": round(spark_s, 1),
            "spark_texts_per_s": round(spark_rate),
            "spark_texts_per_s_per_core": round(spark_rate / cores),
            "spark_cpu_s": round(spark_cpu, 1),
            "spark_texts_per_cpu_s": round(args.texts / spark_cpu),
            "spark_peak_rss_mb_tree": round(rss.peak),
            "spark_to_driver_s": round(driver_s, 1),
            "spark_to_driver_texts_per_s": round(args.texts / driver_s),
            "single_texts": args.single,
            "single_s": round(single_s, 2),
            "single_texts_per_s": round(single_rate),
            "single_us_per_text": round(1e6 / single_rate, 1),
            "single_texts_per_cpu_s": round(args.single / single_cpu),
            "single_peak_rss_mb": round(single_rss),
            "spark_over_single": round(spark_rate / single_rate, 2),
            "spark_per_core_over_single": round(spark_rate / cores / single_rate, 2),
            "spark_per_cpu_s_over_single": round(args.texts / spark_cpu / (args.single / single_cpu), 2),
        }
        print(json.dumps(result | campaigns, indent=1))


if __name__ == "__main__":
    main()
