"""The cross-case registry: two small cases of one agency share a calling number, a payee's bank
account and a consumer; the registry finds both by any of them, never holds or prints a raw number,
and registering again replaces a case's entries."""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from qinglian.errors import QinglianError
from qinglian.link import registry as reg
from qinglian.link.keys import init_key
from qinglian.store.case import open_case
from tests.helpers import cli, insert
from tests.link.conftest import evidence, rows
from tests.link.registry_cases import BANK, CALLER, CONSUMER, HOLDER_1, HOLDER_2, HOLDER_3, make_case


@pytest.fixture()
def key_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A fresh agency key in a temporary file (never the user's own)."""
    monkeypatch.delenv("QINGLIAN_KEY", raising=False)
    path = tmp_path / "conf" / "agency.key"
    monkeypatch.setenv("QINGLIAN_KEY_FILE", str(path))
    init_key(path)
    return path


@pytest.fixture()
def cases(tmp_path: Path, key_file: Path) -> Path:
    root = tmp_path / "cases"
    make_case(root / "one", "一号案", HOLDER_1, "+8613900002222")
    make_case(root / "two", "二号案", HOLDER_2, "+8613900003333")
    make_case(root / "three", "三号案", HOLDER_3, "+8613900004444", caller="+8617099990000", bank="6222029999999999999")
    return root


@pytest.fixture()
def registered(cases: Path) -> Iterator[Path]:
    for name in ("one", "two", "three"):
        assert cli("registry", "add", str(cases / name), "--user", "investigator") == 0
    yield cases


def search_json(cases: Path, query: str, capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    capsys.readouterr()
    assert cli("registry", "search", query, "--cases", str(cases), "--json", "--user", "investigator") == 0
    found: dict[str, object] = json.loads(capsys.readouterr().out)
    return found


def hits(found: dict[str, object], kind: str) -> list[dict[str, object]]:
    matches = found["matches"]
    assert isinstance(matches, list)
    return [m for m in matches if m["kind"] == kind]


def test_the_registry_lives_beside_the_cases_and_is_owner_only(registered: Path) -> None:
    path = registered / ".registry" / "registry.sqlite"
    assert path.is_file() and reg.default_path(registered) == path
    assert path.stat().st_mode & 0o777 == 0o600
    assert (registered / ".registry").stat().st_mode & 0o077 == 0


@pytest.mark.parametrize("query", ["170-1234-5678", "+86 17012345678", "8617012345678"])
def test_a_calling_number_in_any_format_finds_both_cases_and_their_parties(
        registered: Path, query: str, capsys: pytest.CaptureFixture[str]) -> None:
    found = search_json(registered, query, capsys)
    [number] = hits(found, "number")
    assert number["label"] == "170****5678"
    cases = number["cases"]
    assert isinstance(cases, list)
    assert sorted((c["name"], c["parties"]) for c in cases) == [("一号案", [HOLDER_1]), ("二号案", [HOLDER_2])]
    assert {c["case_id"] for c in cases} == {reg.case_id_of(open_case(registered / n)) for n in ("one", "two")}
    assert all(c["count"] == 2 and c["first_seen"].startswith("2025-07-01") for c in cases)
    assert "17012345678" not in json.dumps(found)


def test_a_payee_bank_account_and_name_find_every_case_that_paid_them(
        registered: Path, capsys: pytest.CaptureFixture[str]) -> None:
    [bank] = hits(search_json(registered, "6222-0212-3456-7890-123", capsys), "bank_account")
    assert bank["label"] == "6222***********0123"
    assert sorted(c["name"] for c in bank["cases"]) == ["一号案", "二号案"]  # type: ignore[attr-defined]
    [payee] = hits(search_json(registered, "某某智能科技有限公司", capsys), "payee")
    assert sorted(c["name"] for c in payee["cases"]) == ["一号案", "三号案", "二号案"]  # type: ignore[attr-defined]
    # part of a company name finds it too; a person's name is kept masked
    assert hits(search_json(registered, "智能科技", capsys), "payee")
    [person] = hits(search_json(registered, "王某", capsys), "payee")
    assert person["label"] == "王*"


def test_an_account_and_a_signature_are_found(registered: Path, capsys: pytest.CaptureFixture[str]) -> None:
    [account] = hits(search_json(registered, "sms-77", capsys), "account")
    assert len(account["cases"]) == 3  # type: ignore[arg-type]
    [sig] = hits(search_json(registered, "某某金融", capsys), "signature")
    assert len(sig["cases"]) == 3  # type: ignore[arg-type]


def test_a_consumer_match_says_only_how_many_cases_hold_it(
        registered: Path, capsys: pytest.CaptureFixture[str]) -> None:
    found = search_json(registered, "139 0000 1111", capsys)
    assert hits(found, "consumer") == [{"kind": "consumer", "cases": 3}]
    assert hits(found, "number") == []
    capsys.readouterr()
    assert cli("registry", "search", "13900001111", "--cases", str(registered)) == 0
    text = capsys.readouterr().out
    assert "3 个案件持有该消费者" in text
    for secret in ("13900001111", "一号案", "二号案", HOLDER_1, HOLDER_2):
        assert secret not in text


def _all_bytes(path: Path) -> bytes:
    with sqlite3.connect(path) as con:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return b"".join(p.read_bytes() for p in path.parent.iterdir() if p.name.startswith(path.name))


def test_the_registry_file_holds_no_raw_number(registered: Path) -> None:
    path = reg.default_path(registered)
    for query in ("13900001111", "sms-77", "6222021234567890123", "王某"):  # the searches are logged too
        reg.search(query, registry=path)
    data = _all_bytes(path)
    numbers = [CONSUMER, "+8613900002222", "+8613900003333", CALLER, BANK]
    for n in numbers:
        for form in (n, n.removeprefix("+86"), n[-8:]):
            assert form.encode() not in data, form
    assert b"acc-9one" not in data and b"sms-77" not in data and "王某".encode() not in data
    with sqlite3.connect(path) as con:
        texts = [str(v) for row in con.execute("SELECT * FROM entries").fetchall() for v in row if v is not None]
    assert texts and not any(n.removeprefix("+86") in v for v in texts for n in numbers)
    assert HOLDER_1 in texts  # business names are kept in the clear, as decided


def test_adding_a_case_again_replaces_its_entries(registered: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = reg.default_path(registered)

    def snapshot() -> list[tuple[object, ...]]:
        with sqlite3.connect(path) as con:
            return sorted(con.execute("SELECT kind, key, case_id, party, label, first_seen, last_seen, count "
                                      "FROM entries JOIN cases USING (case_no)").fetchall(), key=repr)

    before = snapshot()
    assert cli("registry", "add", str(registered / "one")) == 0
    assert "替换此前登记的" in capsys.readouterr().out
    assert snapshot() == before
    # new evidence in a case shows after it is added again, with nothing left of the old entries
    with open_case(registered / "one").connect() as con:
        sha = evidence(con, "one-more", HOLDER_1, "calls")
        insert(con, "calls", rows(sha, HOLDER_1, [{"account": "acc-new", "caller": "+8617055556666"}]))
    assert cli("registry", "add", str(registered / "one")) == 0
    after = snapshot()
    assert len(after) == len(before) + 2  # the new number and account
    [new] = hits(search_json(registered, "17055556666", capsys), "number")
    assert [c["name"] for c in new["cases"]] == ["一号案"]  # type: ignore[attr-defined]


def test_register_and_search_are_in_the_custody_log_without_the_number(
        registered: Path, capsys: pytest.CaptureFixture[str]) -> None:
    search_json(registered, "17012345678", capsys)
    for name, logged in (("one", True), ("two", True), ("three", False)):
        entries = [json.loads(line) for line in (registered / name / "custody.jsonl").read_text().splitlines()]
        actions = [e["action"] for e in entries]
        assert "registry.add" in actions
        assert ("registry.search" in actions) is logged
        assert "17012345678" not in (registered / name / "custody.jsonl").read_text()
    with sqlite3.connect(reg.default_path(registered)) as con:
        assert con.execute("SELECT user, query, cases FROM searches").fetchall() == [
            ("investigator", "170****5678", 2)]


def test_without_a_key_the_error_says_how_to_make_one(
        cases: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("QINGLIAN_KEY_FILE", str(tmp_path / "nowhere" / "agency.key"))
    assert cli("registry", "add", str(cases / "one")) == 2
    msg = capsys.readouterr().err
    assert "没有机构密钥" in msg and "qinglian key init" in msg
    assert not reg.default_path(cases).exists()
    assert cli("--lang", "en", "registry", "search", "17012345678", "--cases", str(cases)) == 2
    assert "run qinglian key init" in capsys.readouterr().err


def test_searching_where_no_case_was_registered_says_what_to_run(
        cases: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli("--lang", "en", "registry", "search", "17012345678", "--cases", str(cases)) == 2
    msg = capsys.readouterr().err
    assert "no cross-case registry" in msg and "qinglian registry add" in msg
    assert not reg.default_path(cases).exists()


def test_a_registry_made_under_another_key_is_refused(registered: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QINGLIAN_KEY", "ab" * 32)
    with pytest.raises(QinglianError, match="另一把机构密钥"):
        reg.register_case(open_case(registered / "one"))
    with pytest.raises(QinglianError, match="另一把机构密钥"):
        reg.search("17012345678", registry=reg.default_path(registered))
    # the pipeline's step leaves such a registry alone rather than failing the case
    assert reg.register_if_present(open_case(registered / "one")) is None


def test_the_pipeline_registers_only_where_a_registry_exists(cases: Path) -> None:
    assert reg.register_if_present(open_case(cases / "one")) is None
    assert not reg.default_path(cases).exists()
    reg.register_case(open_case(cases / "two"))
    done = reg.register_if_present(open_case(cases / "one"), user="tester")
    assert done is not None and done.case_id == reg.case_id_of(open_case(cases / "one"))
    assert done.kinds["consumer"] == 2


def test_a_party_is_seen_in_the_other_cases_sharing_its_identifiers(registered: Path) -> None:
    path = reg.default_path(registered)
    one, three = (reg.case_id_of(open_case(registered / n)) for n in ("one", "three"))
    found = {e.name: e for e in reg.elsewhere(path, one, HOLDER_1)}
    assert found["二号案"].parties == [HOLDER_2]
    assert found["二号案"].kinds == ["account", "bank_account", "number", "signature"]
    # the third case shares the SMS account and signature only (and consumers, which do not count)
    assert found["三号案"].kinds == ["account", "signature"] and len(found) == 2
    assert sorted(e.name for e in reg.elsewhere(path, three, HOLDER_3)) == ["一号案", "二号案"]
    assert reg.elsewhere(path, one, "无此单位") == []
    assert reg.elsewhere(registered / "missing.sqlite", one, HOLDER_1) == []


def test_the_registry_is_not_world_readable_even_with_a_loose_umask(tmp_path: Path, key_file: Path) -> None:
    old = os.umask(0)
    try:
        make_case(tmp_path / "c" / "one", "一号案", HOLDER_1, "+8613900002222")
        reg.register_case(open_case(tmp_path / "c" / "one"))
    finally:
        os.umask(old)
    assert reg.default_path(tmp_path / "c").stat().st_mode & 0o077 == 0


def test_link_registers_the_case_where_the_folder_holding_it_has_a_registry(cases: Path) -> None:
    from qinglian import pipeline

    pipeline.link(open_case(cases / "one"))
    assert not reg.default_path(cases).exists()  # no registry: link makes none
    reg.register_case(open_case(cases / "two"))
    pipeline.link(open_case(cases / "one"), user="tester")
    one = reg.case_id_of(open_case(cases / "one"))
    assert sorted(e.name for e in reg.elsewhere(reg.default_path(cases), one, HOLDER_1)) == ["二号案"]


def test_vendors_found_by_link_are_registered_by_name(hand_case: Path, agency_key_env: bytes) -> None:
    from qinglian.link.run import link_case
    from tests.link.conftest import VENDOR

    link_case(open_case(hand_case))
    done = reg.register_case(open_case(hand_case))
    assert done.kinds["vendor"] == 1 and done.path == reg.default_path(hand_case.parent)
    found = reg.search("云呼科技", registry=done.path)
    vendor = [m for m in found.matches if m.kind == "vendor"]
    assert [(m.label, m.cases[0].parties) for m in vendor] == [(VENDOR, [VENDOR])]


def test_a_file_that_is_no_registry_is_refused_clearly(cases: Path) -> None:
    path = reg.default_path(cases)
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not a database at all" * 100)
    with pytest.raises(QinglianError, match="不是 Qinglian 跨案登记库"):
        reg.search("17012345678", registry=path)
    with pytest.raises(QinglianError, match="不是 Qinglian 跨案登记库"):
        reg.elsewhere(path, "x", HOLDER_1)


def test_a_registry_locked_by_another_writer_is_a_clear_error(
        registered: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reg, "BUSY_WAIT_S", 0.1)
    other = sqlite3.connect(reg.default_path(registered), isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        with pytest.raises(QinglianError, match="正被另一个程序写入"):
            reg.register_case(open_case(registered / "one"))
        with pytest.raises(QinglianError, match="正被另一个程序写入"):
            reg.search("17012345678", registry=reg.default_path(registered))  # its log waits too
        # reading goes on: the party page's question is answered
        assert reg.elsewhere(reg.default_path(registered), reg.case_id_of(open_case(registered / "one")), HOLDER_1)
    finally:
        other.execute("ROLLBACK")
        other.close()


def test_the_registered_cases_are_listed_with_their_counts(registered: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert cli("registry", "list", "--cases", str(registered), "--json") == 0
    listed = json.loads(capsys.readouterr().out)
    assert [c["name"] for c in listed] == ["一号案", "二号案", "三号案"]
    with sqlite3.connect(reg.default_path(registered)) as con:
        counts = dict(con.execute("SELECT case_id, count(*) FROM entries JOIN cases USING (case_no) "
                                  "GROUP BY case_id").fetchall())
    assert {c["case_id"]: c["entries"] for c in listed} == counts
    assert all(c["folder_present"] and c["registered_by"] == "investigator" for c in listed)
    assert cli("registry", "list", "--cases", str(registered)) == 0
    assert "二号案" in capsys.readouterr().out


def test_a_case_taken_out_is_no_longer_found_and_the_removal_is_on_record(
        registered: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def names() -> list[str]:
        [number] = hits(search_json(registered, "17012345678", capsys), "number")
        found = number["cases"]
        assert isinstance(found, list)
        return sorted(str(c["name"]) for c in found)

    assert names() == ["一号案", "二号案"]
    assert cli("registry", "remove", str(registered / "one"), "--user", "lead") == 0
    assert "已记入案件保管日志" in capsys.readouterr().out
    assert names() == ["二号案"]
    custody = [json.loads(line) for line in (registered / "one" / "custody.jsonl").read_text().splitlines()]
    assert custody[-1]["action"] == "registry.remove" and custody[-1]["user"] == "lead"
    with sqlite3.connect(reg.default_path(registered)) as con:
        assert con.execute("SELECT count(*) FROM entries JOIN cases USING (case_no) WHERE name = '一号案'"
                           ).fetchone() == (0,)
        [(user, name, n)] = con.execute("SELECT user, name, entries FROM removals").fetchall()
    assert (user, name) == ("lead", "一号案") and n > 0
    # adding it again brings it back
    assert cli("registry", "add", str(registered / "one")) == 0
    assert names() == ["一号案", "二号案"]


def test_a_case_whose_folder_is_gone_is_taken_out_by_its_id(
        registered: Path, capsys: pytest.CaptureFixture[str]) -> None:
    [three] = [c for c in reg.registered_cases(reg.default_path(registered)) if c.name == "三号案"]
    (registered / "three").rename(registered.parent / "elsewhere")
    capsys.readouterr()
    assert cli("registry", "list", "--cases", str(registered)) == 0
    assert "案件目录已不在" in capsys.readouterr().out
    assert cli("registry", "remove", three.case_id, "--cases", str(registered)) == 0
    assert "仅记入登记库" in capsys.readouterr().out
    assert [c.name for c in reg.registered_cases(reg.default_path(registered))] == ["一号案", "二号案"]
    from qinglian.store.custody import current_user

    with sqlite3.connect(reg.default_path(registered)) as con:  # no --user: the acting user, as custody names it
        assert con.execute("SELECT user, name FROM removals").fetchall() == [(current_user(None), "三号案")]


def test_taking_out_an_unknown_case_says_how_to_list_them_and_changes_nothing(
        registered: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = reg.default_path(registered)
    before = [c.as_json() for c in reg.registered_cases(path)]
    capsys.readouterr()
    assert cli("--lang", "en", "registry", "remove", "no-such-case", "--cases", str(registered)) == 2
    msg = capsys.readouterr().err
    assert "no-such-case" in msg and "qinglian registry list" in msg
    assert [c.as_json() for c in reg.registered_cases(path)] == before


def test_an_agency_keeping_its_registry_elsewhere_names_it_once_for_every_command(
        cases: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    kept = tmp_path / "agency" / "registry.sqlite"
    monkeypatch.setenv("QINGLIAN_REGISTRY", str(kept))
    assert cli("registry", "add", str(cases / "two")) == 0
    assert kept.is_file() and not (cases / ".registry").exists()
    assert reg.register_if_present(open_case(cases / "one")) is not None  # the pipeline's step, too
    [number] = hits(search_json(cases, "17012345678", capsys), "number")
    assert len(number["cases"]) == 2  # type: ignore[arg-type]
    assert [e.name for e in reg.elsewhere(reg.default_path(cases), reg.case_id_of(open_case(cases / "one")),
                                          HOLDER_1)] == ["二号案"]  # what the web's party page reads


def test_serve_with_a_registry_file_hands_it_to_the_whole_server(
        cases: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import qinglian.web.serve

    # set (and so removed again after the test) before the option sets it in the process
    monkeypatch.setenv("QINGLIAN_REGISTRY", str(tmp_path / "not-this.sqlite"))
    seen: list[Path] = []
    monkeypatch.setattr(qinglian.web.serve, "serve", lambda cases_dir, *a: seen.append(reg.default_path(cases_dir)))
    assert cli("serve", "--cases", str(cases), "--registry", str(tmp_path / "r.sqlite")) == 0
    assert seen == [(tmp_path / "r.sqlite").resolve()]
