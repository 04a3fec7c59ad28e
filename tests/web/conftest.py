"""Two small cases in one cases folder and one account per role, shared by the module's tests.

Case A is the report tests' hand-made case (charges, evidence, targets) with an SMS carrying a
script tag; case B is the same records without charges. Accounts are made with ``add_user``, the
function behind ``qinglian users add``.

Every module runs twice: with the app data in the default SQLite file and in a database of its own on
the PostgreSQL server whose URL ``QINGLIAN_TEST_PG_URL`` gives (``make test`` starts a throwaway one
with ``scripts/pg-test-server.sh``). Without the variable the PostgreSQL runs fail, never skip.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, make_url, text

from qinglian.store.case import init_case, open_case
from qinglian.web.app import create_app
from qinglian.web.cases import find_cases
from qinglian.web.users import add_user
from tests.report.conftest import HOLDER_A, SHA_SMS, build_full_case, populate, record

PASSWORD = "correct horse battery"
HOSTILE_SMS = "<script>alert('x')</script>【某某金融】低息贷款 =HYPERLINK(\"http://evil\")"
# user -> (role, cases)
USERS: dict[str, tuple[str, tuple[str, ...]]] = {
    "admin": ("admin", ()),
    "lead_a": ("case_lead", ("case_a",)),
    "reviewer_a": ("reviewer", ("case_a",)),
    "viewer_a": ("viewer", ("case_a",)),
    "member_b": ("investigator", ("case_b",)),
}


@dataclass(frozen=True)
class Web:
    cases_dir: Path
    case_a: str
    case_b: str
    client_factory: Callable[[], TestClient]
    # None: the default SQLite file under the cases folder.
    db_url: str | None = None

    def client(self) -> TestClient:
        return self.client_factory()


PG_URL_VAR = "QINGLIAN_TEST_PG_URL"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest) -> Iterator[str | None]:
    """The app database of a module: None (SQLite beside the cases) or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        yield None
        return
    base = os.environ.get(PG_URL_VAR)
    if not base:
        pytest.fail(f"{PG_URL_VAR} is not set: `make test` starts a throwaway PostgreSQL server and sets "
                    "it; by hand: scripts/pg-test-server.sh .venv/bin/pytest tests/web", pytrace=False)
    name = f"qinglian_test_{secrets.token_hex(6)}"
    server = create_engine(base, isolation_level="AUTOCOMMIT")
    with server.connect() as con:
        con.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        with server.connect() as con:
            con.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory, db_url: str | None) -> Iterator[Web]:
    root = tmp_path_factory.mktemp("cases")
    a, b = root / "case_a", root / "case_b"
    build_full_case(a, "甲案")
    with open_case(a).connect() as con:
        record(con, "sms", holder=HOLDER_A, evidence_sha256=SHA_SMS, sheet=None, row_no=100, account="sms-01",
               signature="【某某金融】", recipient="+8613800000099", content=HOSTILE_SMS, extra="{}")
    init_case(b, "乙案", "测试局", user="tester")
    populate(b)
    for name, (role, cases) in USERS.items():
        add_user(root, name, PASSWORD, role, list(cases), db_url=db_url)
    ids = {info.root.name: cid for cid, info in find_cases(root).items()}
    app = create_app(root, db_url)
    yield Web(root, ids["case_a"], ids["case_b"], lambda: TestClient(app), db_url)
    app.state.jobs.shutdown()
    app.state.engine.dispose()


_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_of(html: str) -> str:
    m = _CSRF.search(html)
    assert m, "no CSRF field on the page"
    return m.group(1)


def sign_in(client: TestClient, name: str, password: str = PASSWORD) -> int:
    form = client.get("/login")
    resp = client.post("/login", data={"name": name, "password": password, "csrf": csrf_of(form.text)},
                       follow_redirects=False)
    return int(resp.status_code)


@pytest.fixture(scope="module")
def clients(web: Web) -> dict[str, TestClient]:
    """One signed-in client per account."""
    out = {}
    for name in USERS:
        c = web.client()
        assert sign_in(c, name) == 303
        out[name] = c
    return out
