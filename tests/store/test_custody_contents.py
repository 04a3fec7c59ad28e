"""Custody covers the case's contents: ingest entries carry a digest of each sheet's rows,
analysis entries digests of their tables, and `verify` names what no longer matches."""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from qinglian.store import custody
from qinglian.store.case import open_case
from tests.helpers import cli, insert, query

CALLS = "主叫,被叫号码,开始时间,通话时长\n02112345678,13812345678,2025-07-20 09:00,30\n02112345678,13912345678,2025-07-20 09:05,40\n"
CUSTOMERS = "姓名,手机号\n张三,13812345678\n李四,13912345678\n"


@pytest.fixture()
def loaded(case_dir: Path, tmp_path: Path) -> Path:
    f = tmp_path / "calls.csv"
    f.write_text(CALLS)
    g = tmp_path / "cust.csv"
    g.write_text(CUSTOMERS)
    h = tmp_path / "other.csv"
    h.write_text("姓名,手机号\n王五,13712345678\n")
    assert cli("ingest", case_dir, f, g, "--holder", "甲公司") == 0
    assert cli("ingest", case_dir, h, "--holder", "乙公司") == 0
    return case_dir


def _verify(case_dir: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    capsys.readouterr()
    code = cli("verify", case_dir)
    c = capsys.readouterr()
    return code, c.out + c.err


def _write(case_dir: Path, sql: str, params: list[object] | None = None) -> None:
    """Tamper with the store directly, as someone with the folder could."""
    with duckdb.connect(str(case_dir / "case.duckdb")) as con:
        con.execute(sql, params or [])


def _add(case_dir: Path, table: str, rows: list[dict[str, object]]) -> None:
    """Add rows behind custody's back, in the shapes the stages write."""
    with duckdb.connect(str(case_dir / "case.duckdb")) as con:
        insert(con, table, rows)


def test_ingest_entry_carries_a_digest_per_sheet(loaded: Path) -> None:
    entry = next(e for e in custody.read_entries(loaded / "custody.jsonl") if e["action"] == "ingest")
    sheets = {item["file"].rsplit("/", 1)[-1]: item["sheets"] for item in entry["details"]["evidence"]}
    assert [s["kind"] for s in sheets["calls.csv"]] == ["calls"] and sheets["calls.csv"][0]["rows"] == 2
    from qinglian.store.digest import sheet_digest

    with duckdb.connect(str(loaded / "case.duckdb"), read_only=True) as con:
        sid = con.execute("SELECT sheet_id FROM record_sheets WHERE kind = 'calls'").fetchall()[0][0]
        assert sheets["calls.csv"][0]["digest"] == sheet_digest(con, "calls", sid).sha256
        assert len(sheets["cust.csv"][0]["digest"]) == 64


def test_verify_intact_reports_contents_checked(loaded: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _verify(loaded, capsys)
    assert code == 0, out
    assert "3 个导入工作表" in out


def test_verify_catches_a_changed_phone_number(loaded: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _write(loaded, "UPDATE customers_rows SET phone = '+8613800000000' WHERE name = '张三'")
    code, out = _verify(loaded, capsys)
    assert code == 1
    assert "customers_rows" in out and "甲公司" in out and "cust.csv" in out and "导入 2 行，现有 2 行" in out
    assert "calls_rows" not in out and "乙公司" not in out


def test_verify_catches_a_deleted_row(loaded: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _write(loaded, "DELETE FROM calls_rows WHERE row_no = 3")
    code, out = _verify(loaded, capsys)
    assert code == 1 and "calls_rows" in out and "导入 2 行，现有 1 行" in out


def test_verify_catches_a_holder_removed_entirely(loaded: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Rows, sheet, evidence row and file of one holder deleted together: the log still has them."""
    stored = query(loaded, "SELECT stored_path, sha256 FROM evidence WHERE holder = '乙公司'")[0]
    _write(loaded, "DELETE FROM customers_rows WHERE sheet_id IN (SELECT sheet_id FROM record_sheets WHERE holder = '乙公司')")
    _write(loaded, "DELETE FROM record_sheets WHERE holder = '乙公司'")
    _write(loaded, "DELETE FROM evidence WHERE holder = '乙公司'")
    (loaded / str(stored[0])).unlink()
    code, out = _verify(loaded, capsys)
    assert code == 1
    assert "other.csv" in out and "乙公司" in out and "已不在案件库中" in out and "1 行已全部不在案件库中" in out


def test_verify_catches_evidence_replaced_with_its_hash_updated(
    loaded: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Edit the file and record its new hash: the stored name still carries the old one."""
    stored, old = query(loaded, "SELECT stored_path, sha256 FROM evidence WHERE file_name = 'cust.csv'")[0]
    path = loaded / str(stored)
    os.chmod(path, 0o600)
    path.write_text(CUSTOMERS.replace("张三", "赵六"))
    from qinglian.store.evidence import sha256_file

    new = sha256_file(path)
    _write(loaded, "UPDATE evidence SET sha256 = ? WHERE sha256 = ?", [new, old])
    _write(loaded, "UPDATE record_sheets SET evidence_sha256 = ? WHERE evidence_sha256 = ?", [new, old])
    code, out = _verify(loaded, capsys)
    assert code == 1
    assert "存放名与登记哈希" in out and "cust.csv" in out


def test_verify_catches_evidence_added_without_an_ingest(loaded: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _add(loaded, "evidence", [{"sha256": "ab" * 32, "file_name": "planted.csv", "stored_path": "evidence/ab/planted.csv",
                                "size_bytes": 1, "holder": "丙公司", "kind": "calls", "sheets": "[]", "rows": 0,
                                "ingested_at": datetime.now(), "ingested_by": "x"}])
    code, out = _verify(loaded, capsys)
    assert code == 1 and "planted.csv" in out and "没有它的导入记录" in out


def test_verify_catches_rows_moved_to_another_holder(loaded: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _write(loaded, "UPDATE record_sheets SET holder = '乙公司' WHERE kind = 'calls'")
    code, out = _verify(loaded, capsys)
    assert code == 1 and "calls_rows" in out and "乙公司" in out and "甲公司" in out


def test_verify_catches_rows_added_to_the_store(loaded: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _add(loaded, "customers", [{"holder": "丙公司", "evidence_sha256": "cd" * 32, "row_no": 2, "name": "假人"}])
    code, out = _verify(loaded, capsys)
    assert code == 1 and "丙公司" in out and "没有任何导入记录" in out


def test_analysis_entry_carries_table_digests_and_verify_catches_an_edit(
    loaded: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli("pi", loaded) == 0
    entry = custody.read_entries(loaded / "custody.jsonl")[-1]
    assert entry["action"] == "pi"
    logged = entry["details"]["tables"]["pi_inventory"]
    from qinglian.store.digest import table_summary

    with duckdb.connect(str(loaded / "case.duckdb"), read_only=True) as con:
        assert logged == table_summary(con, "pi_inventory").as_json()
        assert logged["rows"] > 0
    assert _verify(loaded, capsys)[0] == 0
    _write(loaded, "UPDATE pi_inventory SET subjects = subjects + 1000")
    code, out = _verify(loaded, capsys)
    assert code == 1 and "pi_inventory" in out and "pi" in out


def test_verify_catches_a_dropped_analysis_table(loaded: Path, capsys: pytest.CaptureFixture[str]) -> None:
    case = open_case(loaded)
    with case.connect() as con:
        con.execute("CREATE TABLE findings_demo (holder VARCHAR, label VARCHAR)")
        con.execute("INSERT INTO findings_demo VALUES ('甲公司', 'loan')")
        case.log("analyze.demo", {}, con=con, tables=["findings_demo"])
    assert _verify(loaded, capsys)[0] == 0
    _write(loaded, "DROP TABLE findings_demo")
    code, out = _verify(loaded, capsys)
    assert code == 1 and "findings_demo" in out and "已不存在" in out


def test_table_digest_follows_content_not_formatting(tmp_path: Path) -> None:
    from qinglian.store.digest import table_summary

    con = duckdb.connect()
    con.execute(
        "CREATE TABLE t (a VARCHAR, b DOUBLE, c TIMESTAMP, d BOOLEAN, e BIGINT, f VARCHAR[], g DECIMAL(10,2), h JSON)"
    )
    con.execute(
        "INSERT INTO t VALUES ('x', 1.5, TIMESTAMP '2025-07-20 09:00:00', true, 7, ['a'], 1.25, '{\"k\": 1}'),"
        " (NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL), ('', 0.0, NULL, false, 0, [], 0, NULL)"
    )
    first = table_summary(con, "t")
    assert first.rows == 3
    con.execute("CREATE TABLE u AS SELECT * FROM t")
    assert table_summary(con, "u").sha256 == first.sha256  # the same rows read the same
    for change in (
        "UPDATE u SET a = 'y' WHERE a = 'x'",
        "UPDATE u SET a = NULL WHERE a = ''",  # NULL and empty text differ
        "UPDATE u SET b = 1.5000001 WHERE b = 1.5",
        "UPDATE u SET c = c + INTERVAL 1 SECOND",
        "UPDATE u SET e = NULL WHERE e = 0",  # NULL and zero differ
        "UPDATE u SET f = ['b'] WHERE f = ['a']",
    ):
        con.execute("DROP TABLE u")
        con.execute("CREATE TABLE u AS SELECT * FROM t")
        con.execute(change)
        assert table_summary(con, "u").sha256 != first.sha256, change
    # text split differently between two columns reads differently (lengths are hashed)
    con.execute("CREATE TABLE v (a VARCHAR, b VARCHAR)")
    con.execute("INSERT INTO v VALUES ('ab', 'c')")
    one = table_summary(con, "v").sha256
    con.execute("UPDATE v SET a = 'a', b = 'bc'")
    assert table_summary(con, "v").sha256 != one
    assert json.dumps(first.as_json())
