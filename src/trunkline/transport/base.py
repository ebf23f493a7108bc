"""The ``Upstream`` protocol: one HTTP exchange with a provider, body streamed both ways."""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator
from contextlib import AbstractAsyncContextManager
from typing import Protocol

Headers = list[tuple[bytes, bytes]]
Body = bytes | AsyncIterable[bytes] | None


class UpstreamResponse(Protocol):
    status: int
    headers: Headers  # names lowercased, in the order received
    content_length: int | None

    def chunks(self) -> AsyncIterator[bytes]: ...

    async def read(self) -> bytes: ...


class Upstream(Protocol):
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
        """Send one request. ``share_key`` (a credential) gets a fair share of connections.
        Errors: ``TimeoutError`` or ``UpstreamTimeout`` (no answer in time), ``OSError``,
        ``aiohttp.ClientError`` or ``UpstreamUnavailable`` (unreachable, reset, garbage)."""
        ...

    async def close(self) -> None: ...
