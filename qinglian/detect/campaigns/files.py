"""`qinglian campaigns`: campaigns of the texts of a file (an SMS platform's log), outside any case.

Writes a CSV ``campaign_id,template,messages`` (campaigns of at least ``min_messages`` messages,
``SMS-0001`` the largest) and, when asked, the members ``row,campaign_id``: ``row`` is the text's
place among the usable texts of the input, counted from 1 as ``qinglian classify`` numbers its output
lines. The default engine clusters in this process (``cluster_texts``); ``--engine spark`` runs the
same clustering on Spark (``detect.spark_text``) with the same output.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import numpy as np
import polars as pl

from qinglian.detect.campaigns.cluster import Params, cluster_texts
from qinglian.detect.classify import ClassifyStats, guess_format, read_blocks
from qinglian.errors import QinglianError
from qinglian.i18n import t

Progress = Callable[[str, int, int | None], None]


def campaign_id(label: int) -> str:
    return f"SMS-{label + 1:04d}"


@dataclass(frozen=True)
class FileCampaigns:
    """What a run found: texts read, empty ones skipped, campaigns and their messages."""

    texts: int
    skipped: int
    campaigns: int
    members: int

    def lines(self) -> list[str]:
        out = [
            t(
                f"{self.texts} 条文本中找到 {self.campaigns} 个群发活动，共 {self.members} 条",
                f"{self.campaigns} campaigns holding {self.members} of {self.texts} texts",
            )
        ]
        if self.skipped:
            out.append(t(f"跳过 {self.skipped} 条空文本或无法读取的行", f"skipped {self.skipped} empty or unreadable lines"))
        return out


def read_texts(path: str, fmt: str | None, column: str | None) -> tuple[list[str], int]:
    """The usable texts of one file, read as ``qinglian classify`` reads them, and how many were skipped."""
    p = Path(path)
    if not p.is_file():
        raise QinglianError(
            "找不到输入文件", "input file not found", file=path,
            hint_zh="默认引擎读取单个文件；目录请用 --engine spark",
            hint_en="the default engine reads one file; use --engine spark for a folder",
        )
    kind = fmt or ("parquet" if p.suffix.lower() == ".parquet" else guess_format(path, column))
    if kind == "parquet":
        import pyarrow.parquet as pq

        name = column or "text"
        schema = pq.read_schema(p)
        if name not in schema.names:
            raise QinglianError(
                f"输入中没有名为「{name}」的列", f"the input has no column named '{name}'", file=path,
                hint_zh="可用的列：" + "、".join(schema.names[:30]) + "；用 --column 指定",
                hint_en="columns found: " + ", ".join(schema.names[:30]) + "; pick one with --column",
            )
        values = pl.from_arrow(pq.read_table(p, columns=[name]).column(0)).cast(pl.Utf8)
        assert isinstance(values, pl.Series)
        texts = [x for x in values.to_list() if x and not x.isspace()]
        return texts, len(values) - len(texts)
    stats = ClassifyStats()
    with p.open("rb") as fh:
        texts = [x for block in read_blocks(fh, kind, column, path, stats) for x in block]
    if stats.fatal is not None:
        raise stats.fatal
    return texts, sum(stats.skipped.values())


def write_campaigns(out: TextIO, templates: list[str], sizes: np.ndarray) -> None:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["campaign_id", "template", "messages"])
    for label, (template, size) in enumerate(zip(templates, sizes.tolist(), strict=True)):
        writer.writerow([campaign_id(label), template, size])


def write_members(out: TextIO, chunks: Iterator[tuple[np.ndarray, np.ndarray]], count: int) -> None:
    """``row,campaign_id`` per member, row counted from 1; ids made once per campaign."""
    ids = np.array([campaign_id(i) for i in range(count)], dtype=object)
    out.write("row,campaign_id\n")
    for rows, labels in chunks:
        if len(rows):
            text = (rows + 1).astype(str).astype(object) + "," + ids[labels]
            out.write("\n".join(text.tolist()) + "\n")


def campaigns_file(
    path: str,
    out: TextIO,
    members_out: TextIO | None = None,
    *,
    fmt: str | None = None,
    column: str | None = None,
    min_messages: int = 2,
    params: Params | None = None,
    engine: str = "duckdb",
    spark_master: str | None = None,
    progress: Progress | None = None,
) -> FileCampaigns:
    """Cluster the texts of a file (or, on Spark, a folder) into campaigns and write them as CSV."""
    from qinglian.detect.spark_text import check_engine

    check_engine(engine, spark_master)
    if min_messages < 1:
        raise QinglianError("--min-messages 至少为 1", "--min-messages must be at least 1")
    if engine == "spark":
        return _on_spark(path, out, members_out, fmt, column, min_messages, params, spark_master, progress)
    if progress is not None:
        progress(t("读取文本", "reading the texts"), 0, None)
    texts, skipped = read_texts(path, fmt, column)
    if progress is not None:
        progress(t("群发活动聚类", "clustering campaigns"), 0, None)
    found = cluster_texts(pl.Series("text", texts, dtype=pl.Utf8), params)
    kept = found.sizes >= min_messages
    count = int(kept.sum())  # labels run from the largest campaign down, so the kept ones come first
    write_campaigns(out, found.templates[:count], found.sizes[:count])
    rows = np.flatnonzero((found.labels >= 0) & (found.labels < count))
    if members_out is not None:
        write_members(members_out, iter([(rows, found.labels[rows])]), count)
    return FileCampaigns(len(texts), skipped, count, len(rows))


def _on_spark(
    path: str,
    out: TextIO,
    members_out: TextIO | None,
    fmt: str | None,
    column: str | None,
    min_messages: int,
    params: Params | None,
    spark_master: str | None,
    progress: Progress | None,
) -> FileCampaigns:
    from qinglian.detect.spark_text import cluster_spark, members_in_order, ordered_texts, spark_session

    spark = spark_session(spark_master)
    src = ordered_texts(spark, Path(path), fmt, column, progress)
    try:
        found = cluster_spark(spark, src.frame, src.texts, params, min_messages, progress)
        try:
            write_campaigns(out, found.templates, found.sizes)
            if members_out is not None:
                write_members(members_out, members_in_order(spark, found, progress), len(found.templates))
        finally:
            found.release()
    finally:
        src.release()
    return FileCampaigns(src.texts, src.skipped, len(found.templates), int(found.sizes.sum()))
