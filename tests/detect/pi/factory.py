"""Hand-made PI for tests: valid ID numbers and card numbers, and rows added in the declared shapes.

Every value is synthetic; the mobiles match 1[3-9]\\d{9} so masking tests can look for them.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from qinglian.detect.pi.validators import id_check_char, luhn_ok
from qinglian.store.case import open_case
from tests.helpers import insert as add_rows

SHA1 = "1" * 64
SHA2 = "2" * 64
SHA3 = "3" * 64
HOLDER_A = "上海某某信息咨询有限公司"
HOLDER_B = "杭州某某金融服务有限公司"


def make_id(region: str = "310101", birth: str = "19900307", seq: str = "123") -> str:
    first17 = region + birth + seq
    return first17 + id_check_char(first17)


def make_card(prefix: str = "622202", length: int = 19, body: str = "") -> str:
    stem = (prefix + body + "3141592653589793238")[: length - 1]
    for d in "0123456789":
        if luhn_ok(stem + d):
            return stem + d
    raise AssertionError("unreachable")


def insert(case_dir: Path, table: str, rows: list[dict[str, Any]], *, holder: str = HOLDER_A,
           sha: str = SHA1, file_name: str | None = None) -> None:
    """Insert rows (provenance filled in) and register the evidence file, through tests.helpers.insert."""
    with open_case(case_dir).connect() as con:
        add_rows(con, table, [
            {"holder": holder, "evidence_sha256": sha, "sheet": "Sheet1", "row_no": i, **row}
            for i, row in enumerate(rows, start=2)
        ])
        if file_name and not con.execute("SELECT 1 FROM evidence WHERE sha256 = ?", [sha]).fetchone():
            add_rows(con, "evidence", [{
                "sha256": sha, "file_name": file_name, "stored_path": "evidence/" + sha, "size_bytes": 0,
                "holder": holder, "kind": table, "ingested_at": datetime.now(),
            }])


def execute(case_dir: Path, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    with open_case(case_dir).connect() as con:
        return con.execute(sql, params or []).fetchall()
