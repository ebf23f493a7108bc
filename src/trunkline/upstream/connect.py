"""Opening connections: DNS (cached, off the loop), TCP to each address in turn, TLS with
verification and SNI, and optionally an outbound HTTP proxy (CONNECT tunnel for https)."""

from __future__ import annotations

import asyncio
import base64
import socket
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

from trunkline.errors import UpstreamUnavailable
from trunkline.upstream.connection import Connection
from trunkline.upstream.dns import Resolver
from trunkline.upstream.errors import (
    ConnectError,
    ConnectTimeout,
    ProxyError,
    TLSError,
    TotalTimeout,
)
from trunkline.upstream.request import Origin


@dataclass(frozen=True, slots=True)
class Proxy:
    """An outbound ``http://[user:password@]host:port`` proxy."""

    origin: Origin
    authorization: bytes | None  # the Proxy-Authorization value, from the URL's userinfo

    @classmethod
    def parse(cls, url: str) -> Proxy:
        parts = urlsplit(url)
        if parts.scheme.lower() != "http":
            raise ValueError(f"only http:// proxies are supported, not {url!r}")
        auth = None
        if parts.username is not None:
            pair = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
            auth = b"Basic " + base64.b64encode(pair.encode())
        return cls(Origin.parse(url), auth)


def default_ssl_context() -> ssl.SSLContext:
    """System trust store, hostname checks, TLS 1.2+, and ALPN saying we speak HTTP/1.1."""
    context = ssl.create_default_context()
    context.set_alpn_protocols(["http/1.1"])
    return context


class Connector:
    def __init__(
        self, ssl_context: ssl.SSLContext, proxy: Proxy | None, resolver: Resolver
    ) -> None:
        self.ssl_context = ssl_context
        self.proxy = proxy
        self.resolver = resolver

    async def open(
        self,
        origin: Origin,
        timeout: float | None,
        deadline: float | None,
        on_lost: Callable[[Connection], None],
    ) -> Connection:
        """A connected (and, for https, handshaken) connection, within ``timeout`` seconds and
        before ``deadline`` (loop time)."""
        loop = asyncio.get_running_loop()
        limit = None if timeout is None else loop.time() + timeout
        by_deadline = deadline is not None and (limit is None or deadline < limit)
        try:
            async with asyncio.timeout_at(deadline if by_deadline else limit):
                return await self._open(loop, origin, on_lost)
        except TimeoutError as exc:
            if by_deadline:
                raise TotalTimeout(f"ran out of time connecting to {origin}") from exc
            raise ConnectTimeout(f"connecting to {origin} took over {timeout:g}s") from exc

    async def _open(
        self,
        loop: asyncio.AbstractEventLoop,
        origin: Origin,
        on_lost: Callable[[Connection], None],
    ) -> Connection:
        target = self.proxy.origin if self.proxy else origin
        try:
            addresses = await self.resolver.resolve(target.host, target.port)
        except OSError as exc:
            raise ConnectError(f"cannot resolve {target.host}: {exc}") from exc
        sock = await self._tcp(loop, target, addresses)
        direct_tls = origin.tls and self.proxy is None
        conn = Connection(loop, origin, on_lost)
        try:
            await loop.create_connection(
                lambda: conn,
                sock=sock,
                ssl=self.ssl_context if direct_tls else None,
                server_hostname=origin.host if direct_tls else None,
            )
        except ssl.SSLError as exc:
            sock.close()
            raise TLSError(f"TLS handshake with {origin} failed: {exc}") from exc
        except OSError as exc:
            sock.close()
            raise ConnectError(f"cannot connect to {origin}: {exc}") from exc
        except BaseException:
            sock.close()
            raise
        if self.proxy is not None and origin.tls:
            try:
                await self._tunnel(loop, conn, origin, self.proxy)
            except BaseException:
                conn.abort()
                raise
        return conn

    async def _tcp(
        self, loop: asyncio.AbstractEventLoop, target: Origin, addresses: list[tuple[int, Any]]
    ) -> socket.socket:
        """The first address that accepts a TCP connection."""
        error: OSError | None = None
        for family, sockaddr in addresses:
            sock = socket.socket(family, socket.SOCK_STREAM)
            try:
                sock.setblocking(False)
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                await loop.sock_connect(sock, sockaddr)
            except OSError as exc:
                sock.close()
                error = exc
                continue
            except BaseException:
                sock.close()
                raise
            return sock
        raise ConnectError(f"cannot connect to {target}: {error}")

    async def _tunnel(
        self, loop: asyncio.AbstractEventLoop, conn: Connection, origin: Origin, proxy: Proxy
    ) -> None:
        host = f"[{origin.host}]" if ":" in origin.host else origin.host
        authority = f"{host}:{origin.port}".encode()
        auth = (
            b"Proxy-Authorization: " + proxy.authorization + b"\r\n" if proxy.authorization else b""
        )
        head = b"CONNECT %s HTTP/1.1\r\nHost: %s\r\n%s\r\n" % (authority, authority, auth)
        try:
            status = await conn.open_tunnel(head, None)
        except UpstreamUnavailable as exc:
            raise ProxyError(f"the proxy failed to open a tunnel to {origin}: {exc}") from exc
        if not 200 <= status < 300:
            raise ProxyError(f"the proxy answered {status} to CONNECT {origin}")
        transport = conn.transport
        assert transport is not None
        try:
            tls = await loop.start_tls(
                transport, conn, self.ssl_context, server_hostname=origin.host
            )
        except ssl.SSLError as exc:
            raise TLSError(f"TLS handshake with {origin} via the proxy failed: {exc}") from exc
        except OSError as exc:
            raise ProxyError(f"the tunnel to {origin} broke during the handshake: {exc}") from exc
        if tls is None:
            raise ProxyError(f"the tunnel to {origin} closed during the handshake")
        conn.use_transport(tls)
