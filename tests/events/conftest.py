"""Real sandboxes on 127.0.0.1 and a receiver that records every webhook they send (method, the
URL as registered, headers, raw body), so the tests can verify and normalise exactly what the
sandbox code put on the wire."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tests.support.servers import serve_asgi
from trunkline.sandbox import callrail, quo, twilio
from trunkline.sandbox.kit import SandboxConfig


@dataclass(frozen=True)
class Captured:
    method: str
    url: str  # the public URL: what was registered, plus the query the sandbox added
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Capture:
    base: str = ""
    received: list[Captured] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str) -> str:
        return f"{self.base}/{path}"

    def clear(self) -> None:
        with self.lock:
            self.received.clear()

    def at(self, prefix: str) -> list[Captured]:
        with self.lock:
            return [r for r in self.received if r.path.startswith(f"/{prefix}")]

    def wait(
        self, prefix: str, done: Callable[[list[Captured]], bool], timeout: float = 10.0
    ) -> list[Captured]:
        deadline = time.monotonic() + timeout
        while True:
            found = self.at(prefix)
            if done(found):
                return found
            if time.monotonic() > deadline:
                raise AssertionError(f"{prefix}: got {len(found)} deliveries, not enough")
            time.sleep(0.02)


@pytest.fixture(scope="session")
def capture() -> Iterator[Capture]:
    receiver = Capture()

    async def record(request: Request) -> Response:
        query = request.url.query
        url = receiver.base + request.url.path + (f"?{query}" if query else "")
        item = Captured(
            request.method, url, request.url.path, dict(request.headers), await request.body()
        )
        with receiver.lock:
            receiver.received.append(item)
        return Response(status_code=200)

    app = Starlette(routes=[Route("/{path:path}", record, methods=["GET", "POST"])])
    with serve_asgi(app) as url:
        receiver.base = url
        yield receiver


def _fast(speed: float) -> SandboxConfig:
    return SandboxConfig(
        speed=speed, webhook_attempts=2, webhook_base_delay=0.01, rate_limits=False
    )


@pytest.fixture(scope="session")
def quo_url() -> Iterator[str]:
    with serve_asgi(quo.create_app(_fast(50.0))) as url:
        yield url


@pytest.fixture(scope="session")
def twilio_url() -> Iterator[str]:
    with serve_asgi(twilio.create_app(_fast(50.0))) as url:
        yield url


@pytest.fixture(scope="session")
def callrail_url() -> Iterator[str]:
    with serve_asgi(callrail.create_app(_fast(1000.0))) as url:
        yield url
