"""What the pages do to stay fast under load, and what they must not lose by it: pages kept per
case and stored state, readers sharing one opened store, access-log entries committed together."""

from __future__ import annotations

import re
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from starlette.requests import Request

from qinglian.errors import QinglianError
from qinglian.store import lock
from qinglian.store.case import Case
from qinglian.web import reads
from qinglian.web.cases import find_cases
from qinglian.web.db import AccessLog
from qinglian.web.deps import audit
from tests.report.conftest import HOLDER_A
from tests.web.conftest import Web, csrf_of


def _case(web: Web, case_id: str) -> Case:
    return find_cases(web.cases_dir)[case_id].case


def test_a_kept_value_is_per_case_and_made_again_when_the_store_changes(web: Web) -> None:
    a, b = _case(web, web.case_a), _case(web, web.case_b)
    cache: reads.StoreCache[str] = reads.StoreCache(8)
    made: list[str] = []

    def make(name: str) -> str:
        made.append(name)
        return f"{name}-{len(made)}"

    assert cache.get(a, "k", lambda: make("a")) == "a-1"
    assert cache.get(a, "k", lambda: make("a")) == "a-1"  # kept
    assert cache.get(b, "k", lambda: make("b")) == "b-2"  # the same key of another case is not shared
    before = reads.stamp(a)
    a.log("test.touch", {}, user="tester")
    assert reads.stamp(a) != before
    assert cache.get(a, "k", lambda: make("a")) == "a-3"  # the store changed: made again
    assert cache.get(a, "other", lambda: make("x"), keep=lambda _: False) == "x-4"
    assert cache.get(a, "other", lambda: make("x")) == "x-5"  # a value ``keep`` refused was not kept


def test_a_reviewed_charge_shows_on_the_party_page_at_once(web: Web, clients: dict[str, TestClient]) -> None:
    url = f"/cases/{web.case_a}/party"
    page = clients["lead_a"].get(url, params={"holder": HOLDER_A}).text
    seen_by_viewer = clients["viewer_a"].get(url, params={"holder": HOLDER_A}).text
    assert 'name="decision"' in page and 'name="decision"' not in seen_by_viewer  # roles still apply
    charge = re.search(r'action="/cases/[^/]+/charges/([^/]+)/review"', page)
    assert charge is not None
    resp = clients["lead_a"].post(f"/cases/{web.case_a}/charges/{charge.group(1)}/review",
                                  data={"csrf": csrf_of(page), "decision": "confirm", "reason": "证据充分",
                                        "holder": HOLDER_A}, follow_redirects=False)
    assert resp.status_code == 303
    after = clients["viewer_a"].get(url, params={"holder": HOLDER_A}).text
    assert after != seen_by_viewer and "证据充分" in after
    assert clients["member_b"].get(url, params={"holder": HOLDER_A}).status_code == 404  # not a member


def test_readers_share_one_store_and_a_writer_gets_in_after_them(web: Web, monkeypatch: pytest.MonkeyPatch) -> None:
    case = _case(web, web.case_b)
    key = str(case.root.resolve())
    with reads.connect(case) as one, reads.connect(case) as two:
        assert one.execute("SELECT count(*) FROM evidence").fetchone() == two.execute(
            "SELECT count(*) FROM evidence").fetchone()
        assert reads._shared[key].users == 2

    def other_reader() -> object:
        with reads.connect(case) as con:
            return con.execute("SELECT 1").fetchone()

    with ThreadPoolExecutor(1) as pool:  # another thread reads the shared store too
        assert pool.submit(other_reader).result() == (1,)
    monkeypatch.setenv("QINGLIAN_LOCK_WAIT", "0")
    if key in reads._shared:  # within its grace the shared store still holds the case's lock
        with pytest.raises(QinglianError):
            with lock.hold(case.root, exclusive=True):
                pass
    deadline = time.monotonic() + 5
    while key in reads._shared and time.monotonic() < deadline:
        time.sleep(0.05)
    assert key not in reads._shared
    monkeypatch.setenv("QINGLIAN_LOCK_WAIT", "2")  # the store is closed just after it leaves the table
    with case.connect() as con:  # a writer, once the readers are gone
        con.execute("SELECT 1").fetchone()


def test_access_log_entries_written_at_once_are_all_there(web: Web) -> None:
    app = web.client().app
    sessions = app.state.sessions  # type: ignore[attr-defined]
    with sessions() as s:
        before = s.scalar(select(func.count()).select_from(AccessLog).where(AccessLog.action == "test.load"))

    def one(i: int) -> None:
        request = Request({"type": "http", "client": ("10.0.0.1", 1000 + i), "headers": []})
        with sessions() as s:
            audit(s, request, None, web.case_a, "test.load", f"entry {i}")

    with ThreadPoolExecutor(16) as pool:
        for done in [pool.submit(one, i) for i in range(16)]:
            done.result()
    with sessions() as s:
        targets = set(s.scalars(select(AccessLog.target).where(AccessLog.action == "test.load")))
        after = s.scalar(select(func.count()).select_from(AccessLog).where(AccessLog.action == "test.load"))
    assert after == (before or 0) + 16 and {f"entry {i}" for i in range(16)} <= targets


def test_readers_of_two_cases_read_their_own_store(web: Web) -> None:
    a, b = _case(web, web.case_a), _case(web, web.case_b)
    with reads.connect(a) as ca, reads.connect(b) as cb:
        sms_a = ca.execute("SELECT count(*) FROM sms").fetchone()
        sms_b = cb.execute("SELECT count(*) FROM sms").fetchone()
    assert sms_a != sms_b  # case A has one SMS more (the hostile one)
