"""The OAuth2 connect dance driven with httpx (the browser tests do it with Chromium), and the
RingCentral sandbox's control surface."""

from __future__ import annotations

import base64
import html
import re
from dataclasses import dataclass, field

import httpx

from trunkline.sandbox.ringcentral import SANDBOX

CLIENT = SANDBOX.oauth_client or {}
BASIC = base64.b64encode(f"{CLIENT['client_id']}:{CLIENT['client_secret']}".encode()).decode()
CONTROL = {"Authorization": f"Basic {BASIC}"}


def hidden(page: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert found, f"no hidden field {name!r} in page"
    return html.unescape(found.group(1))


@dataclass
class Dance:
    """A browser's worth of state (cookies) through one connect link's OAuth2 sign-in."""

    url: str
    browser: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=30))
    callback_url: str = ""
    seen: list[str] = field(default_factory=list)  # every page and redirect trunkline sent

    def _keep(self, r: httpx.Response) -> httpx.Response:
        self.seen += [r.text, r.headers.get("location", ""), r.headers.get("set-cookie", "")]
        return r

    def start(self) -> httpx.Response:
        """Open the link and press "Continue": returns the provider's consent page."""
        page = self._keep(self.browser.get(self.url))
        assert page.status_code == 200, page.text
        base = self.url.split("/connect?", 1)[0]
        r = self.browser.post(
            base + "/connect/authorize",
            data={
                "session_token": hidden(page.text, "session_token"),
                "csrf": hidden(page.text, "csrf"),
            },
        )
        assert self._keep(r).status_code == 303, r.text
        consent = self.browser.get(r.headers["location"])
        assert consent.status_code == 200, consent.text
        return consent

    def decide(self, consent: httpx.Response, decision: str = "approve") -> str:
        """Press Authorize or Deny at the provider: returns the callback URL it sends back."""
        form = {
            k: html.unescape(v)
            for k, v in re.findall(r'type="hidden" name="([^"]+)" value="([^"]*)"', consent.text)
        }
        option = re.search(r'<option value="([^"]+)"', consent.text)
        assert option
        form.update(decision=decision, extension_id=option.group(1))
        r = self.browser.post(str(consent.url), data=form)
        assert r.status_code == 302, r.text
        self.callback_url = r.headers["location"]
        return self.callback_url

    def finish(self, callback_url: str | None = None) -> httpx.Response:
        return self._keep(self.browser.get(callback_url or self.callback_url))

    def run(self, decision: str = "approve") -> httpx.Response:
        return self.finish(self.decide(self.start(), decision))


def control(sandbox: str, method: str, path: str, **kwargs: object) -> httpx.Response:
    r = httpx.request(method, sandbox + path, headers=CONTROL, timeout=30, **kwargs)  # type: ignore[arg-type]
    assert r.status_code == 200, r.text
    return r


def refreshes(sandbox: str) -> int:
    """How many successful refresh grants the sandbox's token endpoint has answered."""
    log = control(
        sandbox, "GET", "/_sandbox/token-requests", params={"grant_type": "refresh_token"}
    )
    return sum(1 for entry in log.json()["requests"] if entry["outcome"] == "ok")
