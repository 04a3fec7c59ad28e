from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from qinglian.pipeline import analyze as analyze_case
from qinglian.store.case import open_case
from qinglian.store.custody import read_entries
from tests.helpers import insert

SMS = [
    (
        1,
        "【某某金融】您好，无抵押低息贷款，不看征信，当天放款，详询13812345678，回T退订",
        "2025-06-01 09:00:00",
    ),
    (2, "您的快递已到，请到门口取件", "2025-06-01 10:00:00"),
    (3, "专业包装征信，代开流水，包下款", "2025-11-01 10:00:00"),
]
CALLS = [
    (
        1,
        "您好，这里是**金融(银行)，查到您名下有信用卡欠款，您的身份证号是110101199001011234，可以给您办低息贷款",
    ),
]


def _fill(case_dir: Path) -> None:
    case = open_case(case_dir)
    with case.connect() as con:
        insert(con, "sms", [
            {"holder": "甲公司", "evidence_sha256": "a" * 64, "sheet": "Sheet1", "row_no": row_no,
             "content": content, "sent_at": sent}
            for row_no, content, sent in SMS
        ])
        insert(con, "calls", [
            {"holder": "乙公司", "evidence_sha256": "b" * 64, "sheet": None, "row_no": row_no, "transcript": transcript}
            for row_no, transcript in CALLS
        ])


def _findings(case_dir: Path) -> list[tuple[Any, ...]]:
    with open_case(case_dir).connect(read_only=True) as con:
        return con.execute(
            "SELECT label, rule, law, holder, kind, field, evidence_sha256, sheet, row_no, span_start, span_end, "
            "quote, score FROM findings WHERE analysis = 'text' ORDER BY kind, row_no, label, span_start"
        ).fetchall()


def test_analyze_stores_findings_with_provenance(case_dir: Path) -> None:
    _fill(case_dir)
    result = analyze_case(open_case(case_dir), user="tester")
    rows = _findings(case_dir)
    assert rows
    sms_rows = {r[8] for r in rows if r[4] == "sms"}
    assert sms_rows == {1, 3}  # the parcel notice has no finding
    by = {(r[4], r[8], r[1]): r for r in rows}
    promise = by[("sms", 1, "false_promise.bad_credit")]
    assert promise[0] == "false_promise" and promise[3] == "甲公司" and promise[6] == "a" * 64
    assert promise[7] == "Sheet1" and promise[11] == "不看征信"
    assert SMS[0][1][promise[9] : promise[10]] == "不看征信"
    # the law cited is the text in force on the message's date: AUCL 2019 Art. 8 before 2025-10-15
    assert "（2019）第八条" in str(promise[2])
    assert "（2025）第九条" in str(by[("sms", 3, "false_promise.guaranteed")][2])
    assert ("sms", 3, "credit_packaging.credit_record") in by
    call_labels = {r[0] for r in rows if r[4] == "calls"}
    assert {"impersonation", "pi_exposure", "loan"} <= call_labels
    quotes = " ".join(str(r[11]) for r in rows)
    assert "110101199001011234" not in quotes and "13812345678" not in quotes
    assert result.ran["text"].summary()["texts"] == 4


def test_analyze_is_idempotent_and_logged(case_dir: Path) -> None:
    _fill(case_dir)
    case = open_case(case_dir)
    analyze_case(case, user="tester")
    first = _findings(case_dir)
    analyze_case(case, user="tester")
    assert _findings(case_dir) == first
    entries = [e for e in read_entries(case.custody_path) if e.get("action") == "analyze"]
    assert len(entries) == 2
    assert entries[-1]["user"] == "tester"
    with case.connect(read_only=True) as con:
        runs = con.execute("SELECT analysis, params FROM analysis_runs WHERE analysis = 'text'").fetchall()
    assert len(runs) == 2
    assert "false_promise.rate" in json.loads(runs[0][1])["rules"]
    # no PI in the custody log
    assert "13812345678" not in case.custody_path.read_text(encoding="utf-8")


def test_analyze_cli(case_dir: Path, capsys: object) -> None:
    from qinglian.cli import run

    _fill(case_dir)
    assert run(["analyze", str(case_dir), "--user", "tester"]) == 0
