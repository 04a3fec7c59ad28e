"""Cross-case matching of customer lists through keyed pseudonyms (exchange export / match)."""

from __future__ import annotations

import hashlib
import hmac
import re
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from qinglian.errors import QinglianError
from qinglian.link.exchange import HEX, export_lists, hmac_pads, hmac_sql, match_lists
from qinglian.store import custody
from qinglian.store.case import init_case, open_case
from tests.helpers import cli, snapshot

from .conftest import HONGDA, HUAXIN, evidence, insert, phone, rows

OTHER = "远方数据服务有限公司"


@pytest.mark.parametrize("key", [b"k", b"test-agency-key", b"x" * 64, b"long key " * 20])
def test_sql_hmac_is_rfc_2104_hmac_sha256(key: bytes) -> None:
    opad, ipad = hmac_pads(key)
    numbers = ["+8613800000001", "+8675500000001", "+86138" + "9" * 8]
    got = duckdb.connect().execute(
        f"SELECT x, {hmac_sql('x')} FROM (SELECT unnest($nums) AS x)",
        {"opad": opad, "ipad": ipad, "nums": numbers}).fetchall()
    assert len(got) == 3
    for number, digest in got:
        assert digest == hmac.new(key, number.encode(), hashlib.sha256).hexdigest()[:HEX]


def _other_case(root: Path) -> Path:
    """Another agency's case: one list sharing 20 consumers with 华信 and 100 with 宏达."""
    init_case(root, "外地案件", "外地局", user="other")
    with open_case(root).connect() as con:
        lst = evidence(con, "other_list", OTHER, "customers")
        insert(con, "customers", rows(lst, OTHER, [{"name": "客户", "phone": phone(i)} for i in range(80, 180)]))
    return root


def test_lists_match_across_cases_without_raw_numbers(hand_case: Path, agency_key_env: bytes,
                                                      tmp_path: Path) -> None:
    other = _other_case(tmp_path / "other")
    out = tmp_path / "share" / "other.parquet"
    result = export_lists(open_case(other), out, user="other")
    assert (result.lists, result.rows) == (1, 100)
    raw = out.read_bytes()
    text = raw.decode("latin-1")
    assert not re.search(r"1[3-9]\d{9}", text)  # no number in any form
    table = pq.read_table(out)
    assert set(table.column("holder").to_pylist()) == {OTHER}
    assert all(len(c) == HEX for c in table.column("consumer").to_pylist())
    assert custody.read_entries(other / "custody.jsonl")[-1]["action"] == "exchange.export"

    m = match_lists(open_case(hand_case), [out], user="tester")
    assert m.their_lists == 1
    with open_case(hand_case).connect(read_only=True) as con:
        got = {r[0]: r[1:] for r in con.execute(
            "SELECT holder, shared, their_size, our_size, containment_theirs_in_ours, jaccard "
            "FROM cross_case_overlaps").fetchall()}
    assert got[HUAXIN][:3] == (20, 100, 100)
    assert got[HONGDA][:3] == (100, 100, 200)
    assert got[HONGDA][3] == pytest.approx(1.0)
    assert got[HONGDA][4] == pytest.approx(100 / 200)
    assert m.pairs == len(got) == 2

    # matching the same file again replaces its rows instead of adding them twice
    match_lists(open_case(hand_case), [out], user="tester")
    with open_case(hand_case).connect(read_only=True) as con:
        assert con.execute("SELECT count(*) FROM cross_case_overlaps").fetchone() == (2,)
    assert custody.read_entries(hand_case / "custody.jsonl")[-1]["action"] == "exchange.match"


def test_file_made_under_another_key_is_refused_and_case_unchanged(
    hand_case: Path, agency_key_env: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = _other_case(tmp_path / "other")
    monkeypatch.setenv("QINGLIAN_KEY", "another-agency")
    out = export_lists(open_case(other), tmp_path / "o.parquet").path
    monkeypatch.setenv("QINGLIAN_KEY", "test-agency-key")
    before = snapshot(hand_case)
    with pytest.raises(QinglianError) as err:
        match_lists(open_case(hand_case), [out])
    assert "密钥" in err.value.zh and err.value.file == str(out)
    assert snapshot(hand_case) == before


def test_bad_exchange_files_name_the_file(hand_case: Path, agency_key_env: bytes, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    not_parquet = tmp_path / "x.parquet"
    not_parquet.write_text("name,phone\n")
    wrong_cols = tmp_path / "y.parquet"
    duckdb.connect().execute(f"COPY (SELECT 1 AS a) TO '{wrong_cols}' (FORMAT parquet)")
    before = snapshot(hand_case)
    for bad, words in ((not_parquet, "Parquet"), (wrong_cols, "格式或列不符"), (tmp_path / "none.parquet", "找不到")):
        assert cli("exchange", "match", hand_case, bad) == 2
        err = capsys.readouterr().err
        assert words in err and bad.name in err and "Traceback" not in err
    assert snapshot(hand_case) == before


def test_export_refuses_a_path_inside_the_case(hand_case: Path, agency_key_env: bytes,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    assert cli("exchange", "export", hand_case, hand_case / "evidence" / "x.parquet") == 2
    assert "案件目录" in capsys.readouterr().err
    assert not (hand_case / "evidence" / "x.parquet").exists()


def test_cli_export_and_match(hand_case: Path, agency_key_env: bytes, tmp_path: Path,
                              capsys: pytest.CaptureFixture[str]) -> None:
    other = _other_case(tmp_path / "other")
    out = tmp_path / "o.parquet"
    assert cli("exchange", "export", other, out) == 0
    assert "1 份名单" in capsys.readouterr().out
    assert cli("exchange", "match", hand_case, out) == 0
    assert "重合 2 对" in capsys.readouterr().out
