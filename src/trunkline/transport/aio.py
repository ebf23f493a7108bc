"""The default ``Upstream``: one pooled aiohttp client to real hosts."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import aiohttp
from yarl import URL

from trunkline.transport.base import Body, Headers

CHUNK = 1 << 16


class _Response:
    __slots__ = ("_raw", "content_length", "headers", "status")

    def __init__(self, raw: aiohttp.ClientResponse) -> None:
        self._raw = raw
        self.status = raw.status
        self.headers: Headers = [(n.lower(), v) for n, v in raw.raw_headers]
        self.content_length = raw.content_length

    def chunks(self) -> AsyncIterator[bytes]:
        return self._raw.content.iter_chunked(CHUNK).__aiter__()

    async def read(self) -> bytes:
        return await self._raw.read()


class AiohttpUpstream:
    def __init__(self, connect_timeout: float, read_timeout: float) -> None:
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def session(self) -> aiohttp.ClientSession:
        """Made on first use, inside the running loop (aiohttp binds a session to its loop)."""
        if self._session is None:
            connector = aiohttp.TCPConnector(limit=0, limit_per_host=256, ttl_dns_cache=300)
            timeout = aiohttp.ClientTimeout(
                total=None,
                connect=self.connect_timeout,
                sock_connect=self.connect_timeout,
                sock_read=self.read_timeout,
            )
            # auto_decompress off: bodies pass through byte-exact with their Content-Encoding.
            self._session = aiohttp.ClientSession(
                connector=connector,
                timeout=timeout,
                auto_decompress=False,
                skip_auto_headers=("User-Agent", "Accept-Encoding", "Accept", "Content-Type"),
                cookie_jar=aiohttp.DummyCookieJar(),
                trust_env=False,
            )
        return self._session

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
        async with self.session.request(
            method,
            URL(url, encoded=True),
            headers=[(n.decode("latin-1"), v.decode("latin-1")) for n, v in headers],
            data=body,
            allow_redirects=False,
            compress=None,
            timeout=aiohttp.ClientTimeout(total=timeout) if timeout else self.session.timeout,
        ) as raw:
            yield _Response(raw)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
