from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from qinglian.cli import run
from qinglian.detect.text.rules import LABELS


def _out(capsys: pytest.CaptureFixture[str]) -> tuple[list[dict[str, Any]], str]:
    cap = capsys.readouterr()
    return [json.loads(line) for line in cap.out.splitlines()], cap.err


def test_lines_file_gives_the_contract(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "in.txt"
    f.write_text("【某某金融】贷 款无抵押，黑户可贷，回T退订\n妈，我今晚加班\n", encoding="utf-8")
    assert run(["classify", str(f)]) == 0
    rows, err = _out(capsys)
    assert len(rows) == 2
    first = rows[0]
    assert list(first) == ["text", "labels", "hits"]
    assert first["text"] == "【某某金融】贷 款无抵押，黑户可贷，回T退订"
    labels = first["labels"]
    assert isinstance(labels, dict) and list(labels) == list(LABELS)
    assert labels["loan"] >= 0.5 and labels["false_promise"] >= 0.5
    hits = first["hits"]
    assert isinstance(hits, list)
    for hit in hits:
        assert set(hit) - {"kind"} == {"label", "rule", "span", "law"}
        # signs that a text is commercial (opt-out, signature, loan vocabulary) cite no provision
        assert hit["law"] or hit["rule"] in {"marketing.opt_out", "marketing.signature", "loan.term"}
    spans = {h["rule"]: first["text"][h["span"][0] : h["span"][1]] for h in hits}
    assert spans["false_promise.bad_credit"] == "黑户可贷"
    assert spans["loan.term"] == "贷 款"
    # a rule that is a sign of one kind of fraud names it; the others carry no kind
    kinds = {h["rule"]: h.get("kind") for h in hits}
    assert kinds["fraud.loan_lure"] == "loan_fee"
    assert "kind" not in next(h for h in hits if h["rule"] == "loan.term")
    assert rows[1]["hits"] == []
    assert "2" in err


def test_bad_lines_are_skipped_and_counted(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "bad.txt"
    long_text = "贷款" * 60_000  # 120,000 characters
    f.write_bytes(
        "正常短信\n".encode()
        + b"\n"
        + b"\xff\xfe\xfa invalid\n"
        + "😀\x07控制字符\u200b 贷\u200b款\n".encode()
        + (long_text + "\n").encode()
    )
    assert run(["--lang", "en", "classify", str(f)]) == 0
    rows, err = _out(capsys)
    assert [r["text"] for r in rows] == ["正常短信", "😀\x07控制字符\u200b 贷\u200b款", long_text]
    assert "skipped 1 lines (invalid UTF-8), first at line 3" in err
    assert "skipped 1 lines (empty text), first at line 2" in err
    assert "1 over-long texts" in err
    emoji_hits = {h["rule"] for h in rows[1]["hits"]}
    assert "loan.term" in emoji_hits
    assert "Traceback" not in err


def test_csv_column_and_missing_column(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "in.csv"
    f.write_text('id,内容\n1,"多行\n短信 不看征信"\n2,你好\n', encoding="utf-8-sig")
    assert run(["classify", str(f), "--column", "内容"]) == 0
    rows, _ = _out(capsys)
    assert [r["text"] for r in rows] == ["多行\n短信 不看征信", "你好"]
    assert any(h["rule"] == "false_promise.bad_credit" for h in rows[0]["hits"])
    assert run(["classify", str(f), "--column", "content"]) == 2
    err = capsys.readouterr().err.replace("\n", "")  # the console wraps long lines
    assert "CSV 中没有名为「content」的列" in err
    assert "可用的列：id、内容" in err and "Traceback" not in err


def test_jsonl_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "in.jsonl"
    f.write_text('{"text": "秒批秒到"}\nnot json\n{"other": 1}\n', encoding="utf-8")
    assert run(["--lang", "en", "classify", str(f)]) == 0
    rows, err = _out(capsys)
    assert len(rows) == 1 and rows[0]["labels"]["false_promise"] >= 0.5
    assert "not a valid JSON object" in err and "the field is missing" in err


def test_missing_file_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["--lang", "en", "classify", str(tmp_path / "nope.txt")]) == 2
    assert "input file not found" in capsys.readouterr().err


def test_batches_give_the_same_result_as_one(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import qinglian.detect.classify as c

    f = tmp_path / "in.txt"
    f.write_text(
        "\n".join(f"第{i}条 低息贷款 回T退订" if i % 2 else f"你好{i}" for i in range(25)) + "\n",
        encoding="utf-8",
    )
    assert run(["classify", str(f)]) == 0
    whole = capsys.readouterr().out
    monkeypatch.setattr(c, "BATCH_SIZE", 4)
    assert run(["classify", str(f)]) == 0
    assert capsys.readouterr().out == whole


def test_csv_field_over_the_limit_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import csv

    from qinglian.detect.classify import CSV_FIELD_LIMIT

    f = tmp_path / "big.csv"
    f.write_text('text\n你好\n"' + "长" * (CSV_FIELD_LIMIT + 10) + '"\n', encoding="utf-8")
    before = csv.field_size_limit()
    assert run(["--lang", "en", "classify", str(f)]) == 2
    cap = capsys.readouterr()
    assert [json.loads(x)["text"] for x in cap.out.splitlines()] == ["你好"]
    assert "malformed CSV" in cap.err.replace("\n", "") and "row 3" in cap.err
    assert csv.field_size_limit() == before


def test_small_read_chunks_give_the_same_output(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import qinglian.detect.classify as c

    f = tmp_path / "in.txt"
    f.write_bytes("\ufeff低息贷款\r\n\n".encode() + b"\xff\n" + "不看征信 秒批\n最后一行".encode())
    assert run(["--lang", "en", "classify", str(f)]) == 0
    whole = capsys.readouterr()
    monkeypatch.setattr(c, "READ_CHUNK", 5)
    assert run(["--lang", "en", "classify", str(f)]) == 0
    small = capsys.readouterr()
    assert small.out == whole.out
    assert [json.loads(x)["text"] for x in small.out.splitlines()] == ["低息贷款", "不看征信 秒批", "最后一行"]
    assert "first at line 3" in small.err and "first at line 2" in small.err


def test_parallel_batches_give_the_serial_output_in_input_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past SERIAL_BATCHES, batches go to a helper process and this one in turn: same lines, same order."""
    import io

    from qinglian.detect import classify

    texts = [f"第{i}条：【某某金融】贷款{i}万，当天放款，回T退订" if i % 3 else f"妈，第{i}天我加班" for i in range(700)]
    texts[350] = "长" * (classify.MAX_TEXT_CHARS + 5)  # truncated for analysis, written whole
    f = tmp_path / "in.txt"
    f.write_text("\n".join(texts) + "\n", encoding="utf-8")
    monkeypatch.setattr(classify, "BATCH_SIZE", 50)
    monkeypatch.setattr(classify, "SERIAL_BATCHES", 2)

    def output(workers: str) -> tuple[str, int, int]:
        monkeypatch.setenv("QINGLIAN_WORKERS", workers)
        out = io.StringIO()
        stats = classify.classify_path(str(f), out, fmt="lines")
        return out.getvalue(), stats.texts, stats.truncated

    serial, parallel = output("1"), output("3")
    assert parallel == serial
    rows = [json.loads(line) for line in parallel[0].splitlines()]
    assert [r["text"] for r in rows] == texts
    assert parallel[1:] == (700, 1)
    assert rows[1]["labels"]["loan"] >= 0.5 and rows[3]["labels"]["loan"] < 0.5
