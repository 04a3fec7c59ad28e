"""Anchoring: custody heads signed with an agency key held apart from the case and written to an
anchor log outside it, so a rewritten history is caught."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import duckdb
import pytest

from qinglian.store import custody
from tests.helpers import cli


@pytest.fixture()
def agency(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "agency"
    monkeypatch.setenv("QINGLIAN_ANCHOR_KEY", str(home / "config" / "anchor.key"))
    monkeypatch.setenv("QINGLIAN_ANCHOR_LOG", str(home / "share" / "anchors.jsonl"))
    return home


@pytest.fixture()
def loaded(case_dir: Path, tmp_path: Path) -> Path:
    f = tmp_path / "c.csv"
    f.write_text("姓名,手机号\n张三,13812345678\n")
    assert cli("ingest", case_dir, f, "--holder", "甲公司", "--user", "investigator1") == 0
    return case_dir


def _verify(case_dir: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str]:
    capsys.readouterr()
    code = cli("verify", case_dir, *extra)
    c = capsys.readouterr()
    return code, c.out + c.err


def _rewrite_history(case_dir: Path, old: str = "investigator1", new: str = "someone_else") -> None:
    """What someone with the folder can do: change a user, re-chain every entry, re-store the head."""
    path = case_dir / "custody.jsonl"
    prev, lines = custody.GENESIS, []
    for e in custody.read_entries(path):
        e["user"] = e["user"].replace(old, new)
        e["prev"] = prev
        e["hash"] = prev = custody.entry_hash(e)
        lines.append(json.dumps(e, ensure_ascii=False, sort_keys=True))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with duckdb.connect(str(case_dir / "case.duckdb")) as con:
        con.execute("UPDATE custody_head SET hash = ?", [prev])


def test_key_is_made_once_and_private(agency: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli("anchor", "--init-key") == 0
    key = agency / "config" / "anchor.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    data = key.read_bytes()
    assert cli("anchor", "--init-key") == 2 and "不会覆盖" in capsys.readouterr().err
    assert key.read_bytes() == data


def test_anchor_needs_a_key_made_on_purpose(agency: Path, loaded: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert cli("anchor", loaded) == 2
    assert "--init-key" in capsys.readouterr().err
    assert not (agency / "config" / "anchor.key").exists()


def test_key_readable_by_others_is_refused(agency: Path, loaded: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli("anchor", "--init-key") == 0
    os.chmod(agency / "config" / "anchor.key", 0o644)
    capsys.readouterr()
    assert cli("anchor", loaded) == 2 and "权限过宽" in capsys.readouterr().err


def test_anchor_and_verify(agency: Path, loaded: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli("anchor", "--init-key") == 0
    assert cli("anchor", loaded) == 0
    log = agency / "share" / "anchors.jsonl"
    records = [json.loads(line) for line in log.read_text().splitlines()]
    entries = custody.read_entries(loaded / "custody.jsonl")
    assert entries[-1]["action"] == "anchor"
    assert (records[0]["seq"], records[0]["hash"]) == (entries[-1]["seq"], entries[-1]["hash"])
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    assert not str(log).startswith(str(loaded))
    code, out = _verify(loaded, capsys)
    assert code == 0 and "1 个外部锚定" in out


def test_rewritten_history_is_caught_by_an_anchor(agency: Path, loaded: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _rewrite_history(loaded)
    assert _verify(loaded, capsys)[0] == 0  # without an anchor the folder alone cannot tell
    assert cli("anchor", "--init-key") == 0
    assert cli("anchor", loaded) == 0
    assert cli("verify", loaded) == 0
    _rewrite_history(loaded, "someone_else", "third_person")  # rewritten again after the anchor
    code, out = _verify(loaded, capsys)
    assert code == 1 and "外部锚定" in out and "重写" in out


def test_truncated_history_is_caught_by_an_anchor(agency: Path, loaded: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli("anchor", "--init-key") == 0
    assert cli("anchor", loaded) == 0
    path = loaded / "custody.jsonl"
    entries = custody.read_entries(path)[:-1]
    path.write_text("".join(json.dumps(e, ensure_ascii=False, sort_keys=True) + "\n" for e in entries))
    with duckdb.connect(str(loaded / "case.duckdb")) as con:
        con.execute("UPDATE custody_head SET seq = ?, hash = ?", [entries[-1]["seq"], entries[-1]["hash"]])
    code, out = _verify(loaded, capsys)
    assert code == 1 and "已不在保管日志中" in out


def test_forged_anchor_record_is_caught(agency: Path, loaded: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli("anchor", "--init-key") == 0
    assert cli("anchor", loaded) == 0
    log = agency / "share" / "anchors.jsonl"
    rec = json.loads(log.read_text())
    rec["seq"] = 1
    log.write_text(json.dumps(rec) + "\n")
    code, out = _verify(loaded, capsys)
    assert code == 1 and "签名无效" in out


def test_anchor_log_path_can_be_given(agency: Path, loaded: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli("anchor", "--init-key") == 0
    other = tmp_path / "elsewhere" / "a.jsonl"
    assert cli("anchor", loaded, "--anchor-log", other) == 0
    assert other.is_file() and not (agency / "share" / "anchors.jsonl").exists()
    _rewrite_history(loaded)
    assert _verify(loaded, capsys)[0] == 0  # the default log knows nothing of it
    code, out = _verify(loaded, capsys, "--anchor-log", str(other))
    assert code == 1 and "重写" in out
