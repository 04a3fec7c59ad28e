"""The case file prints the custody head it was made from: on its cover, on every PDF page and in
its colophon, and a later report made after another logged action prints the later head."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from qinglian.i18n import set_language
from qinglian.report.casefile import gather_casefile
from qinglian.report.html import render_casefile
from qinglian.report.provenance import Head, made_from
from qinglian.report.run import ReportOptions, build_report
from qinglian.store import custody
from qinglian.store.case import open_case
from tests.report.conftest import build_full_case


@pytest.fixture()
def case(tmp_path: Path) -> Path:
    return build_full_case(tmp_path / "case")


def _entries(root: Path) -> list[dict[str, Any]]:
    return custody.read_entries(root / "custody.jsonl")


def _html(root: Path, **opts: Any) -> str:
    [path] = build_report(root, ReportOptions(formats=("html",), user="tester", **opts))
    return path.read_text(encoding="utf-8")


def _cover(html: str) -> str:
    return html[: html.index('<section id="summary">')]


def test_report_prints_the_head_it_was_made_from_and_a_later_report_the_later_head(case: Path) -> None:
    before = _entries(case)[-1]
    html = _html(case)
    after = _entries(case)
    assert after[-1]["action"] == "report" and after[-2] == before  # made at `before`, then logged
    head = Head(int(before["seq"]), str(before["hash"]))
    assert open_case(case).head() == (after[-1]["seq"], after[-1]["hash"])
    assert head.text() in _cover(html)
    assert head.colophon() in html[html.index('id="colophon"'):]
    assert len(head.hash[:16]) == 16 and head.hash[:16].replace("-", "") == head.prefix.replace("-", "")

    case_ = open_case(case)
    with case_.connect() as con:
        case_.log("note", {"text": "另一条记录"}, user="tester", con=con)
    noted = _entries(case)[-1]
    later = _html(case)
    new = Head(int(noted["seq"]), str(noted["hash"]))
    assert new.seq == head.seq + 2  # the first report's entry, then the note
    assert new.text() in _cover(later) and new.colophon() in later
    assert head.prefix not in later


def test_revealed_report_is_made_from_the_entry_that_records_the_reveal(case: Path) -> None:
    html = _html(case, reveal=True, reason="核对当事人身份")
    reveal = next(e for e in reversed(_entries(case)) if e["action"] == "report.reveal")
    assert Head(int(reveal["seq"]), str(reveal["hash"])).text() in _cover(html)


def test_every_pdf_page_and_english_carry_the_head(case: Path) -> None:
    case_ = open_case(case)
    with case_.connect(read_only=True) as con:
        head = made_from(con)
        assert head is not None and (head.seq, head.hash) == case_.head(con)
        cf = gather_casefile(con, case_name="测试案件", agency="测试局")
    page = render_casefile(cf, for_pdf=True)
    style = page[page.index("<style>"):page.index("</style>")]
    assert "@bottom-left" in style and head.footer() in style
    set_language("en")
    try:
        assert f"entry {head.seq}, hash {head.prefix}" in render_casefile(cf)
        assert head.footer().startswith("Custody log head: ")
    finally:
        set_language(None)


def test_the_appendices_carry_the_head_too(case: Path) -> None:
    import json

    from openpyxl import load_workbook

    before = _entries(case)[-1]
    head = Head(int(before["seq"]), str(before["hash"]))
    xlsx, ftm = build_report(case, ReportOptions(formats=("xlsx", "ftm"), user="tester"))
    summary = [list(r) for r in load_workbook(xlsx, read_only=True)["概要"].iter_rows(values_only=True)]
    assert [head.label(), head.text()] in summary
    notes = [json.loads(line) for line in ftm.read_text(encoding="utf-8").splitlines()]
    described = [e["properties"].get("description", [""])[0] for e in notes if e["schema"] == "Note"]
    assert any(head.prefix in d and str(head.seq) in d for d in described)
