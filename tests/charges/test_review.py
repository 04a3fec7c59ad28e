"""Review: statuses by a named reviewer, kept across re-runs, flagged when the evidence changes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from qinglian.charges import build_charges
from qinglian.charges.review import list_charges, review_charge
from qinglian.cli import app
from qinglian.errors import QinglianError
from qinglian.store.case import Case

from .conftest import LENDER, customers, sms


def _case(case: Case) -> str:
    with case.connect() as con:
        customers(con, LENDER, "b" * 64, range(100, 160), "渠道购买")
        sms(con, LENDER, "t" * 64, list(range(100, 150)), "【鑫达金服】低息贷款，秒批，详询", [("loan", "loan.offer", "贷款")])
        build_charges(case, con)
        row = con.execute("SELECT charge_id FROM charges WHERE conduct = 'unsolicited'").fetchone()
    assert row is not None
    return str(row[0])


def test_reviews_survive_a_rerun_and_changed_evidence_is_flagged(case: Case) -> None:
    cid = _case(case)
    review_charge(case, cid, "confirmed", "名单来源已核实", user="王检查员")
    with case.connect() as con:
        build_charges(case, con)
    got = {c["id"]: c for c in list_charges(case)}[cid]
    assert (got["status"], got["reviewer"], got["evidence_changed"]) == ("confirmed", "王检查员", False)
    with case.connect() as con:  # one more SMS to a purchased number: the supporting set changes
        sms(con, LENDER, "u" * 64, [155], "【鑫达金服】低息贷款，秒批，详询", [("loan", "loan.offer", "贷款")])
        build_charges(case, con)
    got = {c["id"]: c for c in list_charges(case)}[cid]
    assert got["status"] == "confirmed" and got["evidence_changed"] is True
    log = [json.loads(line) for line in case.custody_path.read_text(encoding="utf-8").splitlines()]
    assert any(e.get("action") == "review" for e in log)


def test_a_review_needs_a_reason_and_a_known_charge(case: Case) -> None:
    cid = _case(case)
    with pytest.raises(QinglianError):
        review_charge(case, cid, "rejected", "  ")
    with pytest.raises(QinglianError):
        review_charge(case, "C-000000000000", "rejected", "无")


def test_cli_lists_charges_as_json_and_reviews(case: Case, case_dir: Path) -> None:
    cid = _case(case)
    runner = CliRunner()
    res = runner.invoke(app, ["charges", str(case_dir), "--json"])
    assert res.exit_code == 0, res.output
    objs = [json.loads(line) for line in res.output.splitlines() if line.strip()]
    assert objs and all({"id", "holder", "conduct", "provisions", "status"} <= set(o) for o in objs)
    res = runner.invoke(app, ["review", str(case_dir), cid, "--more", "--reason", "需调取同意记录", "--user", "李"])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["charges", str(case_dir), "--evidence", cid])
    assert res.exit_code == 0 and "共 50 行" in res.output and "13900000100" not in res.output
    res = runner.invoke(app, ["--lang", "en", "charges", str(case_dir)])
    assert "needs_more" in res.output
