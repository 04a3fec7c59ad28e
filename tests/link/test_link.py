from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb
import pytest

from qinglian.errors import QinglianError
from qinglian.link.leaks import fingerprint_list
from qinglian.link.run import link_case, targets_case
from qinglian.store.case import open_case
from qinglian.store.sqlident import quote_ident
from tests.helpers import create_declared, insert

from .conftest import HONGDA, HUAXIN, VENDOR, XINYUAN, evidence, rows, sha


@pytest.fixture()
def linked(hand_case: Path, agency_key_env: bytes) -> Path:
    link_case(open_case(hand_case), exact_limit=10_000)
    return hand_case


def _q(case_dir: Path, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(case_dir / "case.duckdb"), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def test_overlaps_are_exact_on_the_hand_case(linked: Path) -> None:
    rows = _q(linked, "SELECT list_a, list_b, size_a, size_b, shared, containment_a_in_b, containment_b_in_a, "
              "jaccard, method FROM list_overlaps")
    assert len(rows) == 1
    a, b, size_a, size_b, shared, ca, cb, jac, method = rows[0]
    sizes = {a: size_a, b: size_b}
    assert sizes[sha("huaxin_list") + ":名单"] == 100
    assert sizes[sha("hongda_list") + ":"] == 200
    assert shared == 50
    assert {round(float(ca), 4), round(float(cb), 4)} == {0.5, 0.25}
    assert jac == pytest.approx(50 / 250)
    assert method == "exact"


def test_minhash_path_estimates_the_same_overlap(hand_case: Path, agency_key_env: bytes) -> None:
    link_case(open_case(hand_case), exact_limit=0)
    rows = _q(hand_case, "SELECT shared, method FROM list_overlaps")
    # lists are smaller than the sketch, so the sketch holds every member and the estimate is exact
    assert rows == [(50, "minhash_bottom_k")]


def test_leak_clusters_and_fingerprint(linked: Path) -> None:
    rows = _q(linked, "SELECT cluster_id, list_id, holder, file_name, fingerprint FROM leak_clusters ORDER BY list_id")
    by_holder = {r[2]: r for r in rows}
    assert by_holder[HUAXIN][0] == by_holder[HONGDA][0]
    assert by_holder[XINYUAN][0] != by_holder[HUAXIN][0]
    assert by_holder[XINYUAN][4] == "enterprise_registry"
    assert by_holder[HUAXIN][4] == "contact_list"
    assert by_holder[XINYUAN][3] == "xinyuan_list.csv"


def test_fingerprint_rules() -> None:
    kind, detail = fingerprint_list({"credit_info": 0.9}, [], [])
    assert kind == "loan_applicants"
    kind, detail = fingerprint_list({"employer": 1.0}, [], ["企查查导出"])
    assert kind == "enterprise_registry" and detail["matched"] == ["企查查导出"]
    assert fingerprint_list({"id_number": 0.9}, [], [])[0] == "identity_records"


def test_resolution_and_links_cite_existing_rows(linked: Path) -> None:
    res = dict(_q(linked, "SELECT record_name, canonical_name FROM resolution"))
    assert res["深圳市华信科技有限公司"] == HUAXIN
    assert res["华信科技（深圳）有限公司"] == HUAXIN
    assert res["鑫源金融服务有限责任公司"] == XINYUAN
    held = _q(linked, "SELECT src FROM links WHERE relation = 'held_by' AND dst = ?", ["holder:" + HUAXIN])
    assert sorted(r[0] for r in held) == ["account:A1", "account:A2"]
    for (kind,) in _q(linked, "SELECT DISTINCT e.kind FROM links l JOIN evidence e ON e.sha256 = l.evidence_sha256"):
        table = {"accounts": "accounts", "calls": "calls", "complaints": "complaints", "customers": "customers",
                 "chats": "chats"}[str(kind)]
        missing = _q(
            linked,
            f"SELECT count(*) FROM links l JOIN evidence e ON e.sha256 = l.evidence_sha256 AND e.kind = ? "
            f"WHERE NOT EXISTS (SELECT 1 FROM {quote_ident(table)} r WHERE r.evidence_sha256 = l.evidence_sha256 "
            "AND r.sheet IS NOT DISTINCT FROM l.sheet AND r.row_no = l.row_no)",
            [kind],
        )
        assert missing == [(0,)]
    assert _q(linked, "SELECT count(*) FROM links WHERE evidence_sha256 IS NULL OR row_no IS NULL") == [(0,)]


def test_consumers_only_as_pseudonyms(linked: Path) -> None:
    rows = _q(linked, "SELECT entity_id, name FROM entities WHERE type = 'consumer'")
    assert len(rows) == 4
    for entity_id, name in rows:
        assert str(name).startswith("C:") and len(str(name)) == 14
        assert "+86" not in str(entity_id)
    dump = json.dumps(_q(linked, "SELECT * FROM entities"), default=str)
    assert "+8613800000001" not in dump


def test_upstream_ranks_the_vendor_as_common_upstream(linked: Path) -> None:
    rows = _q(linked, "SELECT entity_id, holders_served, rank, reasons FROM upstream WHERE type = 'vendor'")
    assert len(rows) == 1
    entity_id, served, rank, reasons = rows[0]
    assert entity_id == "vendor:" + VENDOR and served == 5 and rank == 1
    assert "common upstream of 5" in json.loads(str(reasons))[0]["reason_en"]
    top_account = _q(linked, "SELECT name FROM upstream WHERE type = 'account' ORDER BY rank LIMIT 1")
    assert top_account[0][0] in {"A1", "A2"}


def test_payee_paid_by_several_holders_for_sms_is_a_platform(hand_case: Path, agency_key_env: bytes) -> None:
    """Nothing seized from the SMS platform: its customers' payments make it an upstream; rent does not."""
    case = open_case(hand_case)
    with case.connect() as con:
        for holder in (HUAXIN, HONGDA, XINYUAN):
            ev = evidence(con, "pay_" + holder, holder, "payments")
            insert(con, "payments", rows(ev, holder, [
                {"payer": holder, "payee": "云信通讯有限公司", "amount": 5000.0, "memo": "短信充值"},
                {"payer": holder, "payee": "某物业管理有限公司", "amount": 8000.0, "memo": "房租"},
            ]))
    link_case(case)
    ups = dict(_q(hand_case, "SELECT name, type FROM upstream WHERE type <> 'account'"))
    assert ups.get("云信通讯有限公司") == "platform" and "某物业管理有限公司" not in ups
    served, reasons = _q(hand_case, "SELECT holders_served, reasons FROM upstream WHERE name = '云信通讯有限公司'")[0]
    assert served == 3
    cited = json.loads(str(reasons))[0]["evidence"]
    assert {c["evidence_sha256"] for c in cited} <= {sha("pay_" + h) for h in (HUAXIN, HONGDA, XINYUAN)}


def test_bank_staff_named_in_chat(linked: Path) -> None:
    assert _q(linked, "SELECT name FROM entities WHERE type = 'bank_staff'") == [("工商银行李经理",)]


def test_targets_order_and_citations(linked: Path) -> None:
    case = open_case(linked)
    result = targets_case(case)
    before = [t.holder for t in result["before"]]
    after = [t.holder for t in result["after"]]
    assert before[0] == HUAXIN and before[1] == HONGDA
    assert "12315投诉平台" not in before and VENDOR not in before
    assert after[0] == HUAXIN
    assert after.index(XINYUAN) < after.index("诚信咨询有限公司")
    stored = _q(linked, "SELECT phase, count(*) FROM targets GROUP BY phase ORDER BY phase")
    assert stored == [("after", len(after)), ("before", len(before))]
    kinds = dict(_q(linked, "SELECT sha256, kind FROM evidence"))
    cited = 0
    for tg in (*result["before"], *result["after"]):
        for r in tg.reasons:
            for c in r["evidence"]:
                table = str(kinds[c["evidence_sha256"]])
                hit = _q(linked, f"SELECT count(*) FROM {quote_ident(table)} WHERE evidence_sha256 = ? "
                         "AND sheet IS NOT DISTINCT FROM ? AND row_no = ?",
                         [c["evidence_sha256"], c["sheet"], c["row_no"]])
                assert hit == [(1,)], c
                cited += 1
    assert cited > 10
    runs = _q(linked, "SELECT analysis FROM analysis_runs ORDER BY ran_at")
    assert [r[0] for r in runs] == ["link", "targets"]
    log = (linked / "custody.jsonl").read_text(encoding="utf-8")
    assert '"link"' in log and '"targets"' in log


def test_behaviour_tables_raise_the_holder_they_point_to(hand_case: Path, agency_key_env: bytes) -> None:
    case = open_case(hand_case)
    with case.connect() as con:
        insert(con, "behaviour_accounts", [{"account": "A3", "score": 0.9, "flag": True},
                                           {"account": "A1", "score": 0.1, "flag": False}])
        insert(con, "list_order", [{"evidence_sha256": sha("hongda_list"), "sheet": None, "account": "A3",
                                    "list_rows": 200, "spearman": 0.99, "longest_run_share": 0.9,
                                    "run_first_row": 5}])
    link_case(case)
    after = {t.holder: t for t in targets_case(case)["after"]}
    texts = [r["reason_en"] for r in after[HONGDA].reasons]
    assert any("flags 1 accounts/numbers as mass calling (A3)" in x for x in texts)
    order = next(r for r in after[HONGDA].reasons if "dialled in row order" in r["reason_en"])
    assert order["evidence"] == [{"evidence_sha256": sha("hongda_list"), "sheet": None, "row_no": 5}]
    assert not any("mass calling" in r["reason_en"] for r in after[HUAXIN].reasons)


def test_law_lists_are_flattened() -> None:
    from qinglian.link.targets import _laws

    assert _laws(['["个人信息保护法第十条", "刑法第二百五十三条之一"]', "广告法第二十八条"]) == {
        "个人信息保护法第十条", "刑法第二百五十三条之一", "广告法第二十八条"}


def test_empty_case_links_and_ranks_nothing(case_dir: Path, agency_key_env: bytes) -> None:
    case = open_case(case_dir)
    with pytest.raises(QinglianError, match="analyze"):  # the detect stages come first
        link_case(case)
        targets_case(case)
    with case.connect() as con:
        create_declared(con)  # as the detect stages leave a case with no records
    result = link_case(case)
    assert result.leaks.lists == 0 and result.links == 0
    assert targets_case(case) == {"before": [], "after": []}
    for table in ("entities", "links", "resolution", "upstream", "list_overlaps", "leak_clusters", "targets"):
        assert _q(case_dir, f"SELECT count(*) FROM {quote_ident(table)}") == [(0,)]
