"""A small hand-made case: record rows, text findings and (optionally) the other stages' tables,
every table in the shape its stage writes (``tests.helpers.insert`` refuses any other).

Numbers and names are made up; the mobiles in it match 1[3-9]\\d{9} so the masking tests can
look for them.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from qinglian.store.case import init_case, open_case
from qinglian.store.schema import columns
from tests.helpers import create_declared, insert

HOLDER_A = "上海某某信息咨询有限公司"
HOLDER_B = "杭州某某金融服务有限公司"
VENDOR = "某某智能科技有限公司"

SHA_CALLS = "a" * 64
SHA_SMS = "b" * 64
SHA_CUST = "c" * 64
SHA_PAY = "d" * 64
SHA_ACC = "e" * 64
SHA_CHAT = "f" * 64
SHA_CALLS_B = "1" * 64

CONSUMERS = [f"+86138{n:08d}" for n in range(10_000_000, 10_000_030)]
CALLER = "+8617012345678"
TRANSCRIPT = "您好，这里是工商银行信贷中心，张先生您的手机13912345678已预审通过，低息贷款，不看征信，包过。"
HIT_BANK = (TRANSCRIPT.index("工商银行"), TRANSCRIPT.index("工商银行") + 4)
HIT_PROMISE = (TRANSCRIPT.index("不看征信"), TRANSCRIPT.index("不看征信") + 4)
CHAT_TEXT = "王经理，这次放款的好处费按3个点给你，老规矩转你卡上。"


def record(con: Any, kind: str, **values: Any) -> None:
    known = {c for c, _ in columns(kind)}
    assert set(values) <= known, set(values) - known
    insert(con, kind, [values])


def evidence(con: Any, sha: str, name: str, holder: str, kind: str) -> None:
    insert(con, "evidence", [{"sha256": sha, "file_name": name, "stored_path": f"evidence/{sha}",
                              "size_bytes": 100, "holder": holder, "kind": kind,
                              "ingested_at": datetime(2025, 7, 22, 10, 0)}])


def finding(con: Any, **values: Any) -> None:
    base: dict[str, Any] = {"analysis": "text", "score": 0.9, "detail": json.dumps({})}
    base.update(values)
    insert(con, "findings", [base])


def populate(root: Path) -> None:
    """Records and text findings; every other stage's table exists, empty (as if it found nothing)."""
    case = open_case(root)
    with case.connect() as con:
        create_declared(con)
        evidence(con, SHA_CALLS, "外呼记录.xlsx", HOLDER_A, "calls")
        evidence(con, SHA_CALLS_B, "B外呼.csv", HOLDER_B, "calls")
        evidence(con, SHA_SMS, "短信发送.csv", HOLDER_A, "sms")
        evidence(con, SHA_CUST, "客户名单.xlsx", HOLDER_A, "customers")
        evidence(con, SHA_PAY, "付款.csv", HOLDER_A, "payments")
        evidence(con, SHA_ACC, "账号表.xlsx", VENDOR, "accounts")
        evidence(con, SHA_CHAT, "微信聊天.txt", HOLDER_A, "chats")
        start = datetime(2025, 7, 20, 9, 0)
        for i, callee in enumerate(CONSUMERS):
            day = 0 if i < 5 else (1 if i < 25 else 2)
            record(con, "calls", holder=HOLDER_A, evidence_sha256=SHA_CALLS, sheet="Sheet1", row_no=i + 2,
                   account="acc-001", caller=CALLER, callee=callee,
                   started_at=start + timedelta(days=day, minutes=i), duration_s=30.0 + i,
                   answered=i % 2 == 0, intent_grade="ABCD"[i % 4], consumer_turns=i % 5,
                   transcript=TRANSCRIPT if i == 0 else "您好，请问需要资金周转吗？", extra="{}")
            record(con, "customers", holder=HOLDER_A, evidence_sha256=SHA_CUST, sheet="名单", row_no=i + 2,
                   name=f"张{i}", phone=callee, id_number=f"31010119900101{i:04d}",
                   credit_info="负债 5 万" if i < 10 else None, extra="{}")
        record(con, "calls", holder=HOLDER_B, evidence_sha256=SHA_CALLS_B, sheet=None, row_no=2,
               account="acc-002", caller="+8617100001111", callee=CONSUMERS[0],
               started_at=start, duration_s=12.0, answered=True, transcript="不看征信秒批", extra="{}")
        for i in range(12):
            record(con, "sms", holder=HOLDER_A, evidence_sha256=SHA_SMS, sheet=None, row_no=i + 2,
                   account="sms-01", signature="【某某金融】", recipient=CONSUMERS[i],
                   sent_at=start + timedelta(days=i % 2, hours=1),
                   content="【某某金融】您有一笔低息额度待领取，回T退订", extra="{}")
        record(con, "payments", holder=HOLDER_A, evidence_sha256=SHA_PAY, sheet=None, row_no=2,
               payer=HOLDER_A, payee="王某", amount=3000.0, paid_at=start, memo="好处费", extra="{}")
        record(con, "payments", holder=HOLDER_A, evidence_sha256=SHA_PAY, sheet=None, row_no=3,
               payer=HOLDER_A, payee=VENDOR, amount=20000.0, paid_at=start,
               memo="=HYPERLINK(\"http://x\")", extra="{}")
        record(con, "accounts", holder=VENDOR, evidence_sha256=SHA_ACC, sheet="账号", row_no=2,
               account="acc-001", customer=HOLDER_A, province="上海", seats=20, extra="{}")
        record(con, "accounts", holder=VENDOR, evidence_sha256=SHA_ACC, sheet="账号", row_no=3,
               account="acc-002", customer=HOLDER_B, province="浙江", seats=5, extra="{}")
        record(con, "chats", holder=HOLDER_A, evidence_sha256=SHA_CHAT, sheet=None, row_no=7,
               chat="银行王经理", sender="李某", receiver="王某", sent_at=start, text=CHAT_TEXT, extra="{}")
        finding(con, label="impersonation", rule="impersonation.bank", law="pipl.10,aucl.confusion",
                holder=HOLDER_A, kind="calls", field="transcript", evidence_sha256=SHA_CALLS, sheet="Sheet1",
                row_no=2, span_start=HIT_BANK[0], span_end=HIT_BANK[1], quote="工商银行", score=0.97)
        finding(con, label="false_promise", rule="promise.no_credit_check", law="adlaw.28",
                holder=HOLDER_A, kind="calls", field="transcript", evidence_sha256=SHA_CALLS, sheet="Sheet1",
                row_no=2, span_start=HIT_PROMISE[0], span_end=HIT_PROMISE[1], quote="不看征信", score=0.95)
        finding(con, label="false_promise", rule="promise.no_credit_check", law="adlaw.28",
                holder=HOLDER_B, kind="calls", field="transcript", evidence_sha256=SHA_CALLS_B, sheet=None,
                row_no=2, span_start=0, span_end=4, quote="不看征信", score=0.9)
        finding(con, label="bribery", rule="bribery.kickback", law="aucl.bribery", holder=HOLDER_A,
                kind="chats", field="text", evidence_sha256=SHA_CHAT, sheet=None, row_no=7,
                span_start=CHAT_TEXT.index("好处费"), span_end=CHAT_TEXT.index("好处费") + 3, quote="好处费")
        finding(con, label="bribery", rule="bribery.kickback", law="aucl.bribery", holder=HOLDER_A,
                kind="payments", field="memo", evidence_sha256=SHA_PAY, sheet=None, row_no=2,
                span_start=0, span_end=3, quote="好处费")
        # A finding whose cited row does not exist: the report must say so.
        finding(con, label="loan", rule="loan.offer", law="ad.43", holder=HOLDER_A, kind="sms",
                field="content", evidence_sha256=SHA_SMS, sheet=None, row_no=999, span_start=0,
                span_end=2, quote="低息", score=0.6)
        insert(con, "analysis_runs", [{"analysis": "text", "version": "0.1.0",
                                       "ran_at": datetime(2025, 7, 22, 11, 0),
                                       "params": json.dumps({"rules": "rules-2025.07", "model": "m1"})}])


def _reasons(zh: str, en: str, weight: float) -> str:
    return json.dumps([{"reason_zh": zh, "reason_en": en, "evidence": [], "weight": weight}], ensure_ascii=False)


def build_full_case(root: Path, name: str = "测试案件") -> Path:
    """A new case at ``root`` with the records (``populate``) and the other stages' results."""
    init_case(root, name, "测试局", user="tester")
    populate(root)
    add_other_tables(root)
    return root


def add_other_tables(root: Path) -> None:
    """The other stages' results, in their declared shapes."""
    case = open_case(root)
    with case.connect() as con:
        for sha, category, tier, n in ((None, "credit", 50, 600), (None, "name_phone", 5000, 30),
                                       (SHA_CUST, "credit", 50, 600), (SHA_CUST, "name_phone", 5000, 30)):
            insert(con, "pi_inventory", [{"holder": HOLDER_A, "evidence_sha256": sha, "category": category,
                                          "tier": tier, "subjects": n}])
        insert(con, "behaviour_numbers", [{"number": CALLER, "calls": 30, "distinct_callees": 30, "score": 0.93,
                                           "flag": True, "reasons": "calls>=200/day; 外呼 17012345678"}])
        insert(con, "list_order", [{"evidence_sha256": SHA_CUST, "sheet": "名单", "account": "acc-001",
                                    "list_rows": 30, "dialled": 30, "coverage": 1.0, "spearman": 0.98,
                                    "longest_run": 30, "longest_run_share": 1.0, "run_first_row": 2,
                                    "run_last_row": 31}])
        for grade in "ABCD":
            insert(con, "intent_grades", [{"holder": HOLDER_A, "account": "acc-001", "grade": grade,
                                           "consumers": 7, "calls": 7, "mean_duration_s": 44.0,
                                           "median_duration_s": 44.0, "mean_turns": 2.0, "median_turns": 2.0}])
        insert(con, "upstream", [{"entity_id": "vendor:v1", "type": "vendor", "name": VENDOR, "holders_served": 2,
                                  "downstream_weight": 3.5, "rank": 1,
                                  "reasons": _reasons("共同上游：2 家", "common upstream of 2", 3.5)}])
        insert(con, "leak_clusters", [{"cluster_id": 1, "list_id": SHA_CUST + ":名单", "holder": HOLDER_A,
                                       "file_name": "客户名单.xlsx", "fingerprint": "name+phone+credit",
                                       "fingerprint_detail": "{}"}])
        insert(con, "targets", [{"phase": "after", "rank": 1, "holder": HOLDER_A, "score": 0.9,
                                 "reasons": _reasons("冒充银行话术；名单 30 条", "bank impersonation", 0.9)}])
        # JSON reasons with evidence rows (one row does not exist)
        insert(con, "targets", [{"phase": "before", "rank": 1, "holder": HOLDER_B, "score": 12.5,
                                 "reasons": json.dumps([
                                     {"reason_zh": "3 宗投诉指向该单位", "reason_en": "3 complaints",
                                      "evidence": [{"evidence_sha256": SHA_CALLS_B, "sheet": None, "row_no": 2},
                                                   {"evidence_sha256": SHA_ACC, "sheet": "账号", "row_no": 3}],
                                      "weight": 9.0},
                                     {"reason_zh": "供应商账户表列有该单位账户", "reason_en": "accounts",
                                      "evidence": [{"evidence_sha256": SHA_ACC, "sheet": "账号", "row_no": 77}],
                                      "weight": 1.0}], ensure_ascii=False)}])
        insert(con, "resolution", [{"cluster_id": "N1", "record_name": "某某信息咨询", "canonical_name": HOLDER_A,
                                    "match_weight": 2.13, "match_probability": 0.81, "source": "complaints.respondent"}])
        insert(con, "resolution", [{"cluster_id": "N2", "record_name": "孟杨", "canonical_name": "孟杨",
                                    "match_weight": None, "match_probability": None, "source": "payments.payee"}])
        insert(con, "resolution", [{"cluster_id": "N2", "record_name": "孟 杨", "canonical_name": "孟杨",
                                    "match_weight": 5.0, "match_probability": 0.97, "source": "payments.payee"}])
        insert(con, "cross_case_overlaps", [{"source_sha256": "9" * 64, "their_case": "外地案件", "their_holder": "外地公司",
                                             "their_file": "外地名单.csv", "their_list": "x:", "holder": HOLDER_A,
                                             "our_file": "客户名单.xlsx", "our_list": SHA_CUST + ":名单",
                                             "their_size": 40, "our_size": 30, "shared": 12,
                                             "containment_theirs_in_ours": 0.3, "containment_ours_in_theirs": 0.4,
                                             "jaccard": 12 / 58}])
        insert(con, "analysis_runs", [{"analysis": "behaviour", "version": "0.2.0",
                                       "ran_at": datetime(2025, 7, 22, 12, 0), "params": json.dumps({})}])
    add_charges(root)


IMPERSONATION = "C-impersonate01"
PI_CHARGE = "C-pi0000000001"
LEAD_B = "L-fraudlead001"
FACTS_IMPERSONATION = "在外呼中自称工商银行信贷中心 1 次，冒用银行名义"
PROVISION_IMPERSONATION = "中华人民共和国反不正当竞争法（2019）第六条"


def _provision(pid: str, cite: str, role: str = "breach", penalty: str = "") -> dict[str, Any]:
    return {"id": pid, "role": role, "cite": cite, "summary": "要旨", "penalty": penalty or None}


def add_charges(root: Path) -> None:
    """The charges stage's output: two charges of HOLDER_A (one referred) and a lead of HOLDER_B."""
    case = open_case(root)
    calls_query = [{"sql": "SELECT 'calls' AS kind, evidence_sha256, sheet, row_no, started_at AS ts, "
                           "transcript AS quote, 'script' AS grp FROM calls WHERE holder = ? AND row_no = 2",
                    "params": [HOLDER_A], "what_zh": "冒充银行的外呼", "what_en": "calls"}]
    list_query = [{"sql": "SELECT 'customers' AS kind, evidence_sha256, sheet, row_no, NULL::TIMESTAMP AS ts, "
                          "name AS quote, evidence_sha256 AS grp FROM customers WHERE holder = ?",
                   "params": [HOLDER_A], "what_zh": "名单", "what_en": "list"}]
    base: dict[str, Any] = {"holder": HOLDER_A, "strength": "strong", "status": "proposed",
                            "evidence_changed": False, "built_at": datetime(2025, 7, 23, 9, 0)}
    with case.connect() as con:
        insert(con, "charges", [base | {
            "charge_id": IMPERSONATION, "conduct": "impersonation", "conduct_zh": "冒充银行等金融机构或公共机构",
            "provisions": json.dumps([_provision("aucl.confusion", PROVISION_IMPERSONATION,
                                                  penalty="第十八条：责令停止违法行为，没收违法商品。")],
                                      ensure_ascii=False),
            "first_at": datetime(2025, 7, 20, 9, 0), "last_at": datetime(2025, 7, 20, 9, 0),
            "scale": json.dumps({"calls": 1, "institutions": ["工商银行"], "rows": 1}, ensure_ascii=False),
            "facts_zh": FACTS_IMPERSONATION, "strength_reasons": json.dumps([{"zh": "话术点名银行", "en": "names a bank"}]),
            "rebuttal": json.dumps([{"zh": "证明与该银行有合作", "en": "a partnership"}]), "referral": False,
            "evidence_query": json.dumps(calls_query, ensure_ascii=False), "evidence_rows": 1}])
        insert(con, "charges", [base | {
            "charge_id": PI_CHARGE, "conduct": "pi_unlawful", "conduct_zh": "非法获取、持有消费者个人信息",
            "provisions": json.dumps([_provision("pipl.10", "中华人民共和国个人信息保护法（2021）第十条",
                                                  penalty="第六十六条：责令改正。"),
                                       _provision("criminal.253-1", "中华人民共和国刑法第二百五十三条之一", "referral")],
                                      ensure_ascii=False),
            "scale": json.dumps({"subjects": 600, "lists": 1, "pi": {"credit": {"records": 600, "tier": 50}},
                                  "rows": 30}),
            "facts_zh": "持有来自他人的客户名单 1 份，涉及 600 名消费者的征信信息，无同意记录",
            "referral": True, "evidence_query": json.dumps(list_query, ensure_ascii=False), "evidence_rows": 30}])
        insert(con, "charge_evidence", [{"charge_id": IMPERSONATION, "rank": 1, "kind": "calls",
                                         "evidence_sha256": SHA_CALLS, "file_name": "外呼记录.xlsx", "sheet": "Sheet1",
                                         "row_no": 2, "group_key": "script", "quote": TRANSCRIPT,
                                         "note_zh": "冒充银行的外呼"}])
        insert(con, "leads", [{"lead_id": LEAD_B, "holder": HOLDER_B, "conduct": "fraud", "source": "findings.fraud",
                               "reason_zh": "只有弱诈骗特征一项", "reason_en": "one weak sign", "rows": 1,
                               "sample_sha256": SHA_CALLS_B, "sample_row": 2}])


@pytest.fixture()
def small_case(case_dir: Path) -> Path:
    populate(case_dir)
    return case_dir


@pytest.fixture()
def full_case(case_dir: Path) -> Path:
    populate(case_dir)
    add_other_tables(case_dir)
    return case_dir
