"""The documentation a user or new engineer reads stays true to the code."""

from __future__ import annotations

import re
from pathlib import Path

from qinglian.store.tables_doc import markdown, replace_in

ROOT = Path(__file__).resolve().parents[1]


def test_architecture_lists_the_declared_tables() -> None:
    doc = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    assert replace_in(doc) == doc, "docs/architecture.md is stale: run python -m qinglian.store.tables_doc"
    assert "`charges`" in markdown()


def test_readme_points_only_inside_the_repository() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "../shared" not in readme
    for target in re.findall(r"`(docs/[\w./-]+\.md)`", readme):
        assert (ROOT / target).is_file(), target


def test_cli_reference_is_current() -> None:
    from tests.cli_doc import markdown as cli_markdown

    doc = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    assert doc == cli_markdown(), "docs/cli.md is stale: run python -m tests.cli_doc > docs/cli.md"
