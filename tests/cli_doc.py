"""docs/cli.md generated from the command tree (`python -m tests.cli_doc > docs/cli.md`).

tests/test_docs.py checks that the committed page equals this output, so the reference cannot drift.
"""

from __future__ import annotations

import sys
from typing import Any

import typer.main

HEADER = """# Command reference

Generated from the command tree by `python -m tests.cli_doc > docs/cli.md`; a test keeps it current.
Messages are in Chinese; add `--lang en` before the command (or set `QINGLIAN_LANG=en`) for English.
Personal information is masked in every output unless a command is given `--reveal` (with a reason,
logged first). The stable contracts are `classify` and `score-callers`.
"""


def _param(p: Any) -> str:
    # typer vendors its own click; parameters are told apart by their param_type_name
    if p.param_type_name == "argument":
        name = str(p.metavar or p.name or "").upper()
        return f"- `{name}` (argument{'' if p.required else ', optional'})"
    names = " / ".join(f"`{o}`" for o in [*p.opts, *p.secondary_opts])
    help_text = (p.help or "").replace("\n", " ")
    return f"- {names}{' (required)' if p.required else ''}: {help_text}".rstrip(": ")


def _walk(cmd: Any, path: str, out: list[str]) -> None:
    if hasattr(cmd, "commands"):
        for name in sorted(cmd.commands):
            _walk(cmd.commands[name], f"{path} {name}", out)
        return
    out += ["", f"## `{path}`", "", (cmd.help or "").strip().replace("\n", " "), ""]
    out += [_param(p) for p in cmd.params if p.name != "help"]


def markdown() -> str:
    from qinglian.cli import app

    root = typer.main.get_command(app)
    out = [HEADER.rstrip()]
    _walk(root, "qinglian", out)
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    sys.stdout.write(markdown())
