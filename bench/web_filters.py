"""Benchmark: a filtered rows page of the evidence browser on a sheet of a million call records.
Prints seconds per page for each filter, first page and deep in the sheet, and the plan of the
combined one.

    .venv/bin/python bench/web_filters.py [ROWS]
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the test helpers build the case

from qinglian.store.case import init_case, open_case
from qinglian.web import evidence
from tests.helpers import insert
from tests.report.conftest import evidence as add_evidence

SHA = "f" * 64


def build(root: Path, n: int) -> None:
    init_case(root, "百万行", "测试局", user="bench")
    with open_case(root).connect() as con:
        add_evidence(con, SHA, "calls.csv", "某某公司", "calls")
        insert(con, "record_sheets", [{"sheet_id": 1, "kind": "calls", "holder": "某某公司", "site": None,
                                       "evidence_sha256": SHA, "sheet": None}])
        # Two seats, a call a minute from 2025-01-01, numbers distinct, one row in 200 with a finding.
        con.execute(f"""INSERT INTO calls_rows BY NAME SELECT 1 AS sheet_id, i + 2 AS row_no,
            'seat-' || (i % 2) AS account, '+86170' || lpad((i % 1000)::VARCHAR, 8, '0') AS caller,
            '+86138' || lpad(i::VARCHAR, 8, '0') AS callee,
            TIMESTAMP '2025-01-01' + to_minutes(i) AS started_at, 30.0 AS duration_s, true AS answered,
            CASE WHEN i % 7 = 0 THEN '您好，这里是银行信贷中心，低息贷款' ELSE '您好，请问需要资金周转吗' END AS transcript,
            '{{}}' AS extra FROM range({n}) t(i)""")
        con.execute(f"""INSERT INTO findings BY NAME SELECT 'text' AS analysis,
            CASE WHEN i % 400 = 0 THEN 'impersonation' ELSE 'loan' END AS label, 0.9 AS score, '某某公司' AS holder,
            'calls' AS kind, 'transcript' AS field, '{SHA}' AS evidence_sha256, NULL AS sheet, i + 2 AS row_no
            FROM range(0, {n}, 200) t(i)""")


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    root = Path(tempfile.mkdtemp()) / "big"
    t0 = time.perf_counter()
    build(root, n)
    print(f"built {n} rows in {time.perf_counter() - t0:.1f} s")
    case = open_case(root)
    mid_day = datetime.fromordinal(datetime(2025, 1, 1).toordinal() + n // 2 // 1440).date().isoformat()
    cases = {
        "none": {},
        "text": {"q": "信贷中心"},
        "who": {"who": "seat-1"},
        "number (one row)": {"number": f"138{n // 2:08d}"},
        "date range (one day, mid-sheet)": {"since": mid_day, "until": mid_day},
        "finding any": {"finding": "any"},
        "finding label (rare)": {"finding": "impersonation"},
        "combined": {"q": "信贷", "who": "seat-0", "since": mid_day, "finding": "any"},
        "no match (reads the whole sheet)": {"q": "不存在的词"},
    }
    for label, kw in cases.items():
        f = evidence.Filters.parse(**kw)
        for after in (0, n * 9 // 10):
            best = float("inf")
            for _ in range(3):
                t = time.perf_counter()
                pg = evidence.rows(case, 1, after, filters=f)
                best = min(best, time.perf_counter() - t)
            assert pg is not None
            print(f"{label:36} after={after:>8}  {len(pg.rows):>3} rows  {best * 1000:7.1f} ms")
    f = evidence.Filters.parse(**cases["combined"])
    where, params = evidence._where("calls", {"evidence_sha256": SHA, "sheet": None}, f, True)
    with case.connect(read_only=True) as con:
        for _, plan in con.execute("EXPLAIN SELECT * FROM calls_rows WHERE sheet_id = ? AND row_no > ?" + where
                                   + " ORDER BY row_no LIMIT ?", [1, 0, *params, 51]).fetchall():
            print(plan)


if __name__ == "__main__":
    main()
