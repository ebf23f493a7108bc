"""Fixtures for the Quo sandbox tests: a real server, a spec-checking API client, the control
surface and a webhook receiver, all on 127.0.0.1.

Scenario tests take ``quo`` (a :class:`QuoTarget`: where the Quo API and the control surface
are, with their credentials). Today it is the sandbox served alone; a "through the gateway"
variant only has to yield another ``QuoTarget`` (API base ``.../quo``, the gateway's key).
Every API response goes through ``SpecChecker`` (counts are printed at the end of the run).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tests.support.openapi_check import SpecChecker
from tests.support.servers import serve_asgi
from trunkline.sandbox.quo import SANDBOX, create_app

from .helpers import NORTHWIND, QuoTarget, Receiver, dated_headers, quo_config

SPEC = "openphone-v1.openapi.json"
CHECKERS: dict[str, SpecChecker] = {}


@pytest.fixture(scope="session")
def sandbox_url() -> Iterator[str]:
    with serve_asgi(create_app(quo_config())) as url:
        yield url


# Scenario modules also run through the trunkline gateway (its Quo sandbox connection, its
# throttle); the modules about the sandbox's own auth, limits and storage stay direct.
THROUGH_GATEWAY = {
    "test_quo_messages",
    "test_quo_calls",
    "test_quo_contacts",
    "test_quo_pagination",
    "test_quo_directory_and_webhooks",
}


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "quo" in metafunc.fixturenames:
        module = metafunc.module.__name__.rsplit(".", 1)[-1]
        routes = ["direct", "gateway"] if module in THROUGH_GATEWAY else ["direct"]
        metafunc.parametrize("quo", routes, indirect=True, scope="session")


@pytest.fixture(scope="session")
def quo(request: pytest.FixtureRequest, sandbox_url: str) -> QuoTarget:
    key = {"Authorization": SANDBOX.credentials["api_key"]}
    if request.param == "direct":
        return QuoTarget(sandbox_url, key, sandbox_url, key)
    gateway = request.getfixturevalue("trunkline_sandboxed")
    return QuoTarget(
        gateway.url + "/quo",
        gateway.headers(),
        gateway.url + "/sandbox/quo",
        key,
        strip_prefix="/quo",
    )


GENERIC_400 = re.compile(r"^(0[1-9]|1[0-2])00400$")


def is_generic_400(response: httpx.Response) -> bool:
    """The generic "Bad Request" the sandbox answers malformed v1 input with.

    Both v1 specs pin one 400 title per operation (e.g. "A2P Registration Not Approved" on
    /v1/messages); docs/sandboxes/quo.md explains why malformed input gets the generic body.
    """
    if response.status_code != 400:
        return False
    body = response.json()
    return (
        body.get("title") == "Bad Request"
        and body.get("status") == 400
        and bool(GENERIC_400.match(str(body.get("code"))))
        and body.get("docs") == "https://openphone.com/docs"
        and isinstance(body.get("message"), str)
        and "description" not in body
    )


def spec_hook(strip_prefix: str) -> Callable[[httpx.Response], None]:
    """An httpx response hook validating each response against the Quo spec."""
    checker = CHECKERS.setdefault(strip_prefix, SpecChecker(SPEC, strip_prefix=strip_prefix))

    def check(response: httpx.Response) -> None:
        response.read()
        try:
            checker.check(response)
        except AssertionError:
            if not is_generic_400(response):
                raise
            template, _ = checker.operation(response.request.method, response.request.url.path)
            checker.counts[f"{response.request.method} {template} 400 (generic)"] += 1

    return check


@pytest.fixture
def control(quo: QuoTarget) -> Iterator[httpx.Client]:
    """The control surface, reset to the seed before each test."""
    with httpx.Client(base_url=quo.control_base, headers=quo.control_headers) as client:
        client.post("/_sandbox/reset").raise_for_status()
        yield client


@pytest.fixture
def api(quo: QuoTarget, control: httpx.Client) -> Iterator[httpx.Client]:
    """The Quo API as the seeded workspace; every response is checked against the spec."""
    with httpx.Client(
        base_url=quo.api_base,
        headers=quo.api_headers,
        event_hooks={"response": [spec_hook(quo.strip_prefix)]},
    ) as client:
        yield client


@pytest.fixture
def api_as(
    quo: QuoTarget, control: httpx.Client
) -> Iterator[Callable[[dict[str, str]], httpx.Client]]:
    """A spec-checked API client with other headers (another workspace, a bad key...).

    Other credentials are not the gateway's to use, so these clients talk to the sandbox itself.
    """
    clients: list[httpx.Client] = []
    prefix = urlsplit(quo.control_base).path

    def make(headers: dict[str, str]) -> httpx.Client:
        hooks = {"response": [spec_hook(prefix)]}
        client = httpx.Client(base_url=quo.control_base, headers=headers, event_hooks=hooks)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture(scope="session")
def _receiver_server() -> Iterator[Receiver]:
    receiver = Receiver()

    async def hook(request: Request) -> Response:
        body = await request.body()
        with receiver.lock:
            receiver.received.append(
                {"body": body, "headers": dict(request.headers), "json": json.loads(body)}
            )
        return Response(status_code=receiver.status)

    app = Starlette(routes=[Route("/hook", hook, methods=["POST"])])
    with serve_asgi(app) as url:
        receiver.url = f"{url}/hook"
        yield receiver


@pytest.fixture
def receiver(_receiver_server: Receiver) -> Receiver:
    with _receiver_server.lock:
        _receiver_server.received.clear()
    _receiver_server.status = 200
    return _receiver_server


def pytest_terminal_summary(terminalreporter: Any) -> None:
    for prefix, checker in CHECKERS.items():
        if not checker.counts:
            continue
        spec, where = SPEC, f" (under {prefix})" if prefix else ""
        if prefix.startswith("dated:"):
            spec, where = prefix.removeprefix("dated:"), ""
        terminalreporter.section(f"Quo responses validated against {spec}{where}")
        for key, count in sorted(checker.counts.items()):
            terminalreporter.write_line(f"{count:5d}  {key}")
        terminalreporter.write_line(f"{sum(checker.counts.values()):5d}  total")


# --- the dated API (Quo-Api-Version: 2026-03-30) ---------------------------------------------

DATED_SPEC = "quo-2026-03-30.derived.openapi.json"


def dated_hook() -> Callable[[httpx.Response], None]:
    """Validate each dated response against the derived 2026-03-30 spec."""
    key = f"dated:{DATED_SPEC}"
    checker = CHECKERS.get(key) or CHECKERS.setdefault(key, SpecChecker(DATED_SPEC))

    def check(response: httpx.Response) -> None:
        response.read()
        checker.check(response)

    return check


@pytest.fixture
def dated(sandbox_url: str, control: httpx.Client) -> Iterator[httpx.Client]:
    """The dated API as the seeded workspace (reset first); every response spec-checked."""
    with httpx.Client(
        base_url=sandbox_url,
        headers={**dated_headers(NORTHWIND["apiKey"])},
        event_hooks={"response": [dated_hook()]},
    ) as client:
        yield client


@pytest.fixture
def dated_as(sandbox_url: str, control: httpx.Client) -> Iterator[Callable[..., httpx.Client]]:
    """Spec-checked dated clients with other headers (another key, no version header...)."""
    clients: list[httpx.Client] = []

    def make(headers: dict[str, str]) -> httpx.Client:
        hooks = {"response": [dated_hook()]}
        client = httpx.Client(base_url=sandbox_url, headers=headers, event_hooks=hooks)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()
