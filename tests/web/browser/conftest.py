"""The workspace as a browser sees it: ``qinglian serve`` in a subprocess on a free port over a
temporary cases folder, and Debian's chromium driven by Playwright through ``executable_path``
(Playwright's own browser download is never used).

The cases folder holds the small demo (``cases/case``, analysed, so it has charges) and a hand-made
case with a hostile SMS (``cases/hostile``). Accounts (``lead``, ``viewer``, ``officer``) are made with ``add_user``, the function
behind ``qinglian users add``. Screenshots of every page visited go to ``test-artifacts/screenshots/``
at the repository root.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from qinglian.store.case import init_case, open_case
from qinglian.web.cases import find_cases
from qinglian.web.users import add_user
from tests.report.conftest import HOLDER_A, SHA_SMS, populate, record

PASSWORD = "correct horse battery"
HOSTILE_SMS = "<script>alert('x')</script>【某某金融】低息贷款 =HYPERLINK(\"http://evil\")"
ROOT = Path(__file__).resolve().parents[3]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
# user -> (account role, cases)
USERS: dict[str, tuple[str, tuple[str, ...]]] = {
    "lead": ("case_lead", ("case", "hostile")),
    "viewer": ("viewer", ("case", "hostile")),
    "officer": ("investigator", ("case",)),  # a second team member for the operation's sites
}


@dataclass(frozen=True)
class Server:
    base: str
    cases_dir: Path
    demo: str  # case ids
    hostile: str


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_up(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"qinglian serve exited with {proc.returncode}:\n{log.read_text('utf-8', 'replace')}")
        try:
            with urllib.request.urlopen(url + "/login", timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"qinglian serve did not answer on {url} within 30 s")


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    from qinglian.demo.run import run_demo

    cases = tmp_path_factory.mktemp("browser") / "cases"
    run_demo(cases, seed=7, scale=0.02, force=True, report=False)
    hostile = cases / "hostile"
    init_case(hostile, "恶意内容案", "测试局", user="tester")
    populate(hostile)
    with open_case(hostile).connect() as con:
        record(con, "sms", holder=HOLDER_A, evidence_sha256=SHA_SMS, sheet=None, row_no=100, account="sms-01",
               signature="【某某金融】", recipient="+8613800000099", content=HOSTILE_SMS, extra="{}")
    for name, (role, member_of) in USERS.items():
        add_user(cases, name, PASSWORD, role, list(member_of))
    ids = {info.root.name: cid for cid, info in find_cases(cases).items()}
    port = _free_port()
    exe = Path(sys.executable).parent / "qinglian"
    log = cases.parent / "serve.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([str(exe), "serve", "--cases", str(cases), "--port", str(port)],
                                stdout=out, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_up(base, proc, log)
        yield Server(base, cases, ids["case"], ids["hostile"])
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    chromium = shutil.which("chromium")
    if not chromium:
        pytest.fail("Debian's chromium is not installed: `make test` installs it (make sysdeps, as root: "
                    "apt-get install chromium); Playwright's own browser download is not used", pytrace=False)
    with sync_playwright() as p:
        # --no-sandbox: the tests run as root in a container, where chromium's sandbox cannot start
        b = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"], headless=True)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture()
def page(browser: Browser, server: Server) -> Iterator[Page]:
    context = browser.new_context(base_url=server.base, accept_downloads=True, locale="zh-CN")
    pg = context.new_page()
    pg.set_default_timeout(15_000)
    try:
        yield pg
    finally:
        context.close()


class Shots:
    """Numbered full-page screenshots of one test, under test-artifacts/screenshots/<test>/."""

    def __init__(self, page: Page, name: str) -> None:
        self.page = page
        self.folder = SCREENSHOTS / name
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder.mkdir(parents=True)
        self.n = 0

    def __call__(self, what: str) -> None:
        self.n += 1
        self.page.screenshot(path=str(self.folder / f"{self.n:02d}-{what}.png"), full_page=True)


@pytest.fixture()
def shots(page: Page, request: pytest.FixtureRequest) -> Shots:
    return Shots(page, request.node.name)


def sign_in(page: Page, name: str) -> None:
    page.goto("/login")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.login button[type=submit]")
    page.wait_for_url("**/cases")
