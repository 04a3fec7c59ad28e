"""Contract: `classify` and the campaign clustering give the same output on Spark as on the default engine.

100,000 texts: the cn_sms_spam samples as they are (quoted newlines, digits masked as x), and campaigns
generated from their spam messages (slots filled, signatures, names, traditional characters, spacing
tricks, dropped and swapped characters), with empty and blank rows, quotes and one over-long text.
"""

from __future__ import annotations

import csv
import io
import os
import random
import sys
from pathlib import Path

import opencc
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from qinglian.cli import run
from qinglian.detect.campaigns.files import campaigns_file
from qinglian.detect.classify import MAX_TEXT_CHARS, classify_path
from qinglian.detect.spark_text import _usable, classify_spark, spark_session

# Spark's Python workers must run this interpreter (set before any test starts a SparkContext)
os.environ.setdefault("PYSPARK_PYTHON", sys.executable)

TEXTS = 100_000
_SIGNS = ["【惠民金融】", "【速贷通】", "【安心借】", "[融易贷]", "【平安普惠】", ""]
_NAMES = ["张伟", "王芳", "李娜", "刘洋", "陈静", "杨磊", "赵敏"]


def _real_texts(shared: Path) -> tuple[list[str], list[str]]:
    """Every content cell of the samples, and the spam ones (the seeds of the generated campaigns)."""
    texts: list[str] = []
    spam: list[str] = []
    for name in ("sample1.csv", "sample2.csv", "sample3.csv"):
        with (shared / "cn_sms_spam" / name).open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                texts.append(row["content"])
                if row["label"] == "1" and len(row["content"].strip()) >= 20:
                    spam.append(row["content"].strip())
    return texts, spam


def _variant(seed: str, rng: random.Random, t2s: opencc.OpenCC) -> str:
    text = "".join(str(rng.randrange(10)) if ch == "x" else ch for ch in seed)
    if rng.random() < 0.5:
        text = f"尊敬的{rng.choice(_NAMES)}，{text}"
    text = rng.choice(_SIGNS) + text
    roll = rng.random()
    if roll < 0.15:
        text = t2s.convert(text)
    elif roll < 0.3:  # a dropped character: a near duplicate, merged by MinHash
        cut = rng.randrange(len(text))
        text = text[:cut] + text[cut + 1 :]
    elif roll < 0.4:  # spacing and symbol tricks
        text = text.replace("贷款", rng.choice(["贷 款", "贷-款", "袋款"]))
    if rng.random() < 0.1:
        text += f" 回T退订 {rng.randrange(1000, 9999)}"
    return text


@pytest.fixture(scope="module")
def corpus(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The 100,000 texts as one CSV (BOM, quoted newlines, blank rows) and as a folder of Parquet parts."""
    rng = random.Random(7)
    s2t = opencc.OpenCC("s2t")
    real, spam = _real_texts(shared_data)
    texts = [x for x in real if x.strip()]
    seeds = rng.sample(spam, 400)
    while len(texts) < TEXTS - 2:
        seed = seeds[min(int(rng.expovariate(1 / 60)), len(seeds) - 1)]  # a few large campaigns, many small
        texts.append(_variant(seed, rng, s2t))
    texts.append('他说："包过"，"秒批"\\n不是换行')
    texts.append("贷款" * (MAX_TEXT_CHARS // 2 + 10))  # analysed on its first MAX_TEXT_CHARS characters
    rng.shuffle(texts)
    assert len(texts) == TEXTS
    rows = [[str(i % 2), x] for i, x in enumerate(texts)]
    for at in (5, 50_000, 99_990):  # unusable rows: counted, not classified
        rows.insert(at, ["0", ""])
    rows.insert(70_000, ["0", "  \u3000 "])
    folder = tmp_path_factory.mktemp("spark_text")
    path = folder / "texts.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["label", "content"])
        writer.writerows(rows)
    parts = folder / "parts"
    parts.mkdir()
    cells = [r[1] for r in rows]
    for i, (lo, hi) in enumerate([(0, 30_000), (30_000, 65_000), (65_000, len(cells))]):
        pq.write_table(pa.table({"content": cells[lo:hi]}), parts / f"part-{i}.parquet", row_group_size=8_000)
    return path, parts


@pytest.mark.spark
def test_classify_on_spark_writes_the_default_engines_lines(corpus: tuple[Path, Path]) -> None:
    csv_path, _ = corpus
    spark = spark_session("local[2]")
    on_default, on_spark = io.StringIO(), io.StringIO()
    default_stats = classify_path(str(csv_path), on_default, column="content")
    spark_stats = classify_spark(str(csv_path), on_spark, column="content", spark=spark)
    lines = on_default.getvalue().splitlines()
    assert len(lines) == TEXTS == default_stats.texts == spark_stats.texts
    assert sum('"hits": []' not in x for x in lines) > 10_000  # rules fire: hits are compared too
    assert on_spark.getvalue() == on_default.getvalue()  # text, all eight labels and every hit, in order
    assert spark_stats.truncated == default_stats.truncated == 1
    assert sum(spark_stats.skipped.values()) == sum(default_stats.skipped.values()) == 4


@pytest.mark.spark
def test_campaigns_on_spark_are_the_default_engines(corpus: tuple[Path, Path]) -> None:
    csv_path, parts = corpus
    spark_session("local[2]")
    campaigns, members = io.StringIO(), io.StringIO()
    found = campaigns_file(str(csv_path), campaigns, members, column="content")
    s_campaigns, s_members = io.StringIO(), io.StringIO()
    # Spark reads the same rows from a folder of Parquet parts: file order, then row order
    s_found = campaigns_file(
        str(parts), s_campaigns, s_members, column="content", engine="spark", spark_master="local[2]"
    )
    assert found == s_found
    assert found.texts == TEXTS and found.campaigns > 300
    table = list(csv.DictReader(io.StringIO(campaigns.getvalue())))
    assert int(table[0]["messages"]) > 500  # the generated campaigns, variants merged into them
    assert s_campaigns.getvalue() == campaigns.getvalue()  # ids, templates, sizes
    assert s_members.getvalue() == members.getvalue()  # every member, by its row


@pytest.mark.spark
def test_classify_command_on_spark(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "in.txt"
    texts = ["低息贷款，秒批，不看征信", "", "您好，明天开会\r", *(f"第{i}条：无抵押贷款 {i}万" for i in range(20))]
    path.write_text("\ufeff" + "\n".join(texts) + "\n", encoding="utf-8")
    assert run(["classify", str(path)]) == 0
    default = capsys.readouterr()
    assert run(["classify", str(path), "--engine", "spark", "--spark-master", "local[2]"]) == 0
    spark = capsys.readouterr()
    assert spark.out == default.out and len(spark.out.splitlines()) == 22
    assert "22" in spark.err
    # written by the executors as part files: joined in name order, the same lines
    assert run(["classify", str(path), "--engine", "spark", "--out", str(tmp_path / "out")]) == 0
    parts = sorted((tmp_path / "out").glob("part-*"))
    assert len(parts) > 1
    assert "".join(p.read_text(encoding="utf-8") for p in parts) == default.out


def test_a_bad_spark_master_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "in.txt"
    path.write_text("低息贷款\n", encoding="utf-8")
    assert run(["--lang", "en", "classify", str(path), "--engine", "spark", "--spark-master", "localhost"]) != 0
    assert "not a Spark master URL" in capsys.readouterr().err
    assert run(["--lang", "en", "classify", str(path), "--spark-master", "local[2]"]) != 0
    assert "only with --engine spark" in capsys.readouterr().err
    assert run(["--lang", "en", "campaigns", str(path), "--engine", "flink"]) != 0
    assert "unknown engine" in capsys.readouterr().err
    assert run(["--lang", "en", "classify", str(path), "--out", str(tmp_path / "o")]) != 0
    assert "only with --engine spark" in capsys.readouterr().err


def test_usable_texts_are_those_the_single_process_reader_keeps() -> None:
    texts = [None, "", " ", "\u3000", "\x1c\x1d", "\u200b", "\ufeff", " a", "\t\n", "贷款", "\u2028 ", "\x85x"]
    expected = [bool(x) and not x.isspace() for x in texts]  # type: ignore[union-attr]
    assert _usable(pa.array(texts, pa.string())).tolist() == expected


@pytest.mark.parametrize("engine", ["duckdb", pytest.param("spark", marks=pytest.mark.spark)])
def test_campaigns_command_writes_campaigns_and_members(
    engine: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    texts = [f"【速贷通】尊敬的{n}，您有{a}万元额度待领取，回T退订" for n, a in (("张伟", 5), ("王芳", 8), ("李娜", 3))]
    texts.insert(1, "明天下午三点开会")
    path = tmp_path / "sms.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([["content"], *([x] for x in texts)])
    out, members = tmp_path / "campaigns.csv", tmp_path / "members.csv"
    args = ["campaigns", str(path), "--column", "content", "--out", str(out), "--members", str(members),
            "--engine", engine]
    assert run(args) == 0
    assert out.read_text(encoding="utf-8") == (
        "campaign_id,template,messages\nSMS-0001,{签名}尊敬的{姓名}，您有{金额}额度待领取，回T退订,3\n"
    )
    assert members.read_text(encoding="utf-8") == "row,campaign_id\n1,SMS-0001\n3,SMS-0001\n4,SMS-0001\n"
    assert "1" in capsys.readouterr().err
