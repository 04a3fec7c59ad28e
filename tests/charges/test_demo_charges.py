"""On the small demo the pipeline builds: no charge against a compliant holder, every planted conduct
is charged, and each charge is what its own stored queries select."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from qinglian.store.case import open_case

from .conftest import assert_as_stored

BENCH = Path(__file__).resolve().parents[2] / "bench"


@pytest.fixture(scope="module")
def demo(pipeline_demo: Any) -> Path:
    """The session's small demo (scale 0.05, every stage): the pipeline built its charges."""
    return Path(pipeline_demo.out_dir)


def test_demo_charges_match_what_was_planted(demo: Path) -> None:
    truth = json.loads((demo / "ground_truth.json").read_text(encoding="utf-8"))["charges"]["holders"]
    case = open_case(demo / "case")
    with case.connect(read_only=True) as con:
        charged = {(str(h), str(c)) for h, c in con.execute("SELECT holder, conduct FROM charges").fetchall()}
    compliant = {h for h, v in truth.items() if not v["violating"]}
    assert compliant and not [x for x in charged if x[0] in compliant]
    planted = {(h, c) for h, v in truth.items() for c in v["conducts"]}
    for conduct in {c for _, c in planted}:
        want = {x for x in planted if x[1] == conduct}
        got = {x for x in charged if x[1] == conduct}
        assert not got - want, (conduct, sorted(got - want))  # nothing charged that was not planted
        # impersonation by a public body (公积金管理中心) is not yet a detector rule
        assert len(want & got) >= (0.6 if conduct == "impersonation" else 0.9) * len(want), conduct


def test_each_charge_and_lead_is_what_its_stored_queries_select(demo: Path) -> None:
    """Built for all holders at once, every charge equals its own supporting set run on its own."""
    case = open_case(demo / "case")
    with case.connect(read_only=True) as con:
        assert assert_as_stored(con) > 50
