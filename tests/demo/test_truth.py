"""ground_truth.json agrees with the files it describes."""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime
from typing import Any

import numpy as np
import phonenumbers
import pytest

from qinglian.demo import Manifest
from qinglian.demo.generate import generate
from qinglian.demo.ids import id_is_valid

from .helpers import SMALL, as_phone, entries, holder_text, read_rows

PHONE_COLS = ("手机号", "手机号码", "联系电话", "电话号码", "电话")
CALLEE_COLS = ("被叫号码", "客户号码", "客户电话")
CALLER_COLS = ("主叫号码", "外显号码", "显示号码")
ACCOUNT_COLS = ("坐席账号", "外呼账号", "机器人账号")


@pytest.fixture(scope="module")
def truth(demo: Manifest) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(demo.ground_truth_path.read_text(encoding="utf-8"))
    return data


def col(row: dict[str, Any], names: tuple[str, ...]) -> Any:
    for n in names:
        if n in row:
            return row[n]
    raise KeyError(names)


def test_holders_districts_and_split(truth: dict[str, Any]) -> None:
    assert len(truth["violating_holders"]) == 25
    assert len(truth["compliant_holders"]) == 10
    assert not set(truth["violating_holders"]) & set(truth["compliant_holders"])
    assert len(truth["districts"]) == 7
    assert sorted(n for names in truth["districts"].values() for n in names) == sorted(
        truth["violating_holders"] + truth["compliant_holders"]
    )
    for key in ("leak_sources", "campaigns", "robocall_numbers", "account_holders", "list_order_dialling"):
        assert truth[key]


def test_impersonation_only_in_violating_holders_files(demo: Manifest, truth: dict[str, Any]) -> None:
    impersonating = [h for h in truth["holders"] if "impersonation" in h["labels"]]
    assert len(impersonating) >= 8
    for h in impersonating:
        assert h["violating"]
        text = holder_text(demo, h["name"])
        assert any(g in text for g in ("信用卡中心", "个人贷款中心", "消费金融部", "公积金管理中心"))
    for name in truth["compliant_holders"]:
        text = holder_text(demo, name)
        for marker in ("信用卡中心", "公积金管理中心", "不看征信", "黑户", "包装征信", "好处费", "返点"):
            assert marker not in text, (name, marker)


def _list_phones(demo: Manifest, name: str) -> set[str]:
    rows = read_rows(demo, demo.by_name(name))
    return {as_phone(col(r, PHONE_COLS)) for r in rows}


def test_lists_from_one_leak_source_share_consumers(demo: Manifest, truth: dict[str, Any]) -> None:
    sets = {f: _list_phones(demo, f) for s in truth["leak_sources"] for f in s["files"]}
    source_of = {f: s["key"] for s in truth["leak_sources"] for f in s["files"]}
    assert len(truth["leak_sources"]) == 3 and all(len(s["files"]) >= 2 for s in truth["leak_sources"])
    same: list[float] = []
    cross: list[float] = []
    names = sorted(sets)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            overlap = len(sets[a] & sets[b]) / min(len(sets[a]), len(sets[b]))
            (same if source_of[a] == source_of[b] else cross).append(overlap)
    assert min(same) > 0.1
    assert np.mean(same) > 3 * np.mean(cross)
    assert max(cross) < 0.05 < 0.1 < min(same)
    # the sources themselves overlap: some consumers are in lists of two sources
    assert sum(cross) > 0


def test_enterprise_source_lists_look_scraped(demo: Manifest, truth: dict[str, Any]) -> None:
    src = next(s for s in truth["leak_sources"] if s["key"] == "enterprise")
    for f in src["files"]:
        header = set(read_rows(demo, demo.by_name(f))[0])
        assert {"企业名称", "法定代表人", "注册资本", "成立日期", "电话"} <= header


def test_id_numbers_have_valid_check_digits(demo: Manifest) -> None:
    seen = 0
    for e in entries(demo, "customers"):
        for row in read_rows(demo, e):
            for key in ("身份证号", "身份证号码", "证件号码"):
                if key in row:
                    assert id_is_valid(str(row[key])), row[key]
                    seen += 1
    assert seen > 500


def test_phone_numbers_are_valid_mobiles(demo: Manifest) -> None:
    for e in entries(demo, "customers")[:6]:
        for row in read_rows(demo, e)[:200]:
            number = as_phone(col(row, PHONE_COLS))
            assert number[:2] in {"13", "15", "16", "17", "18", "19"}
            assert phonenumbers.is_valid_number(phonenumbers.parse(number, "CN"))


def test_dialers_call_in_customer_list_order(demo: Manifest, truth: dict[str, Any]) -> None:
    calls_by_holder: dict[str, list[dict[str, Any]]] = {}
    for pair in truth["list_order_dialling"]:
        holder = pair["holder"]
        if holder not in calls_by_holder:
            calls_by_holder[holder] = [r for e in entries(demo, "calls", holder) for r in read_rows(demo, e)]
        rows = read_rows(demo, demo.by_name(pair["list_file"]))
        rank = {as_phone(col(r, PHONE_COLS)): i for i, r in enumerate(rows)}
        first: dict[str, int] = {}
        for k, r in enumerate(calls_by_holder[holder]):
            if col(r, ACCOUNT_COLS) == pair["account"]:
                first.setdefault(as_phone(col(r, CALLEE_COLS)), k)
        order = [rank[p] for p, _ in sorted(first.items(), key=lambda kv: kv[1])]
        assert len(order) >= 0.8 * (pair["last_row"] - pair["first_row"] + 1)
        rho = np.corrcoef(np.arange(len(order)), order)[0, 1]
        assert rho > 0.98, pair
        assert order[0] == pair["first_row"] - 1


TIME_COLS = ("开始时间", "呼叫时间", "拨打时间", "通话时间")


def _day(value: Any) -> str:
    if isinstance(value, datetime):
        return value.date().isoformat()
    day = str(value).split(" ")[0].replace("/", "-")
    y, m, d = day.split("-")
    return f"{y}-{int(m):02d}-{int(d):02d}"


def test_robocall_numbers_reach_many_callees_a_day_and_compliant_ones_do_not(
    demo: Manifest, truth: dict[str, Any]
) -> None:
    robo = set(truth["robocall_numbers"])
    callees: dict[str, set[str]] = {}
    days: dict[str, set[str]] = {}
    for e in entries(demo, "calls"):
        for r in read_rows(demo, e):
            number = as_phone(col(r, CALLER_COLS))
            callees.setdefault(number, set()).add(as_phone(col(r, CALLEE_COLS)))
            days.setdefault(number, set()).add(_day(col(r, TIME_COLS)))
    assert robo <= set(callees)
    rate = {n: len(callees[n]) / len(days[n]) for n in callees}
    others = [rate[n] for n in callees if n not in robo]
    assert others
    assert np.median([rate[n] for n in robo]) > 3 * max(others)


def test_intent_grades_follow_duration_and_turns(demo: Manifest) -> None:
    e = next(e for e in entries(demo, "calls") if e.fmt == "csv" and e.encoding == "utf-8")
    rows = read_rows(demo, e)
    grades = Counter(col(r, ("意向等级", "客户意向", "意向级别")) for r in rows)
    assert set(grades) <= {"A", "B", "C", "D"} and grades["D"] > 0
    for r in rows:
        turns = int(col(r, ("客户说话次数", "对话轮次", "交互轮次")))
        g = col(r, ("意向等级", "客户意向", "意向级别"))
        if g == "A":
            assert turns >= 4
        if g == "D":
            assert turns == 0


def test_campaigns_are_sent_from_several_accounts(demo: Manifest, truth: dict[str, Any]) -> None:
    sent: dict[str, set[str]] = {}
    for e in entries(demo, "sms"):
        for r in read_rows(demo, e):
            sent.setdefault(str(col(r, ("发送账号", "账号", "子账号"))), set()).add(
                str(col(r, ("短信内容", "发送内容", "内容")))
            )
    violating = [c for c in truth["campaigns"] if c["violating"]]
    assert len(violating) >= 5
    for c in truth["campaigns"]:
        assert len(c["accounts"]) >= 2
        fixed = c["template"].split("{")[0] or c["template"].split("}")[-1]
        anchor = max((part.split("}")[-1] for part in c["template"].split("{")), key=len)
        for acc in c["accounts"]:
            assert any(anchor in text for text in sent[acc]), (c["key"], acc, fixed)


def test_sms_labels_cover_every_sms_row(demo: Manifest, truth: dict[str, Any]) -> None:
    labels = (demo.out_dir / truth["sms_campaign_labels"]["file"]).read_text(encoding="utf-8").splitlines()
    assert len(labels) - 1 == sum(e.rows for e in entries(demo, "sms"))


def _peak(demo: Manifest, truth: dict[str, Any]) -> int:
    big = truth["big_sms"]
    rows = read_rows(demo, demo.by_name(big["file"]))
    days = Counter(
        str(col(r, ("发送时间", "提交时间", "下发时间")))[:10]
        for r in rows
        if col(r, ("发送账号", "账号", "子账号")) == big["account"]
        and col(r, ("发送状态", "回执状态", "发送结果")) != "上行回复"
    )
    day, count = days.most_common(1)[0]
    assert day == big["peak_day"]
    return count


def test_big_sms_account_peak_day_matches_truth_and_scales(
    demo: Manifest, truth: dict[str, Any], tmp_path_factory: pytest.TempPathFactory
) -> None:
    small = _peak(demo, truth)
    assert small == truth["big_sms"]["peak_count"]
    assert 0.9 * 220_000 * SMALL < small < 1.2 * 220_000 * SMALL
    double = generate(tmp_path_factory.mktemp("double") / "out", seed=7, scale=2 * SMALL)
    truth2 = json.loads(double.ground_truth_path.read_text(encoding="utf-8"))
    assert 1.8 < _peak(double, truth2) / small < 2.2


def test_optout_repliers_keep_receiving_from_violating_senders(truth: dict[str, Any]) -> None:
    owners = truth["sms_accounts"]
    violating = set(truth["violating_holders"])
    for acc, stats in truth["sms_optout"].items():
        if owners[acc] in violating and stats["replied"]:
            assert stats["sends_after_optout"] >= stats["replied"]
        if owners[acc] not in violating:
            assert stats["sends_after_optout"] == 0


def test_complaints_name_calling_numbers_of_violating_holders(demo: Manifest, truth: dict[str, Any]) -> None:
    rows = read_rows(demo, demo.by_name(truth["complaints"]["file"]))
    callers = {str(r["来电号码"]) for r in rows if r["来电号码"]}
    robo = set(truth["robocall_numbers"])
    assert len(callers & robo) >= 0.8 * len(callers)
    with_calls = {h["name"] for h in truth["holders"] if set(h["callers"]) & callers and h["violating"]}
    assert len(with_calls) >= 0.8 * sum(1 for h in truth["holders"] if "robocall" in h["flags"])
    for r in rows:
        datetime.strptime(r["受理时间"], "%Y年%m月%d日 %H:%M")


def test_accounts_table_lists_holders_accounts(demo: Manifest, truth: dict[str, Any]) -> None:
    rows = read_rows(demo, demo.by_name(truth["vendor"]["accounts_file"]))
    assert len(rows) == truth["vendor"]["accounts"]
    listed = {r["账号"] for r in rows}
    assert set(truth["account_holders"]) <= listed
    assert len({r["省份"] for r in rows}) >= 5


def test_bribes_are_in_payments_and_chats(demo: Manifest, truth: dict[str, Any]) -> None:
    assert truth["bribe_payments"] and truth["bank_staff"]
    for b in truth["bribe_payments"]:
        e = demo.by_name(b["file"])
        row = read_rows(demo, e)[b["row_no"] - e.first_row_no]
        assert b["payee"] in row.values() and b["memo"] in row.values()
        assert b["holder"] in truth["violating_holders"]
    staff = {s["name"] for s in truth["bank_staff"]}
    for s in truth["bank_staff"]:
        for holder in s["holders"]:
            assert s["name"] in holder_text(demo, holder)
    assert staff


def test_intent_grade_counts_match_the_dialer_exports(demo: Manifest, truth: dict[str, Any]) -> None:
    assert len(truth["intent_grades"]) >= 20
    for holder, grades in truth["intent_grades"].items():
        rows = [r for e in entries(demo, "calls", holder) for r in read_rows(demo, e)]
        found = Counter(str(col(r, ("意向等级", "客户意向", "意向级别"))) for r in rows)
        assert dict(found) == grades


def test_consumer_counts_per_holder(demo: Manifest, truth: dict[str, Any]) -> None:
    for h in truth["holders"]:
        phones: set[str] = set()
        for e in entries(demo, "customers", h["name"]):
            phones |= {as_phone(col(r, PHONE_COLS)) for r in read_rows(demo, e)}
        assert len(phones) == h["consumers_in_lists"] > 0
