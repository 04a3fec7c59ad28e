"""Two small cases in one cases folder and one account per role, shared by the module's tests.

Case A is the report tests' hand-made case (charges, evidence, targets) with an SMS carrying a
script tag; case B is the same records without charges. Accounts are made with ``add_user``, the
function behind ``qinglian users add``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from qinglian.store.case import init_case, open_case
from qinglian.web.app import create_app
from qinglian.web.cases import find_cases
from qinglian.web.users import add_user
from tests.report.conftest import HOLDER_A, SHA_SMS, add_other_tables, populate, record

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

    def client(self) -> TestClient:
        return self.client_factory()


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Web]:
    root = tmp_path_factory.mktemp("cases")
    a, b = root / "case_a", root / "case_b"
    init_case(a, "甲案", "测试局", user="tester")
    populate(a)
    add_other_tables(a)
    with open_case(a).connect() as con:
        record(con, "sms", holder=HOLDER_A, evidence_sha256=SHA_SMS, sheet=None, row_no=100, account="sms-01",
               signature="【某某金融】", recipient="+8613800000099", content=HOSTILE_SMS, extra="{}")
    init_case(b, "乙案", "测试局", user="tester")
    populate(b)
    for name, (role, cases) in USERS.items():
        add_user(root, name, PASSWORD, role, list(cases))
    ids = {info.root.name: cid for cid, info in find_cases(root).items()}
    app = create_app(root)
    yield Web(root, ids["case_a"], ids["case_b"], lambda: TestClient(app))
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
