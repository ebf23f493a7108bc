"""In-process and routed upstreams: a mounted sandbox is called as an ASGI app, no socket."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from typing import Any
from urllib.parse import unquote, urlsplit

from starlette.types import ASGIApp, Message

from trunkline.transport.base import Body, Headers, Upstream, UpstreamResponse

_DONE = object()


class _AsgiResponse:
    def __init__(self, status: int, headers: Headers, queue: asyncio.Queue[Any]) -> None:
        self.status = status
        self.headers = headers
        self._queue = queue
        self.content_length: int | None = None
        for name, value in headers:
            if name == b"content-length" and value.isdigit():
                self.content_length = int(value)

    async def chunks(self) -> AsyncIterator[bytes]:
        while True:
            item = await self._queue.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise ConnectionResetError(f"the in-process app failed: {item!r}") from item
            yield item

    async def read(self) -> bytes:
        return b"".join([chunk async for chunk in self.chunks()])


class AsgiUpstream:
    """Calls ``app`` as if over HTTP: same scope, streamed bodies both ways."""

    def __init__(self, app: ASGIApp, read_timeout: float = 60.0) -> None:
        self.app = app
        self.read_timeout = read_timeout

    @contextlib.asynccontextmanager
    async def request(
        self,
        method: str,
        url: str,
        headers: Headers,
        body: Body = None,
        *,
        timeout: float | None = None,
        share_key: str | None = None,
    ) -> AsyncIterator[UpstreamResponse]:
        parts = urlsplit(url)
        host = parts.netloc.encode("latin-1")
        if not any(name == b"host" for name, _ in headers):
            headers = [(b"host", host), *headers]
        port = parts.port or (443 if parts.scheme == "https" else 80)
        scope: dict[str, Any] = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": method.upper(),
            "scheme": parts.scheme,
            "path": unquote(parts.path or "/"),
            "raw_path": (parts.path or "/").encode("latin-1"),
            "query_string": parts.query.encode("latin-1"),
            "root_path": "",
            "headers": [(n.lower(), v) for n, v in headers],
            "server": (parts.hostname or "localhost", port),
            "client": ("127.0.0.1", 0),
        }
        started: asyncio.Future[tuple[int, Headers]] = asyncio.get_running_loop().create_future()
        queue: asyncio.Queue[Any] = asyncio.Queue()
        finished = asyncio.Event()
        receive = _receiver(body, finished)

        async def send(message: Message) -> None:
            if message["type"] == "http.response.start":
                raw = [(bytes(n).lower(), bytes(v)) for n, v in message.get("headers", [])]
                started.set_result((int(message["status"]), raw))
            elif message["type"] == "http.response.body":
                chunk = message.get("body", b"")
                if chunk and method.upper() != "HEAD":
                    await queue.put(bytes(chunk))
                if not message.get("more_body", False):
                    await queue.put(_DONE)

        async def run() -> None:
            try:
                await self.app(scope, receive, send)
            except BaseException as exc:
                if not started.done():
                    started.set_exception(
                        ConnectionResetError(f"the in-process app failed: {exc!r}")
                    )
                await queue.put(exc)
                raise
            finally:
                await queue.put(_DONE)
                finished.set()

        task = asyncio.create_task(run())
        try:
            async with asyncio.timeout(timeout or self.read_timeout):
                status, raw_headers = await started
            yield _AsgiResponse(status, raw_headers, queue)
        finally:
            finished.set()
            if not task.done():
                task.cancel()
            with contextlib.suppress(BaseException):
                await task

    async def close(self) -> None:
        return None


async def _messages(body: Body) -> AsyncIterator[Message]:
    if body is None or isinstance(body, bytes):
        yield {"type": "http.request", "body": body or b"", "more_body": False}
        return
    async for chunk in body:
        yield {"type": "http.request", "body": chunk, "more_body": True}
    yield {"type": "http.request", "body": b"", "more_body": False}


def _receiver(body: Body, finished: asyncio.Event) -> Callable[[], Awaitable[Message]]:
    """The request body as ASGI messages; then, like a client that stays, a disconnect only
    once the exchange is over."""
    messages = _messages(body)

    async def receive() -> Message:
        try:
            return await messages.__anext__()
        except StopAsyncIteration:
            await finished.wait()
            return {"type": "http.disconnect"}

    return receive


class RoutedUpstream:
    """Each URL goes to the first upstream whose prefix it starts with, else to ``default``."""

    def __init__(self, default: Upstream, routes: dict[str, Upstream] | None = None) -> None:
        self.default = default
        self.routes = dict(routes or {})

    def mount(self, prefix: str, upstream: Upstream) -> None:
        self.routes[prefix] = upstream

    def pick(self, url: str) -> Upstream:
        for prefix, upstream in self.routes.items():
            if url.startswith(prefix):
                return upstream
        return self.default

    def request(
        self,
        method: str,
        url: str,
        headers: Headers,
        body: Body = None,
        *,
        timeout: float | None = None,
        share_key: str | None = None,
    ) -> AbstractAsyncContextManager[UpstreamResponse]:
        return self.pick(url).request(
            method, url, headers, body, timeout=timeout, share_key=share_key
        )

    async def close(self) -> None:
        for upstream in {id(u): u for u in [self.default, *self.routes.values()]}.values():
            await upstream.close()
