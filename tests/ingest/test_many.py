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
