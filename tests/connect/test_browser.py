"""The connect page in headless Chromium (Debian's ``chromium`` through Playwright): paste a key,
sign in with OAuth2, approve and deny, an expired link. Screenshots of every page land in the
test run's tmp dir (``screenshots/``)."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.oauth.helpers import Dance
from tests.support.process import TrunklineProcess
from trunkline.sandbox.quo import SANDBOX as QUO

pytestmark = pytest.mark.browser
TTL = 4  # seconds a connect link lives in this module's server


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        if os.environ.get("CI"):
            pytest.fail("Chromium is required under CI (scripts/test installs Debian's package)")
        pytest.skip("no chromium on PATH (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable,
            # No background traffic: the tests' only network is 127.0.0.1.
            args=[
                "--no-sandbox",
                "--disable-dev-shm-usage",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-quic",
            ],
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TrunklineProcess]:
    data = tmp_path_factory.mktemp("browser") / "data"
    env = {"TRUNKLINE_CONNECT_SESSION_TTL": str(TTL), "TRUNKLINE_SANDBOX_SPEED": "100"}
    proc = TrunklineProcess(data, env=env).start()
    try:
        yield proc
    finally:
        proc.stop()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("screenshots")


@dataclass
class Early:
    """Links made before the other tests run, so they have expired by the time the last tests
    look at them: a key link, and an OAuth2 sign-in approved but not yet finished."""

    made: float
    quo: dict[str, str]
    ringcentral: dict[str, str]
    sign_in: Dance

    def wait_until_expired(self) -> None:
        time.sleep(max(0.0, self.made + TTL + 0.2 - time.monotonic()))


@pytest.fixture(scope="module")
def early(server: TrunklineProcess) -> Early:
    made = time.monotonic()
    ringcentral = create(server, "ringcentral")
    sign_in = Dance(ringcentral["url"])
    sign_in.decide(sign_in.start())
    return Early(made, create(server, "quo"), ringcentral, sign_in)


@pytest.fixture
def page(chromium: Any, early: Early) -> Iterator[Any]:
    context = chromium.new_context(viewport={"width": 900, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        yield page
    finally:
        context.close()


def create(server: TrunklineProcess, app: str) -> dict[str, str]:
    r = httpx.post(server.url + "/connections", headers=server.headers(), json={"app": app})
    assert r.status_code == 201, r.text
    conn: dict[str, str] = r.json()["connection"]
    return conn


def status(server: TrunklineProcess, conn_id: str) -> str:
    r = httpx.get(server.url + f"/connections/{conn_id}", headers=server.headers())
    value: str = r.json()["connection"]["status"]
    return value


def test_paste_the_quo_sandbox_key(server: TrunklineProcess, page: Any, shots: Path) -> None:
    conn = create(server, "quo")
    page.goto(conn["url"])
    assert page.locator("h1").inner_text() == "Connect Quo (formerly OpenPhone)"
    page.get_by_label("API key").fill(QUO.credentials["api_key"])
    page.screenshot(path=shots / "1-connect-quo.png", full_page=True)
    page.get_by_role("button", name="Check and connect").click()
    page.wait_for_selector("text=is connected")
    page.screenshot(path=shots / "2-connected-quo.png", full_page=True)
    assert status(server, conn["connection_id"]) == "ACTIVE"


def test_a_wrong_key_is_shown_inline(server: TrunklineProcess, page: Any, shots: Path) -> None:
    conn = create(server, "quo")
    page.goto(conn["url"])
    page.get_by_label("API key").fill("wrongWRONGwrongWRONG1234")
    page.get_by_role("button", name="Check and connect").click()
    alert = page.get_by_role("alert")
    alert.wait_for()
    assert "rejected the credential: Invalid API key" in alert.inner_text()
    assert page.get_by_label("API key").input_value() == ""  # the secret is not echoed back
    page.screenshot(path=shots / "3-wrong-key.png", full_page=True)
    assert status(server, conn["connection_id"]) == "PENDING"


def test_the_browser_checks_the_pattern_first(server: TrunklineProcess, page: Any) -> None:
    conn = create(server, "quo")
    page.goto(conn["url"])
    field = page.get_by_label("API key")
    field.fill("no spaces allowed")
    page.get_by_role("button", name="Check and connect").click()
    assert field.evaluate("el => el.validity.patternMismatch") is True
    assert page.url == conn["url"]  # the form was not sent
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "f-api_key"


def test_oauth2_approve(server: TrunklineProcess, page: Any, shots: Path) -> None:
    conn = create(server, "ringcentral")
    page.goto(conn["url"])
    page.screenshot(path=shots / "4-connect-ringcentral.png", full_page=True)
    page.get_by_role("button", name="Continue to RingCentral").click()
    page.wait_for_selector("text=Access request")
    page.screenshot(path=shots / "5-ringcentral-consent.png", full_page=True)
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_selector("text=RingCentral is connected")
    page.screenshot(path=shots / "6-connected-ringcentral.png", full_page=True)
    assert "Dana Whitfield" in page.content()
    assert status(server, conn["connection_id"]) == "ACTIVE"


def test_oauth2_deny(server: TrunklineProcess, page: Any, shots: Path) -> None:
    conn = create(server, "ringcentral")
    page.goto(conn["url"])
    page.get_by_role("button", name="Continue to RingCentral").click()
    page.get_by_role("button", name="Deny").click()
    page.wait_for_selector("text=Could not connect RingCentral")
    assert "did not grant access" in page.get_by_role("alert").inner_text()
    page.screenshot(path=shots / "7-denied.png", full_page=True)
    assert status(server, conn["connection_id"]) == "FAILED"


def test_the_page_cannot_be_framed(server: TrunklineProcess, page: Any) -> None:
    conn = create(server, "quo")
    page.goto(server.url + "/healthz")  # a same-origin parent: framing is refused all the same
    page.set_content(f'<iframe id="f" src="{conn["url"]}"></iframe>')
    page.wait_for_timeout(500)
    child = page.frames[1]
    assert "Connect Quo" not in child.content()
    assert not child.url.startswith(server.url + "/connect")


def test_an_expired_link(server: TrunklineProcess, page: Any, shots: Path, early: Early) -> None:
    early.wait_until_expired()
    response = page.goto(early.quo["url"])
    assert response.status == 410
    assert page.locator("h1").inner_text() == "This link has expired"
    page.screenshot(path=shots / "8-expired.png", full_page=True)


def test_a_sign_in_that_ends_after_expiry_fails(server: TrunklineProcess, early: Early) -> None:
    early.wait_until_expired()
    answer = early.sign_in.finish()
    assert answer.status_code == 400
    assert "expired before the sign-in finished" in answer.text and "Traceback" not in answer.text
    assert status(server, early.ringcentral["connection_id"]) == "FAILED"
