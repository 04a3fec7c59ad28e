from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

import pytest

from qinglian.link.keys import agency_key, pseudonym


def test_pseudonym_is_stable_under_one_key_and_differs_under_another() -> None:
    a1 = pseudonym("+8613812345678", b"key-one")
    a2 = pseudonym("+8613812345678", b"key-one")
    b = pseudonym("+8613812345678", b"key-two")
    other = pseudonym("+8613812345679", b"key-one")
    assert a1 == a2
    assert a1 != b
    assert a1 != other
    expected = hmac.new(b"key-one", b"+8613812345678", hashlib.sha256).hexdigest()[:12]
    assert a1 == "C:" + expected


def test_key_file_is_created_once_with_a_message(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("QINGLIAN_KEY", raising=False)
    path = tmp_path / "conf" / "agency.key"
    monkeypatch.setenv("QINGLIAN_KEY_FILE", str(path))
    monkeypatch.setenv("QINGLIAN_LANG", "en")
    first = agency_key()
    assert path.exists() and (path.stat().st_mode & 0o777) == 0o600
    assert "created the agency key" in capsys.readouterr().err
    assert agency_key() == first
    assert capsys.readouterr().err == ""
    assert len(first) == 64


def test_env_key_wins_over_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("QINGLIAN_KEY", "from-env")
    monkeypatch.setenv("QINGLIAN_KEY_FILE", str(tmp_path / "x.key"))
    assert agency_key() == b"from-env"
    assert not (tmp_path / "x.key").exists()
