"""Referral packets hold counts and masked extracts: no consumer number, calling number or contact
number of the case is written in any form, and the packets are logged to custody."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

from python_calamine import CalamineWorkbook

from qinglian.link.referrals import referrals as by_region
from qinglian.referrals import referrals
from qinglian.store.case import open_case


def _numbers(case_dir: Path) -> set[str]:
    """Every mobile number the case holds (E.164 without +86) and every 11-digit run in its extras."""
    with open_case(case_dir).connect(read_only=True) as con:
        found = {str(r[0])[3:] for r in con.execute(
            """SELECT callee FROM calls UNION SELECT caller FROM calls UNION SELECT recipient FROM sms
               UNION SELECT phone FROM customers""").fetchall() if r[0] and str(r[0]).startswith("+86")}
        for (extra,) in con.execute("SELECT extra::VARCHAR FROM accounts WHERE extra IS NOT NULL").fetchall():
            found.update(re.findall(r"1[3-9]\d{9}", str(extra)))
    return found


def _xlsx_text(path: Path) -> str:
    book = CalamineWorkbook.from_path(str(path))
    cells = [str(v) for name in book.sheet_names for row in book.get_sheet_by_name(name).to_python() for v in row]
    return "\n".join(cells)


def test_packets_hold_no_raw_number_and_are_logged(pipeline_demo: Any, tmp_path: Path) -> None:
    case_dir = tmp_path / "case"
    shutil.copytree(pipeline_demo.case_dir, case_dir)
    numbers = _numbers(case_dir)
    assert len(numbers) > 1000  # the demo's consumers, callers and account contacts
    run = referrals(open_case(case_dir), formats=("html", "xlsx"), user="tester")
    assert len(run.packets) == len(run.referrals.regions) > 1
    texts: list[str] = []
    for packet in run.packets:
        html, xlsx = packet.paths
        assert html.suffix == ".html" and xlsx.suffix == ".xlsx"
        texts += [html.read_text(encoding="utf-8"), _xlsx_text(xlsx)]
    extract_rows = sum(len(r.extract) for r in run.referrals.regions)
    assert extract_rows > 0
    joined = "\n".join(texts)
    assert "****" in joined  # the extract shows masked numbers
    digits = set(re.findall(r"(?<!\d)1[3-9]\d{9}(?!\d)", joined))
    assert not digits & numbers
    assert not digits  # nor any other whole mobile number
    entries = [json.loads(line) for line in (case_dir / "custody.jsonl").read_text(encoding="utf-8").splitlines()]
    last = entries[-1]
    assert last["action"] == "referrals"
    logged = {o["file"] for o in last["details"]["outputs"]}
    assert logged == {f"referrals/{p.name}" for packet in run.packets for p in packet.paths}


def test_one_region_as_pdf(pipeline_demo: Any, tmp_path: Path) -> None:
    case_dir = tmp_path / "case"
    shutil.copytree(pipeline_demo.case_dir, case_dir)
    with open_case(case_dir).connect(read_only=True) as con:
        smallest = min((r for r in by_region(con).regions if r.accounts), key=lambda r: (r.consumers, r.region))
    run = referrals(open_case(case_dir), region=smallest.region, formats=("pdf",))
    ((pdf,),) = [p.paths for p in run.packets]
    assert pdf.read_bytes().startswith(b"%PDF")
    assert [p.name for p in pdf.parent.iterdir()] == [pdf.name]
