from __future__ import annotations

import hashlib
import hmac
import os
from pathlib import Path

import pytest

from qinglian.errors import QinglianError
from qinglian.link.keys import DEMO_KEY, agency_key, demo_key, init_key, pseudonym
from qinglian.link.run import link_case
from qinglian.store.case import open_case
from tests.helpers import cli

GOOD = "ab" * 32


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


@pytest.fixture()
def no_key(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.delenv("QINGLIAN_KEY", raising=False)
    path = tmp_path / "conf" / "agency.key"
    monkeypatch.setenv("QINGLIAN_KEY_FILE", str(path))
    return path


def test_no_key_is_created_silently(no_key: Path) -> None:
    with pytest.raises(QinglianError) as err:
        agency_key()
    assert "qinglian key init" in (err.value.hint_zh or "") and "qinglian key init" in (err.value.hint_en or "")
    assert not no_key.exists()


def test_link_refuses_without_a_key_and_creates_none(no_key: Path, hand_case: Path) -> None:
    with pytest.raises(QinglianError):
        link_case(open_case(hand_case))
    assert not no_key.exists()


def test_key_init_makes_a_private_256_bit_key_once(no_key: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli("key", "init") == 0
    assert str(no_key) in capsys.readouterr().out
    assert no_key.stat().st_mode & 0o777 == 0o600
    text = no_key.read_text().strip()
    assert len(bytes.fromhex(text)) == 32
    assert agency_key() == text.encode()
    assert cli("key", "init") == 2  # never replaced
    assert no_key.read_text().strip() == text


def test_key_readable_by_others_is_refused(no_key: Path) -> None:
    init_key()
    for mode in (0o640, 0o604, 0o660):
        os.chmod(no_key, mode)
        with pytest.raises(QinglianError) as err:
            agency_key()
        assert "chmod 600" in (err.value.hint_zh or "")


@pytest.mark.parametrize("weak", ["abc123", "from-env", "ab" * 31, "zz" * 32])
def test_weak_keys_are_refused(no_key: Path, monkeypatch: pytest.MonkeyPatch, weak: str) -> None:
    monkeypatch.setenv("QINGLIAN_KEY", weak)
    with pytest.raises(QinglianError):
        agency_key()
    monkeypatch.delenv("QINGLIAN_KEY")
    no_key.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(no_key, os.O_WRONLY | os.O_CREAT, 0o600)
    os.write(fd, weak.encode())
    os.close(fd)
    with pytest.raises(QinglianError):
        agency_key()


def test_env_key_wins_over_file(no_key: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QINGLIAN_KEY", GOOD)
    assert agency_key() == GOOD.encode()
    assert not no_key.exists()


def test_demo_key_lives_in_the_case_and_differs_from_the_agency_key(no_key: Path, hand_case: Path) -> None:
    init_key()
    k = demo_key(open_case(hand_case))
    assert (hand_case / DEMO_KEY).stat().st_mode & 0o777 == 0o600
    assert k != agency_key() and demo_key(open_case(hand_case)) == k
    link_case(open_case(hand_case), key=k)  # the demo links under its own key
