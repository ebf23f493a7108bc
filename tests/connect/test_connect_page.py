"""The connect page over plain HTTP (the browser tests drive it in Chromium): what it shows,
what it checks on the server, what it refuses, and that it never shows a secret."""

from __future__ import annotations

import re
import sqlite3
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.oauth.helpers import hidden
from tests.support import echo as echo_mod
from tests.support.echo import EchoUpstream
from tests.support.process import TrunklineProcess

WRONG_KEY = "wrongKEY0000000000000000"
PAGES: list[str] = []


def api(stack: TrunklineProcess, method: str, path: str, **kwargs: object) -> httpx.Response:
    headers = {**stack.headers(), **kwargs.pop("headers", {})}  # type: ignore[dict-item]
    return httpx.request(method, stack.url + path, headers=headers, timeout=30, **kwargs)  # type: ignore[arg-type]


def link(stack: TrunklineProcess, app: str = "quo") -> dict[str, str]:
    r = api(stack, "POST", "/connections", json={"app": app})
    assert r.status_code == 201, r.text
    conn: dict[str, str] = r.json()["connection"]
    return conn


class Browser:
    """A cookie-keeping client that remembers every page it was shown."""

    def __init__(self) -> None:
        self.client = httpx.Client(timeout=30)

    def get(self, url: str) -> httpx.Response:
        return self.keep(self.client.get(url))

    def submit(self, page: httpx.Response, **fields: str) -> httpx.Response:
        base = str(page.url).split("/connect", 1)[0]
        form = {
            "session_token": hidden(page.text, "session_token"),
            "csrf": hidden(page.text, "csrf"),
        }
        return self.keep(self.client.post(base + "/connect", data={**form, **fields}))

    def keep(self, r: httpx.Response) -> httpx.Response:
        PAGES.extend([r.text, r.headers.get("location", "")])
        return r


def status_of(stack: TrunklineProcess, conn_id: str) -> dict[str, object]:
    body: dict[str, object] = api(stack, "GET", f"/connections/{conn_id}").json()["connection"]
    return body


def test_page_shows_the_app_the_account_and_the_fields(stack: TrunklineProcess) -> None:
    page = Browser().get(link(stack, "twilio")["url"])
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    csp = page.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "default-src 'none'" in csp
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["referrer-policy"] == "no-referrer"
    assert page.headers["cache-control"] == "no-store"
    cookie = page.headers["set-cookie"].lower()
    assert "tl_csrf=" in cookie and "httponly" in cookie and "samesite=strict" in cookie
    text = page.text
    assert '<h1 id="page-title">Connect Twilio</h1>' in text and "<strong>default</strong>" in text
    assert '<label for="f-account_sid">Account SID</label>' in text
    assert 'pattern="AC[0-9a-fA-F]{32}"' in text
    assert re.search(r'id="f-auth_token" name="auth_token"\s+type="password"', text)
    assert 'aria-describedby="h-auth_token"' in text and "Twilio Console" in text
    assert "What will be stored" in text and "AES-256-GCM" in text
    assert "<script" not in text


def test_a_wrong_key_shows_the_providers_reason_and_stores_nothing(
    stack: TrunklineProcess,
) -> None:
    conn = link(stack)
    browser = Browser()
    answer = browser.submit(browser.get(conn["url"]), api_key=WRONG_KEY)
    assert answer.status_code == 400
    assert 'role="alert"' in answer.text and "Invalid API key (HTTP 401)" in answer.text
    assert WRONG_KEY not in answer.text
    after = status_of(stack, conn["connection_id"])
    assert after["status"] == "PENDING" and after["metadata"] == {}


def test_the_pattern_is_checked_on_the_server_too(
    stack: TrunklineProcess, echo: tuple[str, EchoUpstream]
) -> None:
    conn = link(stack)
    browser = Browser()
    seen = len(echo[1].seen)
    answer = browser.submit(browser.get(conn["url"]), api_key="short key!")
    assert answer.status_code == 400
    assert "API key does not look right" in answer.text and 'aria-invalid="true"' in answer.text
    assert len(echo[1].seen) == seen  # never sent to the provider
    assert status_of(stack, conn["connection_id"])["status"] == "PENDING"


def test_the_form_needs_its_csrf_token(stack: TrunklineProcess) -> None:
    conn = link(stack)
    browser = Browser()
    page = browser.get(conn["url"])
    token = hidden(page.text, "session_token")
    forged = httpx.post(
        stack.url + "/connect",
        data={
            "session_token": token,
            "csrf": hidden(page.text, "csrf"),
            "api_key": echo_mod.QUO_KEY,
        },
    )  # another site's form: no cookie
    assert forged.status_code == 403 and "This form has expired" in forged.text
    wrong = browser.submit(page, csrf="0" * 64, api_key=echo_mod.QUO_KEY)
    assert wrong.status_code == 403
    assert status_of(stack, conn["connection_id"])["status"] == "PENDING"


def test_the_right_key_activates_and_spends_the_link(stack: TrunklineProcess) -> None:
    conn = link(stack)
    browser = Browser()
    page = browser.get(conn["url"])
    done = browser.submit(page, api_key=echo_mod.QUO_KEY)
    assert done.status_code == 200 and "is connected" in done.text
    assert "+15555550123" in done.text and conn["connection_id"] in done.text
    after = status_of(stack, conn["connection_id"])
    assert after["status"] == "ACTIVE" and after["metadata"] == {
        "phone_numbers": ["+15555550123"],
        "phone_number_names": ["Main"],
    }
    again = browser.get(conn["url"])
    assert again.status_code == 410 and "Already connected" in again.text
    assert browser.submit(page, api_key=echo_mod.QUO_KEY).status_code == 410
    r = api(stack, "GET", "/quo/v1/anything", headers={"Maton-Connection": conn["connection_id"]})
    assert r.json()["headers"]["authorization"] == echo_mod.QUO_KEY


def test_links_are_stored_hashed_and_bad_links_get_a_page(stack: TrunklineProcess) -> None:
    conn = link(stack)
    token = parse_qs(urlsplit(conn["url"]).query)["session_token"][0]
    assert len(token) >= 40
    db = sqlite3.connect(stack.data_dir / "trunkline.db")
    rows = db.execute("select * from connections where id = ?", (conn["connection_id"],)).fetchall()
    db.close()
    assert rows and token not in repr(rows)
    unknown = Browser().get(stack.url + "/connect?session_token=" + "x" * 43)
    assert unknown.status_code == 404 and "This link is not valid" in unknown.text
    assert unknown.headers["x-frame-options"] == "DENY"
    bare = Browser().get(stack.url + "/connect")
    assert bare.status_code == 400 and "incomplete" in bare.text


def test_reconnect_swaps_the_credential_only_once_verified(stack: TrunklineProcess) -> None:
    conn_id = stack.connections["quo"]  # type: ignore[attr-defined]
    before = status_of(stack, conn_id)
    r = api(stack, "POST", f"/connections/{conn_id}/reconnect")
    assert r.status_code == 200, r.text
    fresh = r.json()["connection"]
    assert fresh["connection_id"] == conn_id and fresh["status"] == "ACTIVE"
    assert fresh["url"] != before["url"]
    gateway = api(stack, "GET", "/quo/v1/x", headers={"Maton-Connection": conn_id})
    assert gateway.status_code == 200  # the old credential keeps working meanwhile
    browser = Browser()
    page = browser.get(fresh["url"])
    assert "Reconnect Quo" in page.text and "keeps working" in page.text
    assert browser.submit(page, api_key=WRONG_KEY).status_code == 400
    assert status_of(stack, conn_id)["status"] == "ACTIVE"
    assert browser.submit(page, api_key=echo_mod.QUO_KEY).status_code == 200
    headless = api(
        stack,
        "POST",
        f"/connections/{conn_id}/reconnect",
        json={"credentials": {"api_key": WRONG_KEY}},
    )
    assert headless.status_code == 400 and headless.json()["error"]["code"] == "credential_rejected"
    assert api(stack, "GET", "/quo/v1/x", headers={"Maton-Connection": conn_id}).status_code == 200
    missing = api(stack, "POST", "/connections/00000000-0000-0000-0000-000000000000/reconnect")
    assert missing.status_code == 404


def test_oauth_app_without_a_client_says_how_to_set_one(stack: TrunklineProcess) -> None:
    conn = link(stack, "ringcentral")
    browser = Browser()
    page = browser.get(conn["url"])
    assert page.status_code == 200 and "Continue to RingCentral" in page.text
    base = stack.url
    r = browser.keep(
        browser.client.post(
            base + "/connect/authorize",
            data={
                "session_token": hidden(page.text, "session_token"),
                "csrf": hidden(page.text, "csrf"),
            },
        )
    )
    assert r.status_code == 400 and "TRUNKLINE_OAUTH_RINGCENTRAL_CLIENT_ID" in r.text
    headless = api(stack, "POST", "/connections", json={"app": "ringcentral", "credentials": {}})
    assert headless.status_code == 400 and headless.json()["error"]["code"] == "unsupported_method"


def test_a_callback_nobody_started_is_a_page(stack: TrunklineProcess) -> None:
    r = Browser().get(stack.url + "/connect/callback?code=abc&state=def")
    assert r.status_code == 400 and "does not match a connect link" in r.text


@pytest.mark.parametrize("secret", [echo_mod.QUO_KEY, WRONG_KEY, echo_mod.TWILIO_TOKEN])
def test_no_secret_reaches_a_page_or_a_log(stack: TrunklineProcess, secret: str) -> None:
    assert PAGES
    assert secret not in "\n".join(PAGES)
    assert secret not in stack.stdout() + stack.stderr()
