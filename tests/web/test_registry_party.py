"""The party page's "seen in N other cases": two registered cases share a calling number, a bank
account and an SMS account; a member of both gets links to the other case's party, a member of one
only the count."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from qinglian.link.keys import init_key
from qinglian.link.registry import register_case
from qinglian.store.case import open_case
from qinglian.web.app import create_app
from qinglian.web.cases import find_cases
from qinglian.web.users import add_user
from tests.link.registry_cases import HOLDER_1, HOLDER_2, make_case
from tests.web.conftest import PASSWORD, sign_in

USERS = {"both": ("one", "two"), "only_one": ("one",)}


@dataclass(frozen=True)
class Registered:
    root: Path
    one: str
    two: str
    clients: dict[str, TestClient]


@pytest.fixture(scope="module")
def registered(tmp_path_factory: pytest.TempPathFactory, db_url: str | None) -> Iterator[Registered]:
    root = tmp_path_factory.mktemp("cases")
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("QINGLIAN_KEY", raising=False)
        key = tmp_path_factory.mktemp("conf") / "agency.key"
        mp.setenv("QINGLIAN_KEY_FILE", str(key))
        init_key(key)
        for folder, name, holder, own in (("one", "一号案", HOLDER_1, "+8613900002222"),
                                          ("two", "二号案", HOLDER_2, "+8613900003333")):
            register_case(open_case(make_case(root / folder, name, holder, own)))
    ids = {info.root.name: cid for cid, info in find_cases(root).items()}
    for user, cases in USERS.items():
        add_user(root, user, PASSWORD, "investigator", [ids[c] for c in cases], db_url=db_url)
    app = create_app(root, db_url)
    clients = {}
    for user in USERS:
        c = TestClient(app)
        assert sign_in(c, user) == 303
        clients[user] = c
    yield Registered(root, ids["one"], ids["two"], clients)
    app.state.jobs.shutdown()
    app.state.engine.dispose()


def party(r: Registered, user: str, case_id: str, holder: str) -> str:
    resp = r.clients[user].get(f"/cases/{case_id}/party?holder={quote(holder)}&lang=en")
    assert resp.status_code == 200
    return str(resp.text)


def test_a_member_of_both_cases_gets_a_link_to_the_other_cases_party(registered: Registered) -> None:
    html = party(registered, "both", registered.one, HOLDER_1)
    assert "seen in 1 other case</strong>" in html
    assert f'href="/cases/{registered.two}/party?holder={quote(HOLDER_2)}"' in html
    assert "二号案" in html and "calling number" in html and "bank account" in html
    assert "not a member" not in html
    # and back again from the other case
    back = party(registered, "both", registered.two, HOLDER_2)
    assert f'href="/cases/{registered.one}/party?holder={quote(HOLDER_1)}"' in back


def test_a_member_of_one_case_sees_only_the_count(registered: Registered) -> None:
    html = party(registered, "only_one", registered.one, HOLDER_1)
    assert "seen in 1 other case</strong>" in html
    assert "1 of them are cases you are not a member of" in html
    for hidden in (registered.two, "二号案", HOLDER_2):
        assert hidden not in html
    assert registered.clients["only_one"].get(
        f"/cases/{registered.two}/party?holder={quote(HOLDER_2)}").status_code == 404


def test_the_block_is_in_chinese_by_default(registered: Registered) -> None:
    html = registered.clients["both"].get(f"/cases/{registered.one}/party?holder={quote(HOLDER_1)}&lang=zh").text
    assert "在另外 1 个案件中出现" in html


def test_a_damaged_registry_leaves_the_party_page_as_it_was(registered: Registered) -> None:
    path = registered.root / ".registry" / "registry.sqlite"
    saved = path.with_name("saved.sqlite")
    path.rename(saved)
    try:
        path.write_bytes(b"damaged" * 1000)
        html = party(registered, "both", registered.one, HOLDER_1)
        assert "other case" not in html and HOLDER_1 in html
    finally:
        saved.replace(path)
    assert "seen in 1 other case" in party(registered, "both", registered.one, HOLDER_1)
