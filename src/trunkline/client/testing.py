"""A whole trunkline with its sandboxes, in your process, for your own test suites (the role
stripe-mock or moto play): no port is opened, no network is used, nothing is shared between
runs.

    from trunkline.client.testing import sandboxed

    def test_texting_a_customer(tmp_path):
        with sandboxed(tmp_path) as client:          # a trunkline.client.Client, test mode
            sent = client.request("POST", "/quo/v1/messages", json={...}).json()
            assert sent["data"]["status"] == "queued"

``asandboxed`` is the same for async code and yields an ``AsyncClient``. The key is a test key
of a fresh account; every provider has one ACTIVE sandbox connection, as on a fresh
``trunkline serve``. This is the one SDK module that imports the server (it runs it).
"""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
import threading
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx

from trunkline.client._client import AsyncClient, Client


def _settings(data_dir: Path, speed: float, extra: dict[str, Any]) -> Any:
    from trunkline.settings import Settings

    return Settings(
        data_dir=data_dir,
        sandbox=True,
        sandbox_speed=speed,
        cache_ttl=0,
        throttle_wait=30,
        **extra,
    )


@contextlib.asynccontextmanager
async def _running(data_dir: Path, speed: float, extra: dict[str, Any]) -> AsyncIterator[Any]:
    from trunkline.app import Trunkline
    from trunkline.bootstrap import prepare
    from trunkline.lifespan import run_lifespan

    settings = _settings(data_dir, speed, extra)
    first = await prepare(settings)
    if first.api_key is None:
        raise RuntimeError(f"{data_dir} already holds a trunkline; give sandboxed() a new dir")
    app = Trunkline(settings)
    async with run_lifespan(app):
        yield app, first.api_key


@contextlib.asynccontextmanager
async def asandboxed(
    data_dir: Path | str | None = None, *, speed: float = 100.0, **settings: Any
) -> AsyncIterator[AsyncClient]:
    """An ``AsyncClient`` wired to an in-process trunkline with every sandbox mounted.

    ``speed`` divides the sandboxes' simulated delays (messages deliver, calls end); extra
    keyword arguments are trunkline settings (``throttle_wait=...``).
    """
    with _directory(data_dir) as directory:
        async with _running(directory, speed, settings) as (app, key):
            transport = httpx.ASGITransport(app=app)
            async with AsyncClient(
                key, base_url=app.settings.base_url, transport=transport
            ) as client:
                yield client


@contextlib.contextmanager
def sandboxed(
    data_dir: Path | str | None = None, *, speed: float = 100.0, **settings: Any
) -> Iterator[Client]:
    """A ``Client`` wired to an in-process trunkline with every sandbox mounted; the server runs
    on an event loop in a background thread for as long as the block lasts."""
    with _directory(data_dir) as directory:
        loop = asyncio.new_event_loop()
        thread = threading.Thread(target=loop.run_forever, name="trunkline-testing", daemon=True)
        thread.start()
        running = _running(directory, speed, settings)
        try:
            app, key = asyncio.run_coroutine_threadsafe(running.__aenter__(), loop).result()
            transport = _ThreadedTransport(httpx.ASGITransport(app=app), loop)
            with Client(key, base_url=app.settings.base_url, transport=transport) as client:
                yield client
        finally:
            with contextlib.suppress(Exception):
                asyncio.run_coroutine_threadsafe(running.__aexit__(None, None, None), loop).result(
                    timeout=30
                )
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout=10)
            loop.close()


class _ThreadedTransport(httpx.BaseTransport):
    """A sync transport that runs each request on the server's loop."""

    def __init__(self, inner: httpx.ASGITransport, loop: asyncio.AbstractEventLoop) -> None:
        self.inner = inner
        self.loop = loop

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        async def exchange() -> tuple[httpx.Response, bytes]:
            request.stream = httpx.ByteStream(request.read())
            response = await self.inner.handle_async_request(request)
            return response, await response.aread()

        response, body = asyncio.run_coroutine_threadsafe(exchange(), self.loop).result()
        return httpx.Response(
            response.status_code,
            headers=response.headers,
            content=body,
            request=request,
            extensions=response.extensions,
        )


@contextlib.contextmanager
def _directory(data_dir: Path | str | None) -> Iterator[Path]:
    if data_dir is not None:
        yield Path(data_dir)
        return
    with tempfile.TemporaryDirectory(prefix="trunkline-") as made:
        yield Path(made)
