"""ingest_many: several all-or-nothing ingests over one connection, each its own custody entry."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qinglian.errors import QinglianError
from qinglian.ingest.api import IngestOptions, ingest_many
from qinglian.store.case import open_case
from qinglian.store.verify import verify_case
from tests.helpers import query

HEADER = "主叫,被叫号码,开始时间,通话时长\n"


def _log_actions(case_dir: Path) -> list[str]:
    lines = (case_dir / "custody.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["action"] for line in lines]


def test_each_batch_is_its_own_ingest_and_a_failure_keeps_the_ones_before(case_dir: Path, tmp_path: Path) -> None:
    first = tmp_path / "甲-外呼.csv"
    first.write_text(HEADER + "02112345678,13812345678,2025-07-20 09:00,30\n", encoding="utf-8")
    second = tmp_path / "乙-外呼.csv"
    second.write_text(HEADER + "02187654321,13912345678,2025-07-21 10:00,45\n"
                      "02187654321,13912345679,2025-07-21 10:05,12\n", encoding="utf-8")
    bad = tmp_path / "丙-外呼.csv"
    bad.write_text(HEADER + "02112345678,13812345678,2025-07-20 09:00,30,多余,字段\n", encoding="utf-8")
    case = open_case(case_dir)
    seen: list[tuple[int, int]] = []
    results = ingest_many(case, [([first], IngestOptions(holder="甲")), ([second], IngestOptions(holder="乙"))],
                          progress=lambda done, total: seen.append((done, total)))
    assert [r.rows for r in results] == [1, 2]
    assert seen == [(0, 2), (1, 2), (2, 2)]
    assert query(case_dir, "SELECT holder, count(*) FROM calls GROUP BY 1 ORDER BY 1") == [("乙", 2), ("甲", 1)]
    assert _log_actions(case_dir).count("ingest") == 2

    third = tmp_path / "丁-外呼.csv"
    third.write_text(HEADER + "02100000000,13700000000,2025-07-22 10:00,5\n", encoding="utf-8")
    with pytest.raises(QinglianError) as err:
        ingest_many(case, [([third], IngestOptions(holder="丁")), ([bad], IngestOptions(holder="丙"))])
    assert "丙-外呼.csv" in str(err.value.file or "") + str(err.value)
    # the batch before the bad one stays, the bad one leaves nothing, and the store checks out
    assert query(case_dir, "SELECT DISTINCT holder FROM calls ORDER BY 1") == [("丁",), ("乙",), ("甲",)]
    assert _log_actions(case_dir).count("ingest") == 3
    assert not list((case_dir / "evidence").rglob("*.staging"))
    assert verify_case(case_dir).ok


def test_a_file_seen_by_an_earlier_batch_is_a_duplicate_under_its_first_holder(case_dir: Path, tmp_path: Path) -> None:
    import zipfile

    calls = tmp_path / "甲-外呼.csv"
    calls.write_text(HEADER + "02112345678,13812345678,2025-07-20 09:00,30\n", encoding="utf-8")
    copy = tmp_path / "副本.csv"
    copy.write_bytes(calls.read_bytes())
    packed = tmp_path / "乙.zip"
    with zipfile.ZipFile(packed, "w") as z:
        z.write(calls, "里面/外呼.csv")
    case = open_case(case_dir)
    results = ingest_many(case, [([calls], IngestOptions(holder="甲")), ([copy], IngestOptions(holder="乙")),
                                 ([packed], IngestOptions(holder="乙"))])
    assert [[f.status for f in r.files] for r in results] == [["ingested"], ["duplicate"], ["registered", "duplicate"]]
    assert results[1].files[0].previous_holder == "甲"
    assert results[2].files[1].previous_holder == "甲"
    # a later ingest knows them too, and a failed batch's files stay unknown
    bad = tmp_path / "丙-外呼.csv"
    bad.write_text(HEADER + "02100000000,13700000000,2025-07-22 10:00,5\n"
                   "02112345678,13812345678,2025-07-20 09:00,30,多余,字段\n", encoding="utf-8")
    with pytest.raises(QinglianError):
        ingest_many(case, [([bad], IngestOptions(holder="丙"))])
    fixed = bad.read_text(encoding="utf-8").replace(",多余,字段", "")
    bad.write_text(fixed, encoding="utf-8")
    again = ingest_many(case, [([packed], IngestOptions(holder="丁")), ([bad], IngestOptions(holder="丙"))])
    assert [f.status for f in again[0].files] == ["duplicate"] and again[0].files[0].previous_holder == "乙"
    assert again[1].rows == 2
    assert query(case_dir, "SELECT holder, count(*) FROM calls GROUP BY 1 ORDER BY 1") == [("丙", 2), ("甲", 1)]
    assert query(case_dir, "SELECT count(*), count(DISTINCT sheet_id), max(sheet_id) FROM record_sheets") == [(2, 2, 2)]
    assert verify_case(case_dir).ok


def test_a_sheet_already_registered_keeps_its_id(case_dir: Path) -> None:
    from qinglian.store import records

    case = open_case(case_dir)
    with case.connect() as con:
        first = records.sheet_id(con, "calls", "甲", None, "a" * 64, None)
        second = records.sheet_id(con, "calls", "甲", "某地", "a" * 64, None)
        assert (first, second) == (1, 2)
        assert records.sheet_id(con, "calls", "甲", None, "a" * 64, None) == 1
        assert records.sheet_id(con, "calls", "甲", "某地", "a" * 64, None) == 2
        assert con.execute("SELECT count(*) FROM record_sheets").fetchall() == [(2,)]
