"""Legal precision: lawful conduct is never charged, weak signs are leads, provisions fit the conduct."""

from __future__ import annotations

import json
from datetime import timedelta

import duckdb

from qinglian.charges import build_charges
from qinglian.charges.detect import is_own_name
from qinglian.detect.text.rules import RULES
from qinglian.store.case import Case
from tests.helpers import insert

from .conftest import LAWFUL, LENDER, T0, charged, customers, finding, leads, phone, sms

OPTOUT_SMS = "【润泽咨询】您在本公司官网提交的贷款咨询已受理，客户经理将在工作时间与您联系。拒收请回复R"


def _rules(*ids: str) -> dict[str, tuple[str, ...]]:
    return {r.id: r.laws for r in RULES if r.id in ids}


def test_opt_out_signature_and_the_word_loan_cite_no_provision() -> None:
    laws = _rules("marketing.opt_out", "marketing.signature", "loan.term")
    assert laws == {"marketing.opt_out": (), "marketing.signature": (), "loan.term": ()}


def test_lawful_marketing_with_consent_and_opt_out_is_not_charged(case: Case) -> None:
    with case.connect() as con:
        customers(con, LAWFUL, "c" * 64, range(40), "官网授权申请", {"授权时间": "2025-06-01"})
        sms(con, LAWFUL, "s" * 64, list(range(30)), OPTOUT_SMS,
            [("marketing", "marketing.opt_out", "拒收请回复R"), ("marketing", "marketing.signature", "【润泽咨询】"),
             ("loan", "loan.term", "贷款")])
        build_charges(case, con)
        assert not [c for c in charged(con) if c[0] == LAWFUL]
        assert not [c for c in leads(con) if c[0] == LAWFUL]


def test_marketing_to_a_purchased_list_is_charged_under_art_43_and_crpl_29(case: Case) -> None:
    with case.connect() as con:
        customers(con, LENDER, "b" * 64, range(100, 160), "渠道购买")
        sms(con, LENDER, "t" * 64, list(range(100, 150)), "【鑫达金服】低息贷款，秒批，详询", [("loan", "loan.offer", "贷款")])
        build_charges(case, con)
        assert {(LENDER, "unsolicited"), (LENDER, "pi_unlawful")} <= charged(con)
        got = con.execute("SELECT provisions FROM charges WHERE conduct = 'unsolicited'").fetchone()
        assert got is not None
        provs = json.loads(got[0])
        cites = {p["cite"] for p in provs}
        assert cites == {"中华人民共和国广告法（2021）第四十三条", "中华人民共和国消费者权益保护法（2013）第二十九条"}
        assert all(p["verified"] in ("official", "text") for p in provs)
        assert any("五千元以上三万元以下" in (p["penalty"] or "") for p in provs)


def test_fraud_by_model_score_alone_is_a_lead(case: Case) -> None:
    with case.connect() as con:
        sms(con, LENDER, "f" * 64, [1, 2, 3], "您好，有一笔款项待处理", [("fraud", None, "您好，有一笔款项待处理")])
        build_charges(case, con)
        assert (LENDER, "fraud") not in charged(con)
        assert (LENDER, "fraud") in leads(con)


def test_a_company_naming_itself_is_not_impersonation() -> None:
    own = ["平安普惠融资担保有限公司", "平安普惠"]
    assert is_own_name("我们是平安普惠金融", own)
    assert not is_own_name("我们是平安普惠金融", [LENDER, "鑫达金服"])
    assert not is_own_name("这里是**银行", own)
    assert is_own_name("这里是润泽咨询", [LAWFUL, "润泽咨询"])


def test_impersonation_is_charged_only_against_another_institution(case: Case) -> None:
    holder = "演示市平安普惠融资担保有限公司"
    text = "我们是平安普惠金融的客户经理，您的贷款申请已受理"
    with case.connect() as con:
        sms(con, holder, "p" * 64, [1, 2, 3], text, [("impersonation", "impersonation.bank", "我们是平安普惠金融")])
        sms(con, LENDER, "q" * 64, [4, 5, 6], "这里是**银行信用卡中心，您的额度已提升",
            [("impersonation", "impersonation.bank", "这里是**银行")])
        build_charges(case, con)
        got = charged(con)
        assert (holder, "impersonation") not in got
        assert (LENDER, "impersonation") in got


def test_a_commission_alone_is_not_bribery(case: Case) -> None:
    with case.connect() as con:
        insert(con, "chats", [
            {"holder": LENDER, "evidence_sha256": "h" * 64, "row_no": 2, "chat": "王五（渠道合作）", "sender": "张三",
             "receiver": "王五", "sent_at": T0, "text": "这单返点2个点，月底对账开票"},
        ])
        finding(con, LENDER, "chats", "h" * 64, 2, "bribery", "bribery.kickback", "返点")
        build_charges(case, con)
        assert (LENDER, "bribery") not in charged(con)
        assert (LENDER, "bribery") in leads(con)


def test_kickbacks_to_bank_staff_are_bribery_under_the_law_in_force(case: Case) -> None:
    when = T0.replace(year=2025, month=11)  # after the 2025 AUCL took effect (2025-10-15)
    with case.connect() as con:
        insert(con, "chats", [
            {"holder": LENDER, "evidence_sha256": "i" * 64, "row_no": 2, "chat": "李四（演示农商银行东湖区支行）",
             "sender": "张三", "receiver": "李四", "sent_at": when, "text": "上个月的好处费已经转给你了"},
        ])
        finding(con, LENDER, "chats", "i" * 64, 2, "bribery", "bribery.kickback", "好处费")
        insert(con, "payments", [
            {"holder": LENDER, "evidence_sha256": "j" * 64, "row_no": 3, "payer": "张三", "payee": "李四",
             "amount": 3000.0, "paid_at": when, "memo": "好处费"},
        ])
        build_charges(case, con)
        row = con.execute("SELECT provisions, strength FROM charges WHERE conduct = 'bribery'").fetchone()
        assert row is not None
        provs = json.loads(row[0])
        assert provs[0]["cite"] == "中华人民共和国反不正当竞争法（2025）第八条"
        assert provs[0]["penalty"].startswith("第二十四条")
        assert row[1] == "strong"


def test_own_call_logs_are_not_pi_obtained_from_others(case: Case) -> None:
    with case.connect() as con:
        insert(con, "calls", [
            {"holder": LAWFUL, "evidence_sha256": "k" * 64, "row_no": 2 + i, "caller": "+8613800000001",
             "callee": phone(500 + i), "started_at": T0 + timedelta(minutes=i), "duration_s": 60}
            for i in range(600)
        ])
        customers(con, LENDER, "l" * 64, range(10), "资源包")
        insert(con, "calls", [
            {"holder": LENDER, "evidence_sha256": "m" * 64, "row_no": 2 + i, "caller": "+8613800000002",
             "callee": phone(900 + i), "started_at": T0 + timedelta(minutes=i), "duration_s": 60}
            for i in range(600)
        ])
        build_charges(case, con)
        assert (LAWFUL, "pi_unlawful") not in charged(con)
        got = con.execute("SELECT scale FROM charges WHERE holder = ? AND conduct = 'pi_unlawful'", [LENDER]).fetchone()
        assert got is not None
        scale = json.loads(got[0])
        assert scale["subjects"] == 10  # the list, not the 600 numbers its own dialer called
        assert "comm_record" not in scale["pi"]


def test_calls_after_refusal_are_charged_and_a_scripted_opt_out_is_no_refusal(case: Case) -> None:
    refused = "机器人：您好，贷款了解一下 客户：不需要，别再打了 机器人：好的"
    polite = "机器人：您好，我是润泽咨询的客户经理 客户：嗯 机器人：如果您不需要，我们将不再联系您"
    with case.connect() as con:
        insert(con, "calls", [
            {"holder": LENDER, "evidence_sha256": "n" * 64, "row_no": 2 + k, "caller": "+8613800000003",
             "callee": phone(1), "started_at": T0 + timedelta(days=k), "transcript": refused if k == 0 else "机器人：您好"}
            for k in range(3)
        ])
        insert(con, "calls", [
            {"holder": LAWFUL, "evidence_sha256": "o" * 64, "row_no": 2 + k, "caller": "+8613800000004",
             "callee": phone(2), "started_at": T0 + timedelta(days=k), "transcript": polite}
            for k in range(3)
        ])
        build_charges(case, con)
        got = charged(con)
        assert (LENDER, "after_refusal") in got
        assert (LAWFUL, "after_refusal") not in got
        n = con.execute("SELECT evidence_rows FROM charges WHERE conduct = 'after_refusal'").fetchone()
        assert n == (2,)


def _signed_sms(con: duckdb.DuckDBPyConnection, holder: str, sha: str, signature: str, n: int) -> None:
    insert(con, "sms", [
        {"holder": holder, "evidence_sha256": sha, "row_no": 2 + k, "account": "yx9", "signature": signature,
         "recipient": phone(700 + k), "sent_at": T0 + timedelta(minutes=k),
         "content": f"{signature}您的信用卡额度可提升至5万元，详询客服", "status": "发送成功"}
        for k in range(n)
    ])


def test_an_sms_signature_in_a_banks_name_is_impersonation(case: Case) -> None:
    with case.connect() as con:
        _signed_sms(con, LENDER, "u" * 64, "【信用卡中心】", 12)
        _signed_sms(con, LAWFUL, "v" * 64, "【润泽咨询】", 12)
        build_charges(case, con)
        assert (LENDER, "impersonation") in charged(con)
        assert (LAWFUL, "impersonation") not in charged(con) | leads(con)
        row = con.execute("SELECT evidence_rows FROM charges WHERE conduct = 'impersonation'").fetchone()
        assert row is not None and row[0] == 12


def test_a_finance_services_company_claiming_a_bank_is_charged_a_bank_is_only_a_lead(case: Case) -> None:
    services = "演示市江滨区天泽金融服务有限公司"
    bank = "演示农商银行股份有限公司"
    with case.connect() as con:
        sms(con, services, "w" * 64, [1, 2, 3], "我们是演示农商银行，您的贷款已预审通过",
            [("impersonation", "impersonation.bank", "我们是演示农商银行")])
        sms(con, bank, "x" * 64, [4, 5, 6], "我们是演示农村商业银行客户经理",
            [("impersonation", "impersonation.bank", "我们是演示农村商业银行")])
        build_charges(case, con)
        assert (services, "impersonation") in charged(con)
        assert (bank, "impersonation") in leads(con)


def test_a_claimed_daily_volume_stands_beside_the_measured_peak_in_the_charge(case: Case) -> None:
    with case.connect() as con:
        customers(con, LENDER, "b" * 64, range(100, 160), "渠道购买")
        sms(con, LENDER, "t" * 64, list(range(100, 150)), "【鑫达金服】低息贷款，秒批，详询", [("loan", "loan.offer", "贷款")])
        insert(con, "claims", [{"claim": "volume", "value": 220000.0, "unit": "messages", "period": "day",
                                "holder": LENDER, "kind": "chats", "field": "text", "evidence_sha256": "z" * 64,
                                "row_no": 2, "quote": "一天群发22万条", "measured_peak_day": 50}])
        build_charges(case, con)
        row = con.execute("SELECT scale, facts_zh FROM charges WHERE conduct = 'unsolicited'").fetchone()
        assert row is not None
        scale = json.loads(row[0])
        assert scale["claimed_per_day"] == 220000 and scale["measured_peak_day"] == 50
        assert "220,000" in row[1] and "50" in row[1]
