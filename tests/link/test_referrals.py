"""Cross-region referral on the small pipeline demo, checked against the demo's ground truth, and
the fallbacks that place an account when its table row names no province."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from qinglian.cli import run
from qinglian.ingest.phones import lookup_prefix
from qinglian.link.referrals import canonical_province, parse_place, referrals
from qinglian.store.case import open_case


@pytest.fixture(scope="module")
def truth(pipeline_demo: Any) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(pipeline_demo.manifest.ground_truth_path.read_text(encoding="utf-8"))
    return data


@pytest.fixture()
def case_copy(pipeline_demo: Any, tmp_path: Path) -> Path:
    """The demo case copied: packets and custody entries must not change the case other tests read."""
    dst = tmp_path / "case"
    shutil.copytree(pipeline_demo.case_dir, dst)
    return dst


def test_accounts_and_consumers_per_province_match_the_ground_truth(pipeline_demo: Any,
                                                                    truth: dict[str, Any]) -> None:
    with open_case(pipeline_demo.case_dir).connect(read_only=True) as con:
        ref = referrals(con)
    regions = {r.region: r for r in ref.regions}
    want = truth["regions"]
    accounts = Counter({canonical_province(p): n for p, n in want["accounts"].items()})
    assert {r.region: len(r.accounts) for r in ref.regions if r.accounts} == accounts
    # the platform's accounts: no table places them, SMS has no calling number
    assert sorted(a.account for a in ref.unplaced) == want["platform_accounts"]
    assert {a.tie for a in ref.unplaced} == {"paid_platform"}
    assert ref.accounts_total == truth["vendor"]["accounts"] + len(want["platform_accounts"])
    consumers: Counter[str | None] = Counter()
    for p, n in want["consumers"].items():
        consumers[canonical_province(p)] += n
    assert {r.region: r.consumers for r in ref.regions if r.consumers} == consumers
    assert ref.consumers_unknown == want["consumers_unknown"]
    assert ref.consumers_total == want["consumers_total"]
    # every vendor account's table row names its province, and that decided
    assert {(a.source, a.tie) for r in ref.regions for a in r.accounts} == {("account_table", "provides")}
    # only the local accounts dialled, so they called every consumer called; the others reached none
    local = regions[truth["province"]]
    assert local.consumers_by_accounts == want["consumers_called"]
    assert all(r.consumers_by_accounts == 0 for r in ref.regions if r is not local)
    # a region's cities add up to the region
    for r in ref.regions:
        assert sum(c.consumers for c in r.cities) == r.consumers
        assert sum(c.accounts for c in r.cities) == len(r.accounts)


def test_charges_of_a_region_are_those_of_its_account_holders(pipeline_demo: Any, truth: dict[str, Any]) -> None:
    with open_case(pipeline_demo.case_dir).connect(read_only=True) as con:
        ref = referrals(con, region=truth["province"])
        charged = {str(r[0]) for r in con.execute("SELECT DISTINCT holder FROM charges").fetchall()}
    (local,) = ref.regions
    dialer_users = {h["name"] for h in truth["holders"] if h["accounts"]}
    assert dialer_users <= set(local.holders)
    assert {c["holder"] for c in local.charges} == charged & set(local.holders)
    robocallers = {h["name"] for h in truth["holders"] if "robocall" in h["flags"]}
    assert robocallers <= {c["holder"] for c in local.charges}


def test_an_account_without_a_province_is_placed_by_address_then_by_calling_numbers(case_copy: Path) -> None:
    case = open_case(case_copy)
    with case.connect() as con:
        dialler = str(con.execute(
            "SELECT account FROM calls WHERE account IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
        ).fetchone()[0])  # type: ignore[index]
        callers = [str(r[0]) for r in con.execute(
            "SELECT caller FROM calls WHERE account = ? AND caller IS NOT NULL", [dialler]).fetchall()]
        quiet = [str(r[0]) for r in con.execute(
            "SELECT account FROM accounts WHERE account NOT IN (SELECT account FROM calls WHERE account IS NOT NULL) "
            "ORDER BY account LIMIT 2").fetchall()]
        con.execute("UPDATE accounts_rows SET province = NULL, extra = NULL WHERE account = ?", [dialler])
        con.execute("""UPDATE accounts_rows SET province = NULL, extra = '{"注册地址": "浙江省杭州市西湖区文三路1号"}'
                       WHERE account = ?""", [quiet[0]])
        con.execute("UPDATE accounts_rows SET province = NULL, extra = NULL WHERE account = ?", [quiet[1]])
        ref = referrals(con)
    placed = {a.account: a for r in ref.regions for a in r.accounts}
    by_address = placed[quiet[0]]
    assert (by_address.province, by_address.city, by_address.source) == ("浙江省", "杭州市", "registered_address")
    # the calling numbers' 归属地, counted call by call here from phonenumbers' tables
    provinces = Counter(p for c in callers if (p := canonical_province(lookup_prefix(c[3:10])[0])))
    top = max(provinces.values())
    assert placed[dialler].source == "calling_numbers"
    assert placed[dialler].province == min(p for p, n in provinces.items() if n == top)
    assert [a.account for a in ref.unplaced if a.tie != "paid_platform"] == [quiet[1]]


def test_place_names_are_read_in_their_usual_forms() -> None:
    assert canonical_province("广西") == "广西壮族自治区"
    assert canonical_province("浙江") == canonical_province("浙江省") == "浙江省"
    assert canonical_province("演示省") == "演示省"
    assert canonical_province("华东") is None
    assert parse_place("浙江省杭州市") == ("浙江省", "杭州市")
    assert parse_place("上海市浦东新区张江路1号") == ("上海市", "上海市")
    assert parse_place("广东深圳市南山区") == ("广东省", "深圳市")
    assert parse_place("演示省演示市东湖区") == ("演示省", "演示市")
    assert parse_place("东湖区某路") == (None, None)


def test_cli_json_has_one_object_per_region(case_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["referrals", str(case_copy), "--json", "--format", "html"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows and all({"region", "accounts", "consumers"} <= set(r) for r in rows)
    assert len({r["region"] for r in rows}) == len(rows)
    assert all(Path(p).is_file() for r in rows for p in r["packet"])
    assert run(["referrals", str(case_copy), "--region", "浙江", "--json", "--format", "xlsx"]) == 0
    (one,) = json.loads(capsys.readouterr().out)
    assert one["region"] == "浙江省" and one["packet"][0].endswith(".xlsx")
    assert run(["referrals", str(case_copy), "--region", "浙江", "--format", "xlsx"]) == 0
    assert "浙江省" in capsys.readouterr().out


def test_a_case_without_upstream_accounts_is_a_clear_error(case_dir: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["--lang", "en", "referrals", str(case_dir)]) == 2
    err = capsys.readouterr().err
    assert "no ranked upstream vendor or platform" in err and "Traceback" not in err


def test_an_unknown_region_is_a_clear_error(case_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["--lang", "en", "referrals", str(case_copy), "--region", "火星省"]) == 2
    err = capsys.readouterr().err
    assert "no region '火星省'" in err and "Traceback" not in err
    assert not (case_copy / "reports" / "referrals").exists()
