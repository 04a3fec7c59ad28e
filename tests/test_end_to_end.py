"""The small demo case through every stage, judged against its ground truth (ground_truth.json):
what the pipeline stored, not what the generator wrote (tests/demo/test_truth.py checks that)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from qinglian.store.case import open_case

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def truth(pipeline_demo: Any) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(pipeline_demo.manifest.ground_truth_path.read_text(encoding="utf-8"))
    return data


def _rows(pipeline_demo: Any, sql: str) -> list[tuple[Any, ...]]:
    with open_case(pipeline_demo.case_dir).connect(read_only=True) as con:
        return con.execute(sql).fetchall()


def test_violating_holders_rank_above_compliant_ones(pipeline_demo: Any, truth: dict[str, Any]) -> None:
    ranks = dict(_rows(pipeline_demo, "SELECT holder, rank FROM targets WHERE phase = 'after'"))
    violating = [ranks[h] for h in truth["violating_holders"]]
    compliant = [ranks[h] for h in truth["compliant_holders"]]
    assert max(violating) < min(compliant)


def test_planted_leak_sources_are_found(pipeline_demo: Any, truth: dict[str, Any]) -> None:
    clusters: dict[str, set[int]] = {}
    for cid, name in _rows(pipeline_demo, "SELECT cluster_id, file_name FROM leak_clusters"):
        clusters.setdefault(str(name), set()).add(int(cid))
    found = []
    for source in truth["leak_sources"]:
        ids = [clusters.get(f, set()) for f in source["files"]]
        assert all(len(i) == 1 for i in ids), source["key"]  # every list of the source is clustered
        assert len(set().union(*ids)) == 1, source["key"]  # ... into one cluster
        found.append(next(iter(ids[0])))
    assert len(set(found)) == len(truth["leak_sources"])  # one cluster per source


def test_planted_campaigns_are_found(pipeline_demo: Any, truth: dict[str, Any]) -> None:
    stored = [(str(cid), set(json.loads(acc))) for cid, acc in
              _rows(pipeline_demo, "SELECT campaign_id, accounts FROM campaigns WHERE kind = 'sms'")]
    matched = []
    for planted in truth["campaigns"]:
        accounts = set(planted["accounts"])
        best = max(stored, key=lambda c: len(accounts & c[1]))
        assert accounts <= best[1], planted["key"]
        matched.append(best[0])
    assert len(set(matched)) == len(truth["campaigns"])  # no two planted campaigns merged


def test_planted_robocall_numbers_are_flagged(pipeline_demo: Any, truth: dict[str, Any]) -> None:
    flagged = {str(n) for (n,) in _rows(pipeline_demo, "SELECT number FROM behaviour_numbers WHERE flag")}
    planted = {"+86" + n for n in truth["robocall_numbers"]}
    assert len(planted & flagged) >= 0.95 * len(planted)  # recall
    assert len(planted & flagged) >= 0.95 * len(flagged)  # precision


def test_planted_list_order_dialling_is_found(pipeline_demo: Any, truth: dict[str, Any]) -> None:
    found = {(str(f), str(a)): float(s) for f, a, s in _rows(
        pipeline_demo,
        "SELECT e.file_name, o.account, o.spearman FROM list_order o JOIN evidence e ON e.sha256 = o.evidence_sha256",
    )}
    for pair in truth["list_order_dialling"]:
        assert found.get((pair["list_file"], pair["account"]), 0.0) >= 0.95, pair
