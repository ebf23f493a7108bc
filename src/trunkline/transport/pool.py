"""The default ``Upstream`` to real hosts: trunkline's own HTTP/1.1 keep-alive pool
(``trunkline.upstream``), measured at a quarter of aiohttp's CPU per request."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

from trunkline.transport.base import Body, Headers
from trunkline.upstream import Timeouts, UpstreamPool
from trunkline.upstream.response import Response as PoolResponse


class _Response:
    __slots__ = ("_raw", "content_length", "headers", "status")

    def __init__(self, raw: PoolResponse) -> None:
        self._raw = raw
        self.status = raw.status
        self.headers: Headers = raw.headers
        self.content_length = raw.content_length

    def chunks(self) -> AsyncIterator[bytes]:
        return self._raw.__aiter__()

    async def read(self) -> bytes:
        return await self._raw.read()


class _Exchange:
    """One request to the pool as an async context manager: the response once its head is in,
    released on exit."""

    __slots__ = ("_args", "_pool", "_raw")

    def __init__(
        self,
        pool: UpstreamPool,
        method: str,
        origin: str,
        target: str,
        headers: Headers,
        body: Body,
        share_key: str | None,
    ) -> None:
        self._pool = pool
        self._args = (method, origin, target, headers, body, share_key)
        self._raw: PoolResponse | None = None

    async def __aenter__(self) -> _Response:
        method, origin, target, headers, body, share_key = self._args
        self._raw = await self._pool.request(
            method.encode("latin-1"),
            origin,
            target.encode("latin-1"),
            headers,
            body=body,
            share_key=share_key,
        )
        return _Response(self._raw)

    async def __aexit__(self, *exc: object) -> None:
        if self._raw is not None:
            self._raw.release()


class PoolUpstream:
    def __init__(
        self,
        connect_timeout: float,
        read_timeout: float,
        *,
        max_per_origin: int = 256,
        max_per_key: int | None = 64,
        proxy: str | None = None,
    ) -> None:
        self.pool = UpstreamPool(
            timeouts=Timeouts(connect=connect_timeout, read=read_timeout, total=None, pool=30),
            max_per_origin=max_per_origin,
            max_per_key=max_per_key,
            proxy=proxy,
        )

    def request(
        self,
        method: str,
        url: str,
        headers: Headers,
        body: Body = None,
        *,
        timeout: float | None = None,
        share_key: str | None = None,
    ) -> contextlib.AbstractAsyncContextManager[_Response]:
        if timeout is not None or "#" in url:
            return self._request(method, url, headers, body, timeout, share_key)
        # The hot path: a plain context manager and a string split, not a generator-based
        # context manager, an exit stack and urlsplit (several microseconds per request).
        start = url.find("/", url.find("://") + 3)
        origin, target = (url, "/") if start < 0 else (url[:start], url[start:])
        if target[0] != "/":
            target = "/" + target
        return _Exchange(self.pool, method, origin, target, headers, body, share_key)

    @contextlib.asynccontextmanager
    async def _request(
        self,
        method: str,
        url: str,
        headers: Headers,
        body: Body,
        timeout: float | None,
        share_key: str | None,
    ) -> AsyncIterator[_Response]:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        async with contextlib.AsyncExitStack() as stack:
            if timeout is not None:
                await stack.enter_async_context(asyncio.timeout(timeout))
            async with _Exchange(
                self.pool, method, origin, target, headers, body, share_key
            ) as response:
                yield response

    async def close(self) -> None:
        await self.pool.close()
