"""Fixtures for the Twilio sandbox tests: a real sandbox on 127.0.0.1, a webhook receiver,
the official ``twilio`` client pointed at it, and a spec check on every 2xx JSON response.

Tests depend on ``twilio_target`` (where the Twilio API is, how to authenticate, how to build
clients), so the same tests can later run through the trunkline gateway by providing another
target.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response as TwilioResponse
from twilio.rest import Client

from tests.support.openapi_check import SpecChecker
from tests.support.servers import serve_asgi
from trunkline.sandbox.kit import SandboxConfig
from trunkline.sandbox.twilio import create_app
from trunkline.sandbox.twilio.seed import Identity, identity

SPEC = "twilio_api_v2010.json"
FAST = SandboxConfig(speed=50, webhook_attempts=2, webhook_base_delay=0.01)


def check_response(checker: SpecChecker, response: httpx.Response) -> None:
    """Validate successful responses (JSON bodies and empty 204s) against the official spec."""
    if not response.is_success:
        return
    if response.status_code == 204 or "json" in response.headers.get("content-type", ""):
        checker.check(response)


class CheckingHttpClient(TwilioHttpClient):
    """The twilio library's own HTTP client, plus a spec check of what comes back."""

    def __init__(self, checker: SpecChecker, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.checker = checker

    def request(self, method: str, url: str, params: Any = None, **kwargs: Any) -> TwilioResponse:
        response = super().request(method, url, params=params, **kwargs)
        as_httpx = httpx.Response(
            response.status_code,
            content=response.text.encode(),
            headers={"content-type": "application/json"} if response.text else {},  # twilio
            # drops the response headers' case; what matters is whether there is a body
            request=httpx.Request(method, url, params=params),
        )
        check_response(self.checker, as_httpx)
        return response


class GatewayHttpClient(CheckingHttpClient):
    """Through trunkline: the caller holds only the gateway key; trunkline injects Basic auth."""

    def __init__(self, checker: SpecChecker, gateway_key: str, **kwargs: Any) -> None:
        super().__init__(checker, **kwargs)
        self.gateway_key = gateway_key

    def request(self, method: str, url: str, params: Any = None, **kwargs: Any) -> TwilioResponse:
        kwargs["auth"] = None
        kwargs["headers"] = {
            **(kwargs.get("headers") or {}),
            "Authorization": f"Bearer {self.gateway_key}",
        }
        return super().request(method, url, params=params, **kwargs)


@dataclass
class TwilioTarget:
    """Where the Twilio API under test lives and who we are there.

    ``gateway_key`` set: ``base_url`` is trunkline's ``/twilio`` and calls carry that key only.
    """

    base_url: str
    sandbox_url: str
    ids: Identity
    checker: SpecChecker
    gateway_key: str | None = None

    def client(self, username: str | None = None, password: str | None = None) -> Client:
        """The official client, pointed at the target (account SID + token by default)."""
        http_client: CheckingHttpClient = (
            GatewayHttpClient(self.checker, self.gateway_key, timeout=10)
            if self.gateway_key and username is None
            else CheckingHttpClient(self.checker, timeout=10)
        )
        client = Client(
            username or self.ids.account_sid,
            password or self.ids.auth_token,
            account_sid=self.ids.account_sid,
            http_client=http_client,
        )
        if username is not None and self.gateway_key:  # own credentials: straight to the sandbox
            client.http_client = CheckingHttpClient(
                SpecChecker(SPEC, strip_prefix=urlsplit(self.sandbox_url).path), timeout=10
            )
            client.api.base_url = self.sandbox_url
        else:
            client.api.base_url = self.base_url
        return client

    def http(self, auth: tuple[str, str] | None = None) -> httpx.Client:
        """A raw HTTP client whose 2xx JSON responses are checked against the spec."""
        checker = self.checker
        through_gateway = self.gateway_key is not None and auth is None
        return httpx.Client(
            base_url=self.base_url if auth is None else self.sandbox_url,
            auth=None if through_gateway else auth or (self.ids.account_sid, self.ids.auth_token),
            headers={"Authorization": f"Bearer {self.gateway_key}"} if through_gateway else {},
            timeout=10,
            trust_env=False,
            event_hooks={"response": [lambda r: (r.read(), check_response(checker, r))]},
        )

    def control(self) -> httpx.Client:
        """The sandbox's own control surface (always direct)."""
        return httpx.Client(
            base_url=self.sandbox_url + "/_sandbox",
            auth=(self.ids.account_sid, self.ids.auth_token),
            timeout=15,
            trust_env=False,
        )

    def advance(self) -> None:
        with self.control() as control:
            control.post("/clock/advance", json={"wait_for_webhooks": True}).raise_for_status()


@pytest.fixture(scope="session")
def spec_checker() -> SpecChecker:
    return SpecChecker(SPEC)


@pytest.fixture(scope="session")
def sandbox_url() -> Iterator[str]:
    with serve_asgi(create_app(FAST)) as url:
        yield url


# Scenario modules also run through the trunkline gateway; error, control and runtime
# modules test the sandbox's own surface and stay direct.
THROUGH_GATEWAY = {
    "test_client_resources",
    "test_client_more_resources",
    "test_lifecycle",
    "test_pagination",
    "test_usage",
}


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "twilio_target" in metafunc.fixturenames:
        module = metafunc.module.__name__.rsplit(".", 1)[-1]
        routes = ["direct", "gateway"] if module in THROUGH_GATEWAY else ["direct"]
        metafunc.parametrize("twilio_target", routes, indirect=True, scope="session")


@pytest.fixture(scope="session")
def twilio_target(
    request: pytest.FixtureRequest, sandbox_url: str, spec_checker: SpecChecker
) -> TwilioTarget:
    if request.param == "direct":
        return TwilioTarget(sandbox_url, sandbox_url, identity(), spec_checker)
    gateway = request.getfixturevalue("trunkline_sandboxed")
    return TwilioTarget(
        gateway.url + "/twilio",
        gateway.url + "/sandbox/twilio",
        identity(),
        SpecChecker(SPEC, strip_prefix="/twilio"),
        gateway_key=gateway.api_key,
    )


@pytest.fixture(scope="session", autouse=True)
def report_spec_counts(spec_checker: SpecChecker) -> Iterator[None]:
    yield
    total = sum(spec_checker.counts.values())
    print(f"\nTwilio responses validated against {SPEC}: {total}")
    for operation, count in sorted(spec_checker.counts.items()):
        print(f"  {count:4d}  {operation}")


@dataclass
class Received:
    method: str
    url: str
    headers: dict[str, str]
    params: list[tuple[str, str]]

    @property
    def form(self) -> dict[str, str]:
        return dict(self.params)


@dataclass
class Receiver:
    """A tiny webhook endpoint that records every request it gets."""

    base_url: str = ""
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str) -> str:
        return f"{self.base_url}/{path.lstrip('/')}"

    def at(self, path: str) -> list[Received]:
        with self.lock:
            return [r for r in self.received if r.url.split("?")[0] == self.url(path)]

    def wait_for(
        self, path: str, until: Callable[[list[Received]], bool], timeout: float = 10.0
    ) -> list[Received]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = self.at(path)
            if until(got):
                return got
            time.sleep(0.02)
        raise AssertionError(f"{path}: condition not met; got {self.at(path)}")


@pytest.fixture(scope="session")
def receiver(twilio_target: TwilioTarget) -> Iterator[Receiver]:
    """One receiver per target, so a scenario run twice never sees the other run's callbacks."""
    box = Receiver()

    async def record(request: Request) -> PlainTextResponse:
        body = (await request.body()).decode()
        params = parse_qsl(body, keep_blank_values=True) if request.method == "POST" else []
        entry = Received(request.method, str(request.url), dict(request.headers), params)
        with box.lock:
            box.received.append(entry)
        return PlainTextResponse("<Response/>", media_type="application/xml")

    app = Starlette(routes=[Route("/{path:path}", record, methods=["GET", "POST"])])
    with serve_asgi(app) as url:
        box.base_url = url
        yield box
