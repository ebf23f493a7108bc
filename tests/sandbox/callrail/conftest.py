"""Fixtures for the CallRail sandbox tests: a real server on 127.0.0.1 and a spec-checked client.

Tests talk to a :class:`CallRailTarget` (where ``/v3`` lives, which headers to send, which prefix
to strip before matching the spec), so the same scenarios can later run through the trunkline
gateway by adding another target.
"""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.support.openapi_check import SpecChecker
from tests.support.servers import serve_asgi
from trunkline.sandbox.callrail import SANDBOX
from trunkline.sandbox.callrail.seed import seed_keys
from trunkline.sandbox.kit import SandboxConfig

SPEC = "callrail-v3.derived.openapi.json"
SPEED = 1000.0
VALIDATED: Counter[str] = Counter()


def token(key: str) -> dict[str, str]:
    return {"Authorization": f'Token token="{key}"'}


@dataclass
class CallRailTarget:
    """Where the API is and how to call it; ``control_url`` is the sandbox's own root.

    A gateway variant sets ``base_url`` to the gateway's ``/callrail`` path, ``strip_prefix`` to
    ``/callrail`` and ``auth`` to a function giving the gateway's headers for a CallRail key.
    """

    base_url: str
    control_url: str
    api_key: str
    second_api_key: str
    strip_prefix: str = ""
    auth: Callable[[str], dict[str, str]] = token
    gateway_key: str | None = None
    checker: SpecChecker = field(init=False)
    direct_checker: SpecChecker = field(init=False)

    def __post_init__(self) -> None:
        self.checker = SpecChecker(SPEC, strip_prefix=self.strip_prefix)
        self.direct_checker = SpecChecker(SPEC, strip_prefix=urlsplit(self.control_url).path)

    def client(self, key: str | None = None, *, check: bool = True) -> httpx.Client:
        """The API as ``key`` (default: the main key). Through the gateway, only the main
        account is the gateway's connection; another key talks to the sandbox itself."""
        key = key or self.api_key
        via_gateway = self.gateway_key is not None and key == self.api_key
        checker = self.checker if via_gateway or self.gateway_key is None else self.direct_checker
        hooks = {"response": [lambda r: self._check(r, checker)]} if check else {}
        return httpx.Client(
            base_url=self.base_url if via_gateway or self.gateway_key is None else self.control_url,
            headers={"Authorization": f"Bearer {self.gateway_key}"}
            if via_gateway
            else self.auth(key),
            event_hooks=hooks,
            timeout=30,
            trust_env=False,
        )

    def control(self) -> httpx.Client:
        return httpx.Client(
            base_url=self.control_url, headers=token(self.api_key), timeout=10, trust_env=False
        )

    def _check(self, response: httpx.Response, checker: SpecChecker) -> None:
        if "/v3/" not in response.request.url.path:
            return
        response.read()
        before = Counter(checker.counts)
        checker.check(response)
        VALIDATED.update(checker.counts - before)


def make_target(base_url: str, prefix: str = "") -> CallRailTarget:
    main, second = seed_keys()
    return CallRailTarget(base_url, base_url, main, second, strip_prefix=prefix)


@pytest.fixture(scope="session")
def sandbox_url() -> Iterator[str]:
    with serve_asgi(SANDBOX.create_app(SandboxConfig(speed=SPEED))) as url:
        yield url


# Scenario modules also run through the trunkline gateway; the ones about the sandbox's own
# auth, errors, control surface and runtime stay direct.
THROUGH_GATEWAY = {
    "test_callrail_calls_listing",
    "test_callrail_calls_update",
    "test_callrail_analytics",
    "test_callrail_webhooks",
    "test_callrail_resources",
}


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "target" in metafunc.fixturenames:
        module = metafunc.module.__name__.rsplit(".", 1)[-1]
        routes = ["direct", "gateway"] if module in THROUGH_GATEWAY else ["direct"]
        metafunc.parametrize("route", routes, scope="session")


@pytest.fixture
def route() -> str:
    return "direct"


@pytest.fixture
def target(request: pytest.FixtureRequest, sandbox_url: str, route: str) -> CallRailTarget:
    """A freshly reset sandbox (tests may change anything)."""
    if route == "gateway":
        gateway = request.getfixturevalue("trunkline_sandboxed")
        main, second = seed_keys()
        target = CallRailTarget(
            gateway.url + "/callrail",
            gateway.url + "/sandbox/callrail",
            main,
            second,
            strip_prefix="/callrail",
            gateway_key=gateway.api_key,
        )
    else:
        target = make_target(sandbox_url)
    with target.control() as control:
        control.post("/_sandbox/reset").raise_for_status()
    return target


@pytest.fixture
def api(target: CallRailTarget) -> Iterator[httpx.Client]:
    with target.client() as client:
        yield client


@pytest.fixture
def control(target: CallRailTarget) -> Iterator[httpx.Client]:
    with target.control() as client:
        yield client


@pytest.fixture
def account_id(api: httpx.Client) -> str:
    return str(api.get("/v3/a.json").json()["accounts"][0]["id"])


@pytest.fixture
def acct(account_id: str) -> str:
    """Prefix of every account-scoped path."""
    return f"/v3/a/{account_id}"


@dataclass
class Receiver:
    url: str
    hits: list[dict[str, Any]]

    def of(self, event: str) -> list[dict[str, Any]]:
        return [hit for hit in self.hits if hit["path"].endswith(f"/{event}")]


@contextlib.contextmanager
def webhook_receiver() -> Iterator[Receiver]:
    hits: list[dict[str, Any]] = []

    async def record(request: Request) -> JSONResponse:
        hits.append(
            {
                "path": request.url.path,
                "query": dict(request.query_params),
                "headers": dict(request.headers),
                "body": await request.body(),
            }
        )
        return JSONResponse({"ok": True})

    app = Starlette(routes=[Route("/hooks/{event}", record, methods=["POST"])])
    with serve_asgi(app) as url:
        yield Receiver(f"{url}/hooks", hits)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with webhook_receiver() as hooks:
        yield hooks


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not VALIDATED:
        return
    terminalreporter.section("CallRail responses validated against the derived spec")
    for operation, count in sorted(VALIDATED.items()):
        terminalreporter.write_line(f"{count:5d}  {operation}")
    terminalreporter.write_line(f"{sum(VALIDATED.values()):5d}  total")
