"""Case workspace, custody chain and `verify`: altered, removed and inserted things are caught."""

from __future__ import annotations

import itertools
import json
import os
from pathlib import Path

import duckdb
import pytest

from qinglian.store import custody
from qinglian.store.case import SCHEMA_VERSION, open_case
from qinglian.store.schema import KINDS
from tests.helpers import cli, query

CSV = "主叫,被叫号码,开始时间,通话时长\n02112345678,13812345678,2025-07-20 09:00,30\n"


@pytest.fixture()
def loaded(case_dir: Path, tmp_path: Path) -> Path:
    f = tmp_path / "calls.csv"
    f.write_text(CSV)
    g = tmp_path / "cust.csv"
    g.write_text("姓名,手机号\n张三,13812345678\n")
    assert cli("ingest", case_dir, f, "--holder", "甲公司", "--user", "investigator1") == 0
    assert cli("ingest", case_dir, g, "--holder", "甲公司") == 0
    return case_dir


def _verify(case_dir: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    capsys.readouterr()
    code = cli("verify", case_dir)
    c = capsys.readouterr()
    return code, c.out + c.err


def test_init_layout(tmp_path: Path) -> None:
    root = tmp_path / "新案件"
    assert cli("case", "init", root, "--name", "某贷款中介案", "--agency", "某区市场监管局") == 0
    assert {p.name for p in root.iterdir()} >= {"case.toml", "evidence", "case.duckdb", "custody.jsonl", "reports"}
    meta = open_case(root).meta()
    assert meta["name"] == "某贷款中介案" and meta["agency"] == "某区市场监管局" and meta["schema_version"] == SCHEMA_VERSION
    entry = json.loads((root / "custody.jsonl").read_text().splitlines()[0])
    assert entry["action"] == "case.init" and entry["prev"] == custody.GENESIS and entry["seq"] == 1


def test_init_refuses_existing_case(case_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli("case", "init", case_dir, "--name", "x") == 2
    assert "已经有一个案件" in capsys.readouterr().err


def test_open_non_case(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli("verify", tmp_path) == 2
    assert "qinglian case init" in capsys.readouterr().err


def test_log_records_user_tool_and_arguments(loaded: Path) -> None:
    entries = custody.read_entries(loaded / "custody.jsonl")
    assert [e["action"] for e in entries] == ["case.init", "ingest", "ingest"]
    ingest = entries[1]
    assert ingest["user"] == "investigator1"
    assert ingest["tool"].startswith("qinglian ")
    assert ingest["args"]["holder"] == "甲公司"
    assert ingest["details"]["evidence"][0]["rows"] == 1
    for prev, cur in itertools.pairwise(entries):
        assert cur["prev"] == prev["hash"]


def test_verify_intact(loaded: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _verify(loaded, capsys)
    assert code == 0 and "完好" in out and "2 个证据文件" in out


def test_verify_catches_changed_byte(loaded: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stored = loaded / str(query(loaded, "SELECT stored_path FROM evidence WHERE file_name = 'calls.csv'")[0][0])
    os.chmod(stored, 0o644)
    data = bytearray(stored.read_bytes())
    data[-3] ^= 1
    stored.write_bytes(bytes(data))
    code, out = _verify(loaded, capsys)
    assert code == 1
    assert "证据文件被改动" in out and "calls.csv" in out


def test_verify_catches_removed_and_inserted_evidence(loaded: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stored = loaded / str(query(loaded, "SELECT stored_path FROM evidence WHERE file_name = 'cust.csv'")[0][0])
    stored.unlink()
    (loaded / "evidence" / "planted.csv").write_text("x")
    code, out = _verify(loaded, capsys)
    assert code == 1
    assert "证据文件缺失" in out and "cust.csv" in out
    assert "未登记的文件" in out and "planted.csv" in out


def test_verify_catches_edited_log_line(loaded: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = loaded / "custody.jsonl"
    lines = log.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace("investigator1", "someone_else")
    log.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, out = _verify(loaded, capsys)
    assert code == 1
    assert "第 2 行" in out and "被修改" in out


def test_verify_catches_removed_log_entry(loaded: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = loaded / "custody.jsonl"
    lines = log.read_text(encoding="utf-8").splitlines()
    log.write_text("\n".join([lines[0], lines[2]]) + "\n", encoding="utf-8")
    code, out = _verify(loaded, capsys)
    assert code == 1 and "链接断开" in out


def test_verify_catches_truncated_log_tail(loaded: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = loaded / "custody.jsonl"
    lines = log.read_text(encoding="utf-8").splitlines()
    log.write_text("\n".join(lines[:-1]) + "\n", encoding="utf-8")
    code, out = _verify(loaded, capsys)
    assert code == 1 and "末尾" in out


def test_verify_catches_inserted_forged_entry(loaded: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = loaded / "custody.jsonl"
    entries = custody.read_entries(log)
    forged = dict(entries[0], action="ingest", seq=2)
    forged["hash"] = custody.entry_hash(forged)
    lines = log.read_text(encoding="utf-8").splitlines()
    lines.insert(1, json.dumps(forged, ensure_ascii=False))
    log.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, out = _verify(loaded, capsys)
    assert code == 1 and "链接断开" in out and "序号" in out


def _old_layout(case_dir: Path, schema: int) -> None:
    """Turn a case back into an earlier layout: each kind a plain table with the provenance
    columns in every row (schema 2), and, for schema 1, a `<field>_raw` column per field."""
    with duckdb.connect(str(case_dir / "case.duckdb")) as con:
        for kind in KINDS:
            con.execute(f"CREATE TABLE __t AS SELECT * FROM {kind} ORDER BY evidence_sha256, sheet, row_no")
            con.execute(f"DROP VIEW {kind}")
            con.execute(f"DROP TABLE {kind}_rows")
            con.execute(f"ALTER TABLE __t RENAME TO {kind}")
        con.execute("DROP TABLE record_sheets")
        if schema == 1:
            con.execute("ALTER TABLE calls DROP COLUMN raw")
            for f in ("caller", "callee", "started_at", "duration_s"):
                con.execute(f"ALTER TABLE calls ADD COLUMN {f}_raw VARCHAR")
            con.execute("UPDATE calls SET callee_raw = '138****5678', duration_s_raw = '很久'")
        else:
            con.execute("""UPDATE calls SET raw = '{"callee": "138****5678", "duration_s": "很久"}'""")
    toml = case_dir / "case.toml"
    toml.write_text(toml.read_text().replace(f"schema_version = {SCHEMA_VERSION}", f"schema_version = {schema}"))
    _log_without_row_digests(case_dir)


def _log_without_row_digests(case_dir: Path) -> None:
    """The custody log as versions before row digests wrote it (re-chained, head moved along)."""
    path = case_dir / "custody.jsonl"
    prev = custody.GENESIS
    lines = []
    for e in custody.read_entries(path):
        for item in e.get("details", {}).get("evidence", []):
            item.pop("sheets", None)
        e["prev"] = prev
        e["hash"] = prev = custody.entry_hash(e)
        lines.append(json.dumps(e, ensure_ascii=False, sort_keys=True))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with duckdb.connect(str(case_dir / "case.duckdb")) as con:
        con.execute("UPDATE custody_head SET hash = ?", [prev])


@pytest.mark.parametrize("schema", [1, 2])
def test_old_case_is_migrated_once_and_keeps_its_rows(
    loaded: Path, capsys: pytest.CaptureFixture[str], schema: int
) -> None:
    """A case made when each normalised field had its own `<field>_raw` column (schema 1), or
    when every row carried its holder, file and sheet (schema 2), reads the same after the
    migration to `<kind>_rows` + `record_sheets` behind views."""
    before = {k: query(loaded, f"SELECT * EXCLUDE (raw) FROM {k} ORDER BY ALL") for k in ("calls", "customers")}
    _old_layout(loaded, schema)
    case = open_case(loaded)
    assert case.meta()["schema_version"] == SCHEMA_VERSION
    for kind, rows in before.items():
        assert query(loaded, f"SELECT * EXCLUDE (raw) FROM {kind} ORDER BY ALL") == rows
    assert [json.loads(str(r[0])) for r in query(loaded, "SELECT raw FROM calls")] == [
        {"callee": "138****5678", "duration_s": "很久"}
    ]
    tables = dict(query(loaded, "SELECT table_name, table_type FROM information_schema.tables"))
    assert tables["calls"] == "VIEW" and tables["calls_rows"] == "BASE TABLE"
    assert not [t for t in tables if t.startswith("__ql_old")]
    assert query(loaded, "SELECT kind, holder, sheet FROM record_sheets ORDER BY kind") == [
        ("calls", "甲公司", None),
        ("customers", "甲公司", None),
    ]
    assert not [c for (c,) in query(loaded, "SELECT column_name FROM information_schema.columns") if c.endswith("_raw")]
    actions = [e["action"] for e in custody.read_entries(loaded / "custody.jsonl")]
    open_case(loaded)  # a second open finds nothing to do
    assert [e["action"] for e in custody.read_entries(loaded / "custody.jsonl")] == actions
    assert actions[-1] == "case.migrate"
    assert _verify(loaded, capsys)[0] == 0
    # the migrated case takes new evidence like a new one
    f = loaded.parent / "more.csv"
    f.write_text("主叫,被叫号码,开始时间,通话时长\n02112345678,13912345678,2025-07-21 09:00,40\n")
    assert cli("ingest", loaded, f, "--holder", "乙公司") == 0
    assert query(loaded, "SELECT holder, callee FROM calls ORDER BY holder") == [
        ("乙公司", "+8613912345678"),
        ("甲公司", "+8613812345678"),
    ]


def test_consumer_numbers_are_stored_uncompressed(case_dir: Path, tmp_path: Path) -> None:
    """The called numbers (nearly all distinct) skip DuckDB's compression; the rest keep it."""
    f = tmp_path / "calls.csv"
    rows = [f"02150000{i % 7:03d},{13800000000 + i * 7919},2025-07-20 09:00,{i % 300}" for i in range(150_000)]
    f.write_text("主叫,被叫号码,开始时间,通话时长\n" + "\n".join(rows) + "\n")
    assert cli("ingest", case_dir, f, "--holder", "甲公司") == 0
    got = dict(
        query(
            case_dir,
            "SELECT column_name, list(DISTINCT compression ORDER BY compression) FROM pragma_storage_info('calls_rows') "
            "WHERE column_name IN ('callee', 'caller') AND segment_type = 'VARCHAR' GROUP BY ALL",
        )
    )
    assert got["callee"] == ["Uncompressed"]
    assert "Uncompressed" not in got["caller"]
