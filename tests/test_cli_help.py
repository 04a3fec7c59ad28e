"""Every command has help text, in Chinese and English (a command without help fails this test)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import typer

from qinglian.cli import app
from tests.helpers import cli


def _commands() -> list[tuple[str, Any]]:
    root = typer.main.get_command(app)
    assert isinstance(root, typer.core.TyperGroup)
    found: list[tuple[str, Any]] = []
    for name, cmd in root.commands.items():
        if hasattr(cmd, "commands"):
            found += [(f"{name} {sub}", c) for sub, c in cmd.commands.items()]
        else:
            found.append((name, cmd))
    return found


def test_expected_commands_exist() -> None:
    names = {n for n, _ in _commands()}
    assert {"case init", "ingest", "verify", "pi", "classify", "analyze", "score-callers", "behaviour",
            "link", "targets", "report", "demo"} <= names


@pytest.mark.parametrize("name,cmd", _commands(), ids=[n for n, _ in _commands()])
def test_every_command_has_bilingual_help(name: str, cmd: Any) -> None:
    help_text = (cmd.help or "").strip()
    assert help_text, f"{name} has no help"
    assert any("\u4e00" <= ch <= "\u9fff" for ch in help_text), f"{name} help has no Chinese"
    assert any(ch.isascii() and ch.isalpha() for ch in help_text), f"{name} help has no English"
    for p in cmd.params:
        if getattr(p, "param_type_name", "") == "option":
            assert p.help, f"{name} option {p.name} has no help"


def test_help_runs(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli("--help") == 0
    assert "ingest" in capsys.readouterr().out


def test_ctrl_c_at_a_prompt_is_a_clean_interrupt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    import sys

    from qinglian.cli import run

    def interrupted(*_a: object, **_k: object) -> str:
        raise typer.Abort()

    monkeypatch.delenv("QINGLIAN_PASSWORD", raising=False)
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True)
    monkeypatch.setattr(typer, "prompt", interrupted)
    assert run(["users", "add", "张审核", "--role", "reviewer", "--cases", str(tmp_path)]) == 130
    err = capsys.readouterr().err
    assert "Traceback" not in err and "已中断" in err
