"""Text analysis on Spark: `qinglian classify` and campaign clustering over inputs too large for one machine.

Both run the single-machine path's own functions over Arrow batches (``mapInArrow``), so whatever the
rules, the model or the masking become, the two engines agree:

- classification renders each batch with ``classify.render_batch`` (the function ``classify_stream``
  writes with), and the driver writes the rendered batches in input order;
- campaign clustering masks with ``campaigns.template`` (``mask_series``, ``key_series``,
  ``fold_key``), signs and bands with ``campaigns.minhash`` and judges candidate pairs with its
  ``near_duplicate``.

Distributed: reading, numbering the texts in input order, masking, grouping equal keys, MinHash,
LSH banding, candidate pairs (each bucket as a star and a chain, as ``candidate_pairs`` builds them),
the similarity test, campaign sizes and templates. Gathered on the driver: the near-duplicate edges
between distinct templates, whose connected components scipy computes as on one machine (a graph of
distinct templates, not of messages), and the campaigns of at least ``min_messages`` messages.

Input order: every text gets ``ord``, its position among the usable texts of the input (files in
name order, rows in file order), from its file split and its place in that split; outputs are
sorted on it, so the Spark and the single-process outputs are the same byte for byte.

Imported only when ``--engine spark`` is chosen: the default path never imports pyspark.
"""

from __future__ import annotations

import gc
import itertools
import os
import re
import sys
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

import numpy as np
import pyarrow as pa

from qinglian.detect.classify import MAX_TEXT_CHARS, ClassifyStats, pack_names
from qinglian.errors import QinglianError
from qinglian.i18n import t
from qinglian.packs import ENV_DIRS

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

    from qinglian.detect.campaigns.cluster import Params

Progress = Callable[[str, int, int | None], None]
# what mapInArrow runs per partition: Arrow batches in, Arrow batches out
ArrowFn = Callable[[Iterable[pa.RecordBatch]], Iterable[pa.RecordBatch]]

SPARK_FORMATS = ("lines", "csv", "parquet")
TEXTS_PER_PARTITION = 50_000  # the classification's unit of work (and of progress)

_MASTER = re.compile(r"local(\[(\*|\d+)(,\d+)?\])?|spark://\S+|yarn|k8s://\S+|mesos://\S+")


def check_engine(engine: str, spark_master: str | None) -> None:
    """A clear error for an unknown engine, a malformed master URL, or a master without Spark."""
    if engine not in ("duckdb", "spark"):
        raise QinglianError(
            f"未知引擎 {engine}",
            f"unknown engine {engine}",
            hint_zh="使用 --engine duckdb 或 --engine spark",
            hint_en="use --engine duckdb or --engine spark",
        )
    if spark_master is None:
        return
    if engine != "spark":
        raise QinglianError(
            "--spark-master 只用于 --engine spark", "--spark-master applies only with --engine spark"
        )
    if not _MASTER.fullmatch(spark_master.strip()):
        raise QinglianError(
            f"无法识别的 Spark 地址：{spark_master}",
            f"not a Spark master URL: {spark_master}",
            hint_zh="例如 local[*]、local[8]、spark://主机:7077、yarn、k8s://https://主机:443",
            hint_en="for example local[*], local[8], spark://host:7077, yarn, k8s://https://host:443",
        )


def spark_session(spark_master: str | None) -> SparkSession:
    """The Spark session of the engine module, its Python workers running this interpreter
    (executors on a cluster need the same environment: see docs/scale.md)."""
    from qinglian.store.engine import spark_engine

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    session: SparkSession = spark_engine(spark_master.strip() if spark_master else None).spark
    return session


# ---- reading: texts numbered in input order ---------------------------------------------------


def _guess(path: Path, column: str | None) -> str:
    low = path.name.lower()
    if low.endswith(".parquet"):
        return "parquet"
    if low.endswith(".csv"):
        return "csv"
    if low.endswith((".jsonl", ".ndjson", ".json")):
        return "jsonl"
    return "csv" if column else "lines"


def input_files(path: Path, fmt: str | None, column: str | None) -> tuple[str, list[Path]]:
    """The format and the files of an input: one file, or a folder of files of one format."""
    if not path.exists():
        raise QinglianError(
            "找不到输入文件或目录", "input file or folder not found", file=str(path),
            hint_zh="检查路径", hint_en="check the path",
        )
    if path.is_dir():
        files = sorted(
            p for p in path.rglob("*") if p.is_file() and not p.name.startswith((".", "_"))
        )
        if not files:
            raise QinglianError("目录中没有文件", "the folder holds no files", file=str(path))
    else:
        files = [path]
    kinds = {fmt or _guess(p, column) for p in files}
    if len(kinds) != 1:
        raise QinglianError(
            "目录中的文件格式不一致", "the folder holds files of different formats", file=str(path),
            hint_zh="一个目录只放一种格式（CSV、Parquet 或每行一条）",
            hint_en="keep one format per folder (CSV, Parquet or one text per line)",
        )
    kind = kinds.pop()
    if kind not in SPARK_FORMATS:
        raise QinglianError(
            f"Spark 引擎不读取 {kind} 格式",
            f"the Spark engine does not read {kind}",
            file=str(path),
            hint_zh="转换为 CSV 或 Parquet，或用默认引擎",
            hint_en="convert it to CSV or Parquet, or use the default engine",
        )
    return kind, files


def _read(spark: SparkSession, fmt: str, files: list[Path], column: str | None, name: str) -> DataFrame:
    """(f, b, t): each row's file, the start of its file split, and its text, as Spark reads them."""
    from pyspark.sql import functions as F

    paths = [str(p.resolve()) for p in files]
    if fmt == "lines":
        # only \n ends a line, as in the single-process reader (a trailing \r is cut per line)
        frame = spark.read.option("lineSep", "\n").option("wholetext", "false").text(paths)
        source = frame["value"]
    else:
        if fmt == "csv":
            # RFC 4180 as Python's csv module reads it: quoted newlines, "" inside quotes
            frame = (
                spark.read.option("header", "true").option("multiLine", "true").option("escape", '"')
                .option("inferSchema", "false").option("encoding", "UTF-8").csv(paths)
            )
        else:
            frame = spark.read.parquet(*paths)
        names = {c.removeprefix("\ufeff").strip(): c for c in frame.columns}
        wanted = column or "text"
        if wanted not in names:
            found = list(names)
            raise QinglianError(
                f"输入中没有名为「{wanted}」的列",
                f"the input has no column named '{wanted}'",
                file=name,
                hint_zh="可用的列：" + "、".join(found[:30]) + "；用 --column 指定",
                hint_en="columns found: " + ", ".join(found[:30]) + "; pick one with --column",
            )
        source = frame[names[wanted]].cast("string")
    return frame.select(
        F.input_file_name().alias("f"), F.input_file_block_start().alias("b"), source.alias("t")
    )


def _numbering(lines: bool) -> ArrowFn:
    """Per partition: each usable text's place among the usable texts of its file split.

    A split is read whole by one task, in file order, so the count runs across the batches of
    the partition. Unusable texts (missing, empty, only spaces) are kept with ``keep`` false, to
    be counted; one-per-line input loses a leading BOM and trailing carriage returns as it does
    in the single-process reader.
    """

    def run(batches: Iterable[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        import pyarrow.compute as pc

        kept: dict[tuple[str, int], int] = {}
        for rb in batches:
            n = rb.num_rows
            if n == 0:
                continue
            files, starts, text = rb.column(0), rb.column(1), rb.column(2)
            if lines:
                text = pc.utf8_rtrim(text, characters="\r")
            # runs of one file split: mostly one per batch
            change = pc.or_(pc.not_equal(files[1:], files[:-1]), pc.not_equal(starts[1:], starts[:-1]))
            bounds = [0, *(np.flatnonzero(change.to_numpy(zero_copy_only=False)) + 1).tolist(), n]
            if lines:
                for lo in bounds[:-1]:
                    seg = (files[lo].as_py(), starts[lo].as_py())
                    first = text[lo].as_py()
                    if seg not in kept and seg[1] == 0 and first is not None and first.startswith("\ufeff"):
                        text = pa.concat_arrays(
                            [text[:lo], pa.array([first.removeprefix("\ufeff")], pa.string()), text[lo + 1 :]]
                        )
            keep = _usable(text)
            numbers = np.full(n, -1, dtype=np.int64)
            for lo, hi in itertools.pairwise(bounds):
                seg = (files[lo].as_py(), starts[lo].as_py())
                base = kept.get(seg, 0)
                part = keep[lo:hi]
                numbers[lo:hi][part] = base + np.arange(int(part.sum()), dtype=np.int64)
                kept[seg] = base + int(part.sum())
            yield pa.RecordBatch.from_arrays(
                [files, starts, pa.array(numbers), pa.array(keep), text.cast(pa.string())],
                names=["f", "b", "n", "keep", "t"],
            )

    return run


def _usable(text: pa.Array) -> np.ndarray:
    """Texts neither missing, empty nor only whitespace, whitespace as Python's ``str.isspace`` has it
    (the single-process reader's test): only texts whose first character is whitespace are checked one by one."""
    import pyarrow.compute as pc

    length = pc.fill_null(pc.utf8_length(text), 0).to_numpy(zero_copy_only=False)
    keep: np.ndarray = length > 0
    first = pc.utf8_slice_codeunits(text, 0, 1).dictionary_encode()
    spaces = np.array([bool(c) and c.isspace() for c in first.dictionary.to_pylist()] + [False], dtype=bool)
    codes = pc.fill_null(first.indices, len(spaces) - 1).to_numpy(zero_copy_only=False)
    for i in np.flatnonzero(spaces[codes] & keep).tolist():
        keep[i] = not text[i].as_py().isspace()
    return keep


@dataclass
class OrderedTexts:
    """The usable texts as (ord, t), ``ord`` 0… in input order; counts for the stderr summary."""

    frame: DataFrame
    texts: int
    skipped: int
    truncated: int
    _cached: DataFrame

    def release(self) -> None:
        self._cached.unpersist()


def ordered_texts(
    spark: SparkSession, path: Path, fmt: str | None, column: str | None, progress: Progress | None = None
) -> OrderedTexts:
    """Read an input into Spark and number its usable texts in input order."""
    from pyspark import StorageLevel
    from pyspark.sql import functions as F

    kind, files = input_files(Path(path), fmt, column)
    raw = _read(spark, kind, files, column, str(path))
    numbered = raw.mapInArrow(
        _numbering(kind == "lines"), "f string, b long, n long, keep boolean, t string"
    ).persist(StorageLevel.MEMORY_AND_DISK)
    with _watch(spark, progress, t("读取并编号文本", "reading and numbering the texts")):
        splits = (
            numbered.groupBy("f", "b")
            .agg(
                F.sum(F.col("keep").cast("long")).alias("kept"),
                F.sum((~F.col("keep")).cast("long")).alias("skipped"),
                F.sum((F.col("keep") & (F.length("t") > MAX_TEXT_CHARS)).cast("long")).alias("long"),
            )
            .collect()
        )
    offsets: list[tuple[str, int, int]] = []
    total = 0
    for row in sorted(splits, key=lambda r: (r["f"], r["b"])):
        offsets.append((row["f"], row["b"], total))
        total += row["kept"]
    table = spark.createDataFrame(offsets, "f string, b long, off long")
    frame = (
        numbered.filter("keep")
        .join(F.broadcast(table), ["f", "b"])
        .select((F.col("off") + F.col("n")).alias("ord"), "t")
    )
    return OrderedTexts(
        frame,
        texts=total,
        skipped=sum(r["skipped"] for r in splits),
        truncated=sum(r["long"] for r in splits),
        _cached=numbered,
    )


def _partitions(spark: SparkSession, texts: int) -> int:
    return max(2 * spark.sparkContext.defaultParallelism, -(-texts // TEXTS_PER_PARTITION), 1)


class _watch:
    """Report the running Spark stages' finished and total tasks to ``progress`` while a job runs."""

    def __init__(self, spark: SparkSession, progress: Progress | None, step: str) -> None:
        self.spark, self.progress, self.step = spark, progress, step
        self.stop = threading.Event()
        self.thread: threading.Thread | None = None

    def _poll(self) -> None:
        assert self.progress is not None
        tracker = self.spark.sparkContext.statusTracker()
        while not self.stop.wait(0.5):
            done = total = 0
            for sid in tracker.getActiveStageIds():
                info = tracker.getStageInfo(sid)
                if info is not None:
                    done += info.numCompletedTasks
                    total += info.numTasks
            if total:
                self.progress(self.step, done, total)

    def __enter__(self) -> _watch:
        if self.progress is not None:
            self.progress(self.step, 0, None)
            self.thread = threading.Thread(target=self._poll, daemon=True)
            self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        if self.thread is not None:
            self.thread.join()


# ---- classify ---------------------------------------------------------------------------------


def _classifier(on: date, cut_last_newline: bool, packs: tuple[str, ...] = ()) -> ArrowFn:
    """Per Arrow batch of (ord, t): the batch's JSON lines as one string, keyed by its first ord
    (without the final newline where Spark's text writer adds one per row). ``packs`` (checked on the
    driver) are looked for in the driver's QINGLIAN_PACK_DIRS too: an executor's Python worker may
    have been started before it was set, or elsewhere (the folders must then be readable there)."""
    pack_dirs = os.environ.get(ENV_DIRS) if packs else None

    def run(batches: Iterable[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        from qinglian.detect.classify import render_batch

        if pack_dirs is not None and os.environ.get(ENV_DIRS) != pack_dirs:
            os.environ[ENV_DIRS] = pack_dirs  # this worker's; pack_rules is cached per folder list
        for rb in batches:
            if rb.num_rows == 0:
                continue
            texts = rb.column(1).to_pylist()
            # as classify_stream does: the batch's many short-lived objects hold no cycles
            was_enabled = gc.isenabled()
            gc.disable()
            try:
                lines = render_batch(texts, on, packs)
            finally:
                if was_enabled:
                    gc.enable()
            yield pa.RecordBatch.from_arrays(
                [pa.array([rb.column(0)[0].as_py()], pa.int64()),
                 pa.array([lines[:-1] if cut_last_newline else lines], pa.string()),
                 pa.array([len(texts)], pa.int64())],
                names=["ord", "lines", "texts"],
            )

    return run


def classify_spark(
    path: str,
    dst: TextIO | None,
    *,
    fmt: str | None = None,
    column: str | None = None,
    spark_master: str | None = None,
    spark: SparkSession | None = None,
    out_dir: Path | None = None,
    on: date | None = None,
    progress: Progress | None = None,
    packs: Sequence[str] = (),
) -> ClassifyStats:
    """``qinglian classify --engine spark``: the same JSON lines as ``classify_path``, in input order
    (with the rules of the industry ``packs`` as classify_path runs them).

    The texts are range-partitioned on their input position (so a single CSV file, which Spark
    reads in one task, is still classified on every core) and each partition is classified batch
    by batch. With ``out_dir`` the executors write the partitions as part files (``part-00000…``,
    in order: concatenated by name they are the output) and nothing passes through the driver;
    otherwise the partitions are kept by Spark and handed to the driver, which writes ``dst``.
    """
    from pyspark import StorageLevel

    if path == "-":
        raise QinglianError(
            "Spark 引擎需要输入文件或目录，不能读标准输入",
            "the Spark engine reads files or folders, not stdin",
            hint_zh="给出文件路径",
            hint_en="give a file path",
        )
    if out_dir is not None and Path(out_dir).exists():
        raise QinglianError(
            "输出目录已存在", "the output folder already exists", file=str(out_dir),
            hint_zh="换一个新目录名", hint_en="name a folder that does not exist yet",
        )
    check_engine("spark", spark_master)
    chosen = pack_names(packs)  # an unknown pack is refused before Spark starts
    session = spark or spark_session(spark_master)
    # the driver's date for every executor: the citations in force are the same on all of them
    day = on or date.today()
    src = ordered_texts(session, Path(path), fmt, column, progress)
    stats = ClassifyStats(texts=src.texts, truncated=src.truncated)
    if src.skipped:  # Spark cannot tell their lines: spark_skipped_lines reports the count only
        stats.skipped["empty"] = src.skipped
    try:
        parts = _partitions(session, src.texts)
        classified = (
            src.frame.repartitionByRange(parts, "ord")
            .sortWithinPartitions("ord")
            .mapInArrow(_classifier(day, out_dir is not None, chosen), "ord long, lines string, texts long")
        )
        if out_dir is not None:
            with _watch(session, progress, t("分类并写出", "classifying and writing")):
                classified.select("lines").write.text(str(out_dir))
            return stats
        assert dst is not None
        out = classified.persist(StorageLevel.MEMORY_AND_DISK)
        try:
            with _watch(session, progress, t("分类", "classifying")):
                out.count()  # every partition classified in parallel before the driver reads them in order
            written = 0
            step = t("写出结果", "writing the results")
            for row in out.toLocalIterator(prefetchPartitions=True):
                dst.write(row["lines"])
                written += row["texts"]
                if progress is not None:
                    progress(step, written, src.texts)
            dst.flush()
        finally:
            out.unpersist()
    finally:
        src.release()
    return stats


def spark_skipped_lines(stats: ClassifyStats) -> list[str]:
    """The stderr summary: Spark cannot tell the line of a skipped text, only how many there were."""
    out = [t(f"已分类 {stats.texts} 条文本", f"classified {stats.texts} texts")]
    if stats.truncated:
        out.append(
            t(
                f"{stats.truncated} 条超长文本只分析了前 {MAX_TEXT_CHARS} 个字符",
                f"{stats.truncated} over-long texts were analysed on their first {MAX_TEXT_CHARS} characters",
            )
        )
    if stats.skipped:
        n = sum(stats.skipped.values())
        out.append(t(f"跳过 {n} 条空文本", f"skipped {n} empty texts"))
    return out


# ---- campaigns --------------------------------------------------------------------------------


@dataclass(frozen=True)
class SparkCampaigns:
    """Campaigns of at least min_messages messages, labelled as ``cluster_texts`` labels them
    (0 = largest, ties by first message); ``members`` is (ord, label) for their messages."""

    templates: list[str]
    sizes: np.ndarray
    members: DataFrame
    texts: int
    cached: list[DataFrame]

    def release(self) -> None:
        """Drop the clustering's cached frames (once the members have been read)."""
        for frame in self.cached:
            frame.unpersist()


def _masker(batches: Iterable[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    import polars as pl

    from qinglian.detect.campaigns.template import key_series, mask_series

    for rb in batches:
        texts = pl.Series("text", rb.column(1), dtype=pl.Utf8).fill_null("")
        masked = mask_series(texts)
        keys = key_series(masked)
        yield pa.RecordBatch.from_arrays(
            [rb.column(0), masked.to_arrow().cast(pa.string()), keys.to_arrow().cast(pa.string())],
            names=["ord", "masked", "key"],
        )


def _folder(batches: Iterable[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    from qinglian.detect.campaigns.template import fold_key

    for rb in batches:
        folds = [fold_key(k) for k in rb.column(0).to_pylist()]
        yield pa.RecordBatch.from_arrays(
            [rb.column(0), rb.column(1), pa.array(folds, pa.string()), pa.array([len(f) for f in folds], pa.int64())],
            names=["key", "first", "fold", "flen"],
        )


def _signer(p: Params) -> ArrowFn:
    def run(batches: Iterable[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        from qinglian.detect.campaigns.minhash import band_keys, minhash_signatures

        for rb in batches:
            if rb.num_rows == 0:
                continue
            folds = rb.column(0).to_pylist()
            sig = minhash_signatures(folds, num_perm=p.num_perm, k=p.shingle, seed=p.seed)
            keys = band_keys(sig, p.bands).view(np.int64)
            n, bands = keys.shape
            offsets = pa.array(np.arange(0, n * bands + 1, bands, dtype=np.int32))
            yield pa.RecordBatch.from_arrays(
                [rb.column(1), pa.array([len(f) for f in folds], pa.int64()),
                 pa.array([row.tobytes() for row in sig], pa.binary()),
                 pa.ListArray.from_arrays(offsets, pa.array(keys.reshape(-1)))],
                names=["g", "size", "sig", "bk"],
            )

    return run


def _judge(p: Params) -> ArrowFn:
    """Keep the candidate pairs that ``near_duplicate_groups`` keeps (same functions, same test)."""

    def run(batches: Iterable[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        from qinglian.detect.campaigns.minhash import estimated_jaccard, near_duplicate

        for rb in batches:
            n = rb.num_rows
            if n == 0:
                continue
            sa = np.frombuffer(b"".join(rb.column(2).to_pylist()), dtype=np.uint32).reshape(n, -1)
            sb = np.frombuffer(b"".join(rb.column(3).to_pylist()), dtype=np.uint32).reshape(n, -1)
            sig = np.concatenate([sa, sb])
            idx = np.arange(n, dtype=np.int64)
            jac = estimated_jaccard(sig, idx, idx + n)
            za = rb.column(4).to_numpy().astype(np.float64)
            zb = rb.column(5).to_numpy().astype(np.float64)
            keep = near_duplicate(jac, za, zb, p.threshold, p.containment, 16)
            mask = pa.array(keep)
            yield pa.RecordBatch.from_arrays(
                [rb.column(0).filter(mask), rb.column(1).filter(mask)], names=["a", "b"]
            )

    return run


def _roots(edges: pa.Table) -> tuple[np.ndarray, np.ndarray]:
    """Each template in an edge, and the first template (smallest ord) of its connected component."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    a = edges.column("a").to_numpy()
    b = edges.column("b").to_numpy()
    nodes, inverse = np.unique(np.concatenate([a, b]), return_inverse=True)
    n = len(nodes)
    i, j = inverse[: len(a)], inverse[len(a) :]
    graph = coo_matrix((np.ones(len(i), dtype=np.int8), (i, j)), shape=(n, n))
    _, comp = connected_components(graph, directed=False)
    first = np.full(comp.max() + 1 if n else 0, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(first, comp, nodes)
    return nodes, first[comp]


def cluster_spark(
    spark: SparkSession,
    texts: DataFrame,
    n_texts: int,
    params: Params | None = None,
    min_messages: int = 2,
    progress: Progress | None = None,
) -> SparkCampaigns:
    """``cluster_texts`` on Spark over (ord, t): the same campaigns, templates and members.

    An exact group (texts whose keys fold to one) is named by its first message's ord, which
    orders the groups as the single-machine path's first-appearance index does, so the stars,
    chains and component roots are the same.
    """
    # the groupings shuffle by key: as many partitions as the texts need (the engine's default
    # suits a laptop), restored afterwards for whatever else shares the session
    setting = "spark.sql.shuffle.partitions"
    before = spark.conf.get(setting)
    spark.conf.set(setting, str(max(int(before or 0), _partitions(spark, n_texts))))
    from qinglian.detect.campaigns.cluster import Params

    try:
        return _cluster(spark, texts, n_texts, params or Params(), min_messages, progress)
    finally:
        if before is not None:
            spark.conf.set(setting, before)


def _cluster(
    spark: SparkSession,
    texts: DataFrame,
    n_texts: int,
    p: Params,
    min_messages: int,
    progress: Progress | None,
) -> SparkCampaigns:
    from pyspark import StorageLevel
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    from qinglian.detect.campaigns import cluster

    level = StorageLevel.MEMORY_AND_DISK
    cached: list[DataFrame] = []

    def keep(frame: DataFrame) -> DataFrame:
        cached.append(frame.persist(level))
        return frame

    step = t("群发活动聚类", "clustering campaigns")
    with _watch(spark, progress, step):
        masked = keep(
            texts.repartition(_partitions(spark, n_texts)).mapInArrow(_masker, "ord long, masked string, key string")
        )
        keys = masked.groupBy("key").agg(F.min("ord").alias("first"))
        folded = keep(keys.mapInArrow(_folder, "key string, first long, fold string, flen long"))
        exact = keep(folded.groupBy("fold").agg(F.min("first").alias("g"), F.min("flen").alias("flen")))
        sigs = keep(
            exact.filter(F.col("flen") >= cluster.MIN_KEY_CHARS)
            .select("fold", "g")
            .mapInArrow(_signer(p), "g long, size long, sig binary, bk array<long>")
        )
        bucket = Window.partitionBy("band", "bkey").orderBy("g")
        banded = sigs.select("g", F.posexplode("bk").alias("band", "bkey")).select(
            "g", F.first("g").over(bucket).alias("star"), F.lag("g").over(bucket).alias("prev")
        )
        pairs = (
            banded.filter(F.col("star") != F.col("g")).select(F.col("star").alias("a"), F.col("g").alias("b"))
            .union(banded.filter(F.col("prev").isNotNull()).select(F.col("prev").alias("a"), F.col("g").alias("b")))
            .distinct()
        )
        side_a = sigs.select(F.col("g").alias("a"), F.col("sig").alias("sa"), F.col("size").alias("za"))
        side_b = sigs.select(F.col("g").alias("b"), F.col("sig").alias("sb"), F.col("size").alias("zb"))
        edges = (
            pairs.join(side_a, "a").join(side_b, "b")
            .select("a", "b", "sa", "sb", "za", "zb")
            .mapInArrow(_judge(p), "a long, b long")
            .toArrow()
        )
        nodes, roots = _roots(edges)
        root_table = spark.createDataFrame(pa.table({"g": nodes, "root": roots}))
        groups = (
            folded.filter(F.col("key") != "")
            .join(exact.select("fold", "g"), "fold")
            .join(F.broadcast(root_table) if len(nodes) < 1_000_000 else root_table, "g", "left")
            .select("key", F.coalesce("root", "g").alias("group"))
        )
        messages = keep(masked.join(groups, "key").select("ord", "masked", "group"))
        sizes = (
            messages.groupBy("group").agg(F.count("*").alias("n"), F.min("ord").alias("first"))
            .filter(F.col("n") >= max(min_messages, 1))
            .toArrow()
        )
    order = np.lexsort((sizes.column("first").to_numpy(), -sizes.column("n").to_numpy()))
    group_ids = sizes.column("group").to_numpy()[order]
    label_table = spark.createDataFrame(
        pa.table({"group": group_ids, "label": np.arange(len(group_ids), dtype=np.int64)})
    )
    labelled = messages.join(F.broadcast(label_table) if len(group_ids) < 1_000_000 else label_table, "group")
    best = Window.partitionBy("label").orderBy(F.desc("n"), F.asc("chars"), F.asc("first"))
    with _watch(spark, progress, step):
        reps = (
            labelled.groupBy("label", "masked")
            .agg(F.count("*").alias("n"), F.min("ord").alias("first"))
            .withColumn("chars", F.length("masked"))
            .withColumn("r", F.row_number().over(best))
            .filter("r = 1")
            .select("label", "masked")
            .toArrow()
        )
    from qinglian.detect.campaigns.template import display

    by_label = dict(zip(reps.column("label").to_pylist(), reps.column("masked").to_pylist(), strict=True))
    templates = [display(by_label[i]) for i in range(len(group_ids))]
    return SparkCampaigns(
        templates=templates,
        sizes=sizes.column("n").to_numpy()[order],
        members=labelled.select("ord", "label"),
        texts=n_texts,
        cached=cached,
    )


def _packer(batches: Iterable[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """A batch of (ord, label) rows as one row of two arrays: the driver reads few, large rows."""
    for rb in batches:
        if rb.num_rows == 0:
            continue
        ords, labels = (pa.ListArray.from_arrays(pa.array([0, rb.num_rows], pa.int32()), rb.column(i))
                        for i in range(2))
        yield pa.RecordBatch.from_arrays([ords, labels], names=["ords", "labels"])


def members_in_order(
    spark: SparkSession, found: SparkCampaigns, progress: Progress | None = None
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """The members as (ord, label) arrays, ascending ord, a range partition at a time."""
    total = int(found.sizes.sum())
    if total == 0:
        return
    ordered = (
        found.members.repartitionByRange(_partitions(spark, total), "ord")
        .sortWithinPartitions("ord")
        .mapInArrow(_packer, "ords array<long>, labels array<long>")
    )
    step = t("写出成员", "writing the members")
    done = 0
    for row in ordered.toLocalIterator(prefetchPartitions=True):
        ords = np.array(row["ords"], dtype=np.int64)
        done += len(ords)
        if progress is not None:
            progress(step, done, total)
        yield ords, np.array(row["labels"], dtype=np.int64)
