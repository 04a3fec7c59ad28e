"""`qinglian classify --pack`: the industry packs' rules on every path of the stable classify command
(one process, helper processes, Spark), an unknown pack refused, and no change without --pack."""

from __future__ import annotations

import io
import json
import os
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from qinglian.cli import run
from qinglian.detect import classify
from qinglian.errors import QinglianError
from tests.packs.pets import add_pets_pack

HERE = Path(__file__).resolve().parent
# The output of `classify` with the built-in rules only, on the day below, for the texts below.
# Regenerate only on a deliberate change of the rules or the model:
#   classify_stream(io.BytesIO(("\n".join(TEXTS) + "\n").encode()), out, on=DAY)
GOLDEN = HERE / "classify_without_pack.jsonl"
DAY = date(2026, 12, 5)
TEXTS = [
    "【惠民金融】无抵押信用贷，最快当天放款，黑户可贷，详询138xxxx，回T退订",
    "【万科置业】学区房现房发售，保证升值，稳赚不赔，年回报8%，详询138xxxx，回T退订",
    "您好，这里是住建局，您的房产需要重新登记，请致电",
    "妈，我今晚加班",
    '"quoted" \\ back slash\ttab 零首付购房',
]
PROMISE = "【万科置业】学区房现房发售，保证升值，稳赚不赔，年回报8%，详询138xxxx，回T退订"



def _stream(texts: list[str], packs: tuple[str, ...] = (), on: date | None = DAY) -> str:
    out = io.StringIO()
    classify.classify_stream(io.BytesIO(("\n".join(texts) + "\n").encode()), out, on=on, packs=packs)
    return out.getvalue()


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = run(["classify", *args])
    cap = capsys.readouterr()
    return code, cap.out, cap.err


def _pets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    add_pets_pack(tmp_path / "packs", monkeypatch)


def test_without_a_pack_the_output_is_what_it_was() -> None:
    golden = GOLDEN.read_text(encoding="utf-8")
    assert _stream(TEXTS) == golden
    # the loans pack is the built-in rules: naming it changes nothing either
    assert _stream(TEXTS, ("loans",)) == golden


def test_the_command_without_pack_writes_the_built_in_rules_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    f = tmp_path / "in.txt"
    f.write_text("\n".join(TEXTS) + "\n", encoding="utf-8")
    code, plain, _ = _cli(capsys, str(f))
    assert code == 0
    assert plain == _stream(TEXTS, on=None)
    assert _cli(capsys, "--pack", "loans", str(f))[1] == plain
    assert "real_estate." not in plain


def test_a_real_estate_promise_is_flagged_with_the_pack_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    f = tmp_path / "in.txt"
    f.write_text(PROMISE + "\n妈，我今晚加班\n", encoding="utf-8")
    code, out, _ = _cli(capsys, str(f))
    assert code == 0
    before = [json.loads(x) for x in out.splitlines()]
    code, out, _ = _cli(capsys, "--pack", "loans", "--pack", "real_estate", str(f))
    assert code == 0
    after = [json.loads(x) for x in out.splitlines()]
    assert [r["text"] for r in after] == [PROMISE, "妈，我今晚加班"]

    assert before[0]["labels"]["false_promise"] < 0.5
    assert not any(h["rule"].startswith("real_estate.") for h in before[0]["hits"])
    assert after[0]["labels"]["false_promise"] >= 0.5
    hits: list[dict[str, Any]] = after[0]["hits"]
    # the built-in hits are unchanged and come first; the pack's follow, in the contract's form
    assert hits[: len(before[0]["hits"])] == before[0]["hits"]
    spans = {(h["rule"], PROMISE[h["span"][0] : h["span"][1]]) for h in hits}
    assert ("real_estate.appreciation", "保证升值") in spans
    assert ("real_estate.return_rate", "年回报8%") in spans
    appreciation = next(h for h in hits if h["rule"] == "real_estate.appreciation")
    assert list(appreciation) == ["label", "rule", "span", "law"]  # a pack rule names no fraud kind
    assert appreciation["label"] == "false_promise"
    assert any("广告法" in law and "第二十六条" in law for law in appreciation["law"])
    # a text the pack has nothing to say about is written as before
    assert after[1] == before[1]


def test_packs_from_qinglian_pack_dirs_are_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _pets(tmp_path, monkeypatch)
    f = tmp_path / "in.txt"
    f.write_text("【萌宠之家】进口药包治百病，回T退订\n", encoding="utf-8")
    code, out, _ = _cli(capsys, "--pack", "pets", str(f))
    assert code == 0
    row = json.loads(out)
    assert row["labels"]["false_promise"] >= 0.5
    assert [h["rule"] for h in row["hits"] if h["label"] == "false_promise"] == ["pets.cure_all"]


@pytest.mark.parametrize("lang, words", [
    ("zh", ["没有名为 yachts 的行业包", "可用的行业包", "real_estate", "education"]),
    ("en", ["there is no industry pack named yachts", "available packs", "loans, real_estate"]),
])
def test_an_unknown_pack_is_refused_naming_the_packs_there_are(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], lang: str, words: list[str]
) -> None:
    f = tmp_path / "in.txt"
    f.write_text(PROMISE + "\n", encoding="utf-8")
    code = run(["--lang", lang, "classify", "--pack", "real_estate", "--pack", "yachts", str(f)])
    cap = capsys.readouterr()
    assert code == 2  # a user's mistake, as the other commands' (QinglianError.exit_code)
    assert cap.out == ""  # refused before any text is classified
    for w in words:
        assert w in cap.err
    assert "Traceback" not in cap.err


def test_an_unknown_pack_is_refused_on_spark_before_spark_starts(tmp_path: Path) -> None:
    from qinglian.detect.spark_text import classify_spark

    f = tmp_path / "in.txt"
    f.write_text(PROMISE + "\n", encoding="utf-8")
    with pytest.raises(QinglianError) as exc:
        # no session is given: one would be started after the check
        classify_spark(str(f), io.StringIO(), packs=("yachts",))
    assert "yachts" in exc.value.en and "real_estate" in (exc.value.hint_en or "")


def test_helper_processes_give_the_single_process_output_with_packs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past SERIAL_BATCHES, batches go to spawned helpers (they must see the packs, QINGLIAN_PACK_DIRS too)."""
    _pets(tmp_path, monkeypatch)
    pool = [PROMISE, "【萌宠之家】进口药包治百病，回T退订", "【惠民金融】黑户可贷，回T退订", "妈，我今晚加班"]
    texts = [f"{i}：{pool[i % len(pool)]}" for i in range(400)]
    f = tmp_path / "in.txt"
    f.write_text("\n".join(texts) + "\n", encoding="utf-8")
    monkeypatch.setattr(classify, "BATCH_SIZE", 50)
    monkeypatch.setattr(classify, "SERIAL_BATCHES", 2)

    def output(workers: str) -> str:
        monkeypatch.setenv("QINGLIAN_WORKERS", workers)
        out = io.StringIO()
        classify.classify_path(str(f), out, fmt="lines", packs=("real_estate", "pets"))
        return out.getvalue()

    serial, parallel = output("1"), output("3")
    assert parallel == serial
    rows = [json.loads(line) for line in parallel.splitlines()]
    assert [r["text"] for r in rows] == texts
    late = rows[300:]  # batches 6 and 7: this process's and a helper's
    assert all(any(h["rule"] == "real_estate.appreciation" for h in r["hits"]) for r in late[0::4])
    assert all(any(h["rule"] == "pets.cure_all" for h in r["hits"]) for r in late[1::4])
    assert parallel != _plain(f)


def _plain(f: Path) -> str:
    out = io.StringIO()
    classify.classify_path(str(f), out, fmt="lines")
    return out.getvalue()


@pytest.mark.spark
def test_spark_classifies_with_the_packs_as_one_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from qinglian.detect.spark_text import classify_spark, spark_session

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    spark = spark_session("local[2]")
    # named after Spark (and its workers' environment) started: the driver's pack folders are sent along
    _pets(tmp_path, monkeypatch)
    texts = [PROMISE, "【萌宠之家】进口药包治百病，回T退订", "妈，我今晚加班", "您好，这里是住建局，您的房产需要重新登记，请致电"]
    f = tmp_path / "in.txt"
    f.write_text("\n".join(texts * 25) + "\n", encoding="utf-8")
    packs = ("real_estate", "pets")
    single = io.StringIO()
    classify.classify_path(str(f), single, packs=packs)
    on_spark = io.StringIO()
    classify_spark(str(f), on_spark, spark=spark, packs=packs)
    assert on_spark.getvalue() == single.getvalue()
    assert "real_estate.appreciation" in single.getvalue() and "pets.cure_all" in single.getvalue()
    plain = io.StringIO()
    classify_spark(str(f), plain, spark=spark)
    assert plain.getvalue() == _plain(f)
