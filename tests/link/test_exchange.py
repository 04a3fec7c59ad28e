"""Cross-agency matching of customer lists by private set intersection (exchange export / answer / match)."""

from __future__ import annotations

import hashlib
import hmac
import random
import re
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from qinglian.errors import QinglianError
from qinglian.link.exchange import answer_offer, blind, export_lists, hash_point, match_lists, new_secret
from qinglian.link.keys import pseudonym
from qinglian.store import custody
from qinglian.store.case import init_case, open_case
from tests.helpers import cli, insert, snapshot

from .conftest import HONGDA, HUAXIN, XINYUAN, evidence, phone, rows

OTHER = "远方数据服务有限公司"
OTHER_CASE = "外地案件"


def _other_case(root: Path) -> Path:
    """Another agency's case: one list sharing 20 consumers with 华信 and 100 with 宏达."""
    init_case(root, OTHER_CASE, "外地局", user="other")
    with open_case(root).connect() as con:
        lst = evidence(con, "other_list", OTHER, "customers")
        insert(con, "customers", rows(lst, OTHER, [{"name": "客户", "phone": phone(i)} for i in range(80, 180)]))
    return root


def _case_numbers(root: Path) -> list[str]:
    with open_case(root).connect(read_only=True) as con:
        return [str(r[0]) for r in con.execute("SELECT DISTINCT phone FROM customers").fetchall()]


def test_blinding_commutes_and_differs_per_secret() -> None:
    a, b = new_secret(), new_secret()
    h = hash_point("+8613800000001")
    assert blind(a, blind(b, h)) == blind(b, blind(a, h))
    assert blind(a, h) != blind(b, h) != h
    assert hash_point("+8613800000002") != h


def test_three_steps_find_the_overlap_without_numbers_or_names(hand_case: Path, tmp_path: Path) -> None:
    other = _other_case(tmp_path / "other")
    round1 = tmp_path / "share" / "round1.parquet"
    result = export_lists(open_case(hand_case), round1, user="tester")
    assert result.consumers == len(_case_numbers(hand_case)) and result.lists == 3
    reply = tmp_path / "share" / "reply.parquet"
    answered = answer_offer(open_case(other), round1, reply, user="other")
    assert (answered.answered, answered.consumers, answered.lists) == (result.consumers, 100, 1)
    assert custody.read_entries(other / "custody.jsonl")[-1]["action"] == "exchange.answer"

    m = match_lists(open_case(hand_case), [reply], partner="外地局", user="tester")
    assert m.their_lists == 1 and m.shared == 100
    with open_case(hand_case).connect(read_only=True) as con:
        got = {r[0]: r[1:] for r in con.execute(
            "SELECT holder, shared, their_size, our_size, containment_theirs_in_ours, jaccard, their_case "
            "FROM cross_case_overlaps").fetchall()}
    assert got[HUAXIN][:3] == (20, 100, 100)
    assert got[HONGDA][:3] == (100, 100, 200)
    assert got[HONGDA][3] == pytest.approx(1.0)
    assert got[HONGDA][4] == pytest.approx(100 / 200)
    assert got[HONGDA][5] == "外地局"
    assert m.pairs == len(got) == 2

    # matching the same reply again replaces its rows instead of adding them twice
    match_lists(open_case(hand_case), [reply], user="tester")
    with open_case(hand_case).connect(read_only=True) as con:
        assert con.execute("SELECT count(*) FROM cross_case_overlaps").fetchone() == (2,)
    assert custody.read_entries(hand_case / "custody.jsonl")[-1]["action"] == "exchange.match"


def test_exported_files_hold_no_number_pseudonym_or_name(hand_case: Path, tmp_path: Path) -> None:
    other = _other_case(tmp_path / "other")
    round1, reply = tmp_path / "r1.parquet", tmp_path / "reply.parquet"
    export_lists(open_case(hand_case), round1)
    answer_offer(open_case(other), round1, reply)
    numbers = _case_numbers(hand_case) + _case_numbers(other)
    with open_case(hand_case).connect(read_only=True) as con:
        files = [str(r[0]) for r in con.execute("SELECT file_name FROM evidence").fetchall()]
        shas = [str(r[0]) for r in con.execute("SELECT sha256 FROM evidence").fetchall()]
    secret_free = {hash_point(n) for n in numbers}  # what anyone can compute without a secret
    for path in (round1, reply):
        raw = path.read_bytes()
        text = raw.decode("latin-1")
        # the exchange's random hex ids can hold a run of digits; a number stands on its own
        assert not re.search(r"(?<![0-9A-Za-z])1[3-9]\d{9}(?![0-9A-Za-z])", text)
        for word in (HUAXIN, HONGDA, XINYUAN, OTHER, OTHER_CASE, "测试", *files, *(s[:12] for s in shas)):
            assert word.encode("utf-8") not in raw, word
        for n in numbers:
            assert n.encode() not in raw
            for key in (b"test-agency-key", b"k" * 64):
                assert pseudonym(n, key)[2:].encode() not in raw
                assert hmac.new(key, n.encode(), hashlib.sha256).digest()[:8] not in raw
        points = {bytes(p) for p in pq.read_table(path).column("point").to_pylist()}
        assert points and not points & secret_free
    # a new export blinds under a new secret: its points cannot be linked to the last one's
    again = tmp_path / "r1b.parquet"
    export_lists(open_case(hand_case), again)
    first = {bytes(p) for p in pq.read_table(round1).column("point").to_pylist()}
    second = {bytes(p) for p in pq.read_table(again).column("point").to_pylist()}
    assert len(first) == len(second) and not first & second


def test_exported_points_are_shuffled(hand_case: Path, tmp_path: Path) -> None:
    """Points do not follow the order of the lists: a position says nothing about a consumer."""
    import json

    out = tmp_path / "r1.parquet"
    r = export_lists(open_case(hand_case), out)
    secret = bytes.fromhex(json.loads((hand_case / "exchange" / f"{r.exchange}.json").read_text())["secret"])
    where = {bytes(p): i for i, p in enumerate(pq.read_table(out).column("point").to_pylist())}
    with open_case(hand_case).connect(read_only=True) as con:
        in_list_order = [str(x[0]) for x in con.execute(
            "SELECT phone FROM customers ORDER BY evidence_sha256, row_no").fetchall()]
    positions = [where[blind(secret, hash_point(n))] for n in dict.fromkeys(in_list_order)]
    assert len(positions) == len(where)
    assert positions != sorted(positions) and positions != sorted(positions, reverse=True)


def test_case_keeps_its_secret_private(hand_case: Path, tmp_path: Path) -> None:
    r = export_lists(open_case(hand_case), tmp_path / "r1.parquet")
    state = hand_case / "exchange" / f"{r.exchange}.json"
    assert state.stat().st_mode & 0o777 == 0o600
    assert (hand_case / "exchange").stat().st_mode & 0o777 == 0o700


def _generated_case(root: Path, name: str, lists: dict[str, list[str]]) -> Path:
    init_case(root, name, "某局", user="gen")
    with open_case(root).connect() as con:
        for i, (holder, numbers) in enumerate(lists.items()):
            sha = evidence(con, f"{name}-{i}", holder, "customers")
            insert(con, "customers", rows(sha, holder, [{"name": "客户", "phone": n} for n in numbers]))
    return root


def test_two_generated_cases_find_exactly_their_planted_overlap(tmp_path: Path) -> None:
    rng = random.Random(19)
    pool = [f"+861{rng.choice('3456789')}{rng.randrange(10**9):09d}" for _ in range(3000)]
    pool = list(dict.fromkeys(pool))
    planted = pool[:137]
    a_only, b_only = pool[137:1100], pool[1100:2400]
    a = _generated_case(tmp_path / "a", "甲案", {"甲公司": planted + a_only[:500], "乙公司": a_only[500:]})
    b = _generated_case(tmp_path / "b", "乙案", {"丙公司": b_only[:600] + planted[:60],
                                              "丁公司": b_only[600:] + planted[60:]})
    export_lists(open_case(a), tmp_path / "r1.parquet")
    answer_offer(open_case(b), tmp_path / "r1.parquet", tmp_path / "reply.parquet")
    m = match_lists(open_case(a), [tmp_path / "reply.parquet"])
    assert m.shared == len(planted)
    with open_case(a).connect(read_only=True) as con:
        got = sorted((str(r[0]), int(r[1]), int(r[2]), int(r[3])) for r in con.execute(
            "SELECT holder, shared, their_size, our_size FROM cross_case_overlaps").fetchall())
    assert got == [("甲公司", 60, 660, 637), ("甲公司", 77, len(b_only) - 600 + 77, 637)]


def test_reply_for_another_case_is_refused_and_case_unchanged(hand_case: Path, tmp_path: Path) -> None:
    other = _other_case(tmp_path / "other")
    third = _other_case(tmp_path / "third")
    export_lists(open_case(other), tmp_path / "r1.parquet")
    answer_offer(open_case(third), tmp_path / "r1.parquet", tmp_path / "reply.parquet")
    before = snapshot(hand_case)
    with pytest.raises(QinglianError) as err:
        match_lists(open_case(hand_case), [tmp_path / "reply.parquet"])
    assert "不属于本案" in err.value.zh and err.value.file == str(tmp_path / "reply.parquet")
    assert snapshot(hand_case) == before


def test_tampered_points_are_refused(hand_case: Path, tmp_path: Path) -> None:
    import pyarrow as pa

    from qinglian.link.exchange import OFFER_SCHEMA

    r1 = tmp_path / "r1.parquet"
    export_lists(open_case(hand_case), r1)
    table = pq.read_table(r1)
    bad = pa.table({"point": pa.array([b"\x01" + b"\x00" * 31], pa.binary(32))}, schema=OFFER_SCHEMA)
    pq.write_table(bad.replace_schema_metadata(table.schema.metadata), tmp_path / "bad.parquet")
    other = _other_case(tmp_path / "other")
    with pytest.raises(QinglianError) as err:
        answer_offer(open_case(other), tmp_path / "bad.parquet", tmp_path / "reply.parquet")
    assert "无效" in err.value.zh
    assert not (tmp_path / "reply.parquet").exists()


def test_bad_exchange_files_name_the_file(hand_case: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
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


def test_export_refuses_a_path_inside_the_case(hand_case: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli("exchange", "export", hand_case, hand_case / "evidence" / "x.parquet") == 2
    assert "案件目录" in capsys.readouterr().err
    assert not (hand_case / "evidence" / "x.parquet").exists()


def test_cli_export_answer_match(hand_case: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    other = _other_case(tmp_path / "other")
    r1, reply = tmp_path / "r1.parquet", tmp_path / "reply.parquet"
    assert cli("exchange", "export", hand_case, r1) == 0
    assert "盲化点" in capsys.readouterr().out
    assert cli("exchange", "answer", other, r1, "--out", reply) == 0
    assert "已答复" in capsys.readouterr().out
    assert cli("exchange", "match", hand_case, reply, "--partner", "外地局") == 0
    assert "重合 2 对" in capsys.readouterr().out
