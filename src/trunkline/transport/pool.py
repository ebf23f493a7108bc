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
    ) -> AsyncIterator[_Response]:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        async with contextlib.AsyncExitStack() as stack:
            if timeout is not None:
                await stack.enter_async_context(asyncio.timeout(timeout))
            raw = await self.pool.request(
                method.encode("latin-1"),
                origin,
                target.encode("latin-1"),
                headers,
                body=body,
                share_key=share_key,
            )
            async with raw:
                yield _Response(raw)

    async def close(self) -> None:
        await self.pool.close()
