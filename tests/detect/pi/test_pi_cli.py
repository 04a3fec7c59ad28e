from __future__ import annotations

import json
from pathlib import Path

import pytest

from qinglian.cli import run
from qinglian.i18n import set_language
from qinglian.store.custody import read_entries

from .factory import HOLDER_A, HOLDER_B, SHA1, SHA2, SHA3, insert, make_card, make_id

MOBILE = "13812345678"
IDN = make_id("310101", "19900307", "123")
CARD = make_card()


@pytest.fixture()
def pi_case(case_dir: Path) -> Path:
    insert(case_dir, "customers", [
        {"name": "张三丰", "phone": "+86" + MOBILE, "id_number": IDN,
         "address": "上海市浦东新区张江路88号", "employer": "某某科技有限公司", "credit_info": "负债20万"},
    ], sha=SHA1, file_name="客户名单.xlsx")
    insert(case_dir, "sms", [
        {"recipient": "+8613912345678", "content": f"卡号{CARD}"},
    ], sha=SHA2, file_name="短信.csv")
    insert(case_dir, "customers", [{"name": "李四", "phone": "+8613712345678"}], holder=HOLDER_B, sha=SHA3)
    return case_dir


@pytest.fixture(autouse=True)
def _reset_language() -> None:
    set_language(None)


def _actions(case_dir: Path) -> list[str]:
    return [e["action"] for e in read_entries(case_dir / "custody.jsonl")]


RAW_VALUES = (MOBILE, "13912345678", IDN, CARD, "张三丰", "张江路88号")


def test_masked_by_default(pi_case: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["pi", str(pi_case)]) == 0
    out = capsys.readouterr().out
    for raw in RAW_VALUES:
        assert raw not in out, raw
    assert "138****5678" in out
    assert IDN[:4] + "*" * 10 + IDN[-4:] in out
    assert HOLDER_A in out and HOLDER_B in out
    assert "征信信息" in out and "客户名单.xlsx" in out
    assert _actions(pi_case)[-1] == "pi"
    assert "pi.reveal" not in _actions(pi_case)


def test_reveal_shows_raw_values_and_is_logged(pi_case: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["pi", str(pi_case), "--holder", HOLDER_A, "--reveal", "--reason", "核对样例", "--user", "审查员甲"]) == 0
    out = capsys.readouterr().out
    assert MOBILE in out and "张三丰" in out
    assert HOLDER_B not in out
    entries = read_entries(pi_case / "custody.jsonl")
    reveal = [e for e in entries if e["action"] == "pi.reveal"]
    assert len(reveal) == 1
    assert reveal[0]["user"] == "审查员甲"
    assert reveal[0]["args"]["holder"] == HOLDER_A
    # The log records that values were shown, never the values.
    log_text = (pi_case / "custody.jsonl").read_text(encoding="utf-8")
    for raw in RAW_VALUES:
        assert raw not in log_text


def test_json_is_masked_and_machine_readable(pi_case: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["pi", str(pi_case), "--json"]) == 0
    text = capsys.readouterr().out
    for raw in RAW_VALUES:
        assert raw not in text, raw
    data = json.loads(text)
    assert data["revealed"] is False
    holders = {h["holder"]: h for h in data["holders"]}
    a = holders[HOLDER_A]
    assert a["subjects"] == 2
    assert a["categories"]["credit"]["subjects"] == 1
    assert a["categories"]["credit"]["tier"] == 50
    assert a["categories"]["property"]["samples"] == [CARD[:4] + "*" * 11 + CARD[-4:]]
    assert a["categories"]["contact"]["samples"] == ["138****5678"]
    assert [t["threshold"] for t in a["thresholds"]] == [50, 500, 5000]
    assert not any(t["crossed"] for t in a["thresholds"])
    assert {f["file_name"] for f in a["files"]} == {"客户名单.xlsx", "短信.csv"}
    assert holders[HOLDER_B]["subjects"] == 1


def test_json_reveal(pi_case: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["pi", str(pi_case), "--json", "--reveal", "--reason", "核对样例"]) == 0
    data = json.loads(capsys.readouterr().out)
    a = next(h for h in data["holders"] if h["holder"] == HOLDER_A)
    assert a["categories"]["contact"]["samples"] == ["+86" + MOBILE]
    assert _actions(pi_case)[-2:] == ["pi", "pi.reveal"]


def test_english(pi_case: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["--lang", "en", "pi", str(pi_case)]) == 0
    out = capsys.readouterr().out
    assert "data subjects" in out and "credit information" in out and "below threshold" in out


def test_crossed_threshold_is_shown(case_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    insert(case_dir, "customers", [
        {"phone": f"+86138000{i:05d}", "credit_info": f"逾期{i % 9 + 1}次"} for i in range(55)
    ], sha=SHA1)
    assert run(["pi", str(case_dir)]) == 0
    out = capsys.readouterr().out
    assert "55 人 — 已达标准（情节严重）" in out.replace("\n", "")


def test_unknown_holder_is_a_clear_error(pi_case: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["pi", str(pi_case), "--holder", "不存在的公司"]) == 2
    assert "没有该被检查单位" in capsys.readouterr().err
    assert "pi" not in _actions(pi_case)
