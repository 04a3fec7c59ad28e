from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from qinglian.detect.pi import pi_inventory
from qinglian.errors import QinglianError
from qinglian.store.case import open_case

from .factory import HOLDER_A, HOLDER_B, SHA1, SHA2, SHA3, execute, insert, make_card, make_id


def _customers(n: int, *, start: int = 0, credit: bool = True) -> list[dict[str, Any]]:
    """n customers with distinct mobiles 1380000xxxx (and a debt figure unless ``credit`` is off)."""
    return [{"name": "张三", "phone": f"+86138{i:08d}", "credit_info": f"负债{i}万" if credit else None}
            for i in range(start, start + n)]


def _calls(n: int) -> list[dict[str, Any]]:
    return [{"callee": f"+86139{i:08d}"} for i in range(n)]


def test_person_in_two_files_of_one_holder_counts_once(case_dir: Path) -> None:
    insert(case_dir, "customers", [
        {"name": "张三", "phone": "+8613812345678"},
        {"name": "李四", "phone": "+8613912345678"},
        {"name": "王五", "phone": "+8613712345678"},
    ], sha=SHA1, file_name="名单一.xlsx")
    insert(case_dir, "customers", [
        {"name": "张三", "phone": None, "raw": json.dumps({"phone": "138 1234 5678"})},  # same person, raw form
        {"name": "赵六", "phone": "+8615012345678"},
    ], sha=SHA2, file_name="名单二.csv")
    insert(case_dir, "customers", [{"name": "张三", "phone": "+8613812345678"}], holder=HOLDER_B, sha=SHA3)
    inv = pi_inventory(open_case(case_dir))
    a, b = inv.holder(HOLDER_A), inv.holder(HOLDER_B)
    assert a.subjects == 4
    assert a.categories == {"contact": 4, "identity": 4}
    assert [(f.file_name, f.subjects) for f in a.files] == [("名单一.xlsx", 3), ("名单二.csv", 2)]
    assert b.subjects == 1  # once per holder: the same person counts for each holder that has them


def test_phone_linked_to_id_is_one_person(case_dir: Path) -> None:
    idn = make_id()
    insert(case_dir, "customers", [{"name": "张三", "phone": "+8613812345678", "id_number": idn,
                                     "credit_info": "征信有逾期，网贷3笔"}], sha=SHA1)
    # The 15-digit old form of someone else's ID, and the same person again by ID only.
    insert(case_dir, "customers", [{"id_number": idn.lower()}, {"id_number": "110105491231002"}], sha=SHA2)
    insert(case_dir, "calls", [{"callee": "+8613812345678", "transcript": "张先生您好"}], sha=SHA3)
    a = pi_inventory(open_case(case_dir)).holder(HOLDER_A)
    assert a.subjects == 2
    assert a.categories["comm_record"] == 1
    assert a.categories["credit"] == 1
    assert a.categories["identity"] == 2


def test_invalid_values_are_not_counted(case_dir: Path) -> None:
    insert(case_dir, "customers", [
        {"name": "未知", "phone": None, "raw": json.dumps({"phone": "12345"}), "id_number": make_id()[:17] + "0"
         if make_id()[17] != "0" else make_id()[:17] + "1"},
        {"name": "张三", "phone": "+8613812345678", "credit_info": "无", "address": "-", "employer": "暂无"},
    ])
    a = pi_inventory(open_case(case_dir)).holder(HOLDER_A)
    assert a.subjects == 1
    assert a.categories == {"contact": 1, "identity": 1}


def test_free_text_pi(case_dir: Path) -> None:
    card, idn = make_card(), make_id("440106", "19851111", "042")
    insert(case_dir, "sms", [
        {"recipient": "+8613612345678", "content": "【某某金融】尊敬的客户，您的额度已预审通过"},
        {"recipient": "+8613612340000", "content": f"身份证{idn}，银行卡{card}，负债20万"},
    ], sha=SHA1)
    insert(case_dir, "chats", [
        {"text": "客户：13712345678 在杭州某某科技有限公司上班，网贷5笔\n客户：13712340000 没意向"},
        {"text": "姓名：王小明 负债30万"},  # no number: unattributed
    ], sha=SHA2)
    insert(case_dir, "customers", [
        {"phone": "+8615012345678", "extra": json.dumps({"银行卡号": card}, ensure_ascii=False)},
    ], sha=SHA3)
    a = pi_inventory(open_case(case_dir)).holder(HOLDER_A)
    # Recipients 2, ID-number person in SMS 1, chat numbers 2, customer 1.
    assert a.subjects == 6
    assert a.categories["comm_record"] == 2
    assert a.categories["property"] == 2  # the SMS recipient and the customer
    assert a.categories["credit"] == 2  # SMS recipient (负债20万) and 137…5678 (网贷5笔)
    assert a.categories["employer"] == 1
    assert a.unattributed == {"identity": 1, "credit": 1}


def test_threshold_marking(case_dir: Path) -> None:
    insert(case_dir, "customers", _customers(60))
    a = pi_inventory(open_case(case_dir)).holder(HOLDER_A)
    assert a.categories["credit"] == 60
    assert a.crossed == [50]
    assert a.especially_serious == []
    [t50, t500, t5000] = a.tiers
    assert (t50.subjects, t50.crossed, t50.especially_serious) == (60, True, False)
    assert (t500.subjects, t500.crossed) == (0, False)
    assert (t5000.subjects, t5000.crossed) == (60, False)


def test_ten_times_is_especially_serious(case_dir: Path) -> None:
    insert(case_dir, "customers", _customers(500))
    insert(case_dir, "calls", _calls(499), sha=SHA2)
    a = pi_inventory(open_case(case_dir)).holder(HOLDER_A)
    assert a.especially_serious == [50]
    assert a.crossed == [50]  # 499 call records: one short of 500
    assert a.combined_especially_serious  # 500/50 + 499/500


def test_combined_ratio_of_article_5_item_6(case_dir: Path) -> None:
    insert(case_dir, "customers", _customers(30))
    insert(case_dir, "calls", _calls(250), sha=SHA2)
    a = pi_inventory(open_case(case_dir)).holder(HOLDER_A)
    assert a.crossed == []
    assert a.combined == pytest.approx(30 / 50 + 250 / 500)
    assert a.combined_crossed and not a.combined_especially_serious


def test_results_are_stored_per_file_and_holder(case_dir: Path) -> None:
    insert(case_dir, "customers", _customers(5), sha=SHA1)
    insert(case_dir, "customers", _customers(5, start=3, credit=False), sha=SHA2)
    insert(case_dir, "customers", _customers(2), holder=HOLDER_B, sha=SHA3)
    pi_inventory(open_case(case_dir))
    rows = execute(case_dir, "SELECT holder, evidence_sha256, category, tier, subjects FROM pi_inventory"
                             " WHERE category IN ('contact', 'credit')")
    assert set(rows) == {
        (HOLDER_A, SHA1, "contact", 5000, 5),
        (HOLDER_A, SHA1, "credit", 50, 5),
        (HOLDER_A, SHA2, "contact", 5000, 5),
        (HOLDER_A, None, "contact", 5000, 8),
        (HOLDER_A, None, "credit", 50, 5),
        (HOLDER_B, SHA3, "contact", 5000, 2),
        (HOLDER_B, SHA3, "credit", 50, 2),
        (HOLDER_B, None, "contact", 5000, 2),
        (HOLDER_B, None, "credit", 50, 2),
    }
    # Re-running for one holder replaces only that holder's rows.
    execute(case_dir, "DELETE FROM customers_rows WHERE sheet_id IN "
            "(SELECT sheet_id FROM record_sheets WHERE holder = ?)", [HOLDER_B])
    pi_inventory(open_case(case_dir), HOLDER_A)
    assert execute(case_dir, "SELECT count(*) FROM pi_inventory WHERE holder = ?", [HOLDER_B]) == [(6,)]  # contact, credit, identity: per file and in all
    assert execute(case_dir, "SELECT count(*) FROM analysis_runs WHERE analysis = 'pi'") == [(2,)]


def test_holder_filter_and_unknown_holder(case_dir: Path) -> None:
    insert(case_dir, "customers", _customers(3))
    insert(case_dir, "customers", _customers(2), holder=HOLDER_B, sha=SHA3)
    inv = pi_inventory(open_case(case_dir), HOLDER_B)
    assert [h.holder for h in inv.holders] == [HOLDER_B]
    with pytest.raises(QinglianError):
        pi_inventory(open_case(case_dir), "不存在的公司")


def test_empty_case(case_dir: Path) -> None:
    assert pi_inventory(open_case(case_dir)).holders == []


def test_one_holder_run_matches_the_full_run(case_dir: Path) -> None:
    idn = make_id()
    for holder, sha in ((HOLDER_A, SHA1), (HOLDER_B, SHA2)):
        insert(case_dir, "customers", [{"phone": "+8613812345678", "id_number": idn, "credit_info": "逾期3次"},
                                       {"phone": "+8613912345678"}], holder=holder, sha=sha)
        insert(case_dir, "calls", [{"callee": "+8613812345678"}], holder=holder, sha=SHA3)
    full = pi_inventory(open_case(case_dir)).holder(HOLDER_B)
    alone = pi_inventory(open_case(case_dir), HOLDER_B).holder(HOLDER_B)
    assert (alone.subjects, alone.categories, alone.tiers) == (full.subjects, full.categories, full.tiers)
    assert full.subjects == 2
