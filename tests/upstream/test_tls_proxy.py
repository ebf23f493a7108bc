"""TLS verification and SNI; the outbound proxy (absolute-form for http, CONNECT for https)."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl

import pytest

from tests.upstream.conftest import Certs
from tests.upstream.scripted import Scripted, ServerConn, answer, ok
from trunkline.upstream import ProxyError, TLSError, UpstreamPool
from trunkline.upstream.dns import Address


async def read_all(pool: UpstreamPool, url: str, target: bytes = b"/") -> bytes:
    async with await pool.request(b"GET", url, target) as response:
        return await response.read()


def recording_sni(certs: Certs, names: list[str | None]) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certs.server_chain)

    def record(sock: ssl.SSLObject, name: str | None, ctx: ssl.SSLContext) -> None:
        names.append(name)

    context.sni_callback = record
    return context


async def test_verified_tls_with_sni_and_keep_alive(certs: Certs) -> None:
    names: list[str | None] = []
    server = Scripted(answer(ok(b"secure")), ssl=recording_sni(certs, names), host="localhost")
    async with server, UpstreamPool(ssl_context=certs.client()) as pool:
        for _ in range(5):
            assert await read_all(pool, server.url) == b"secure"
        assert server.connections == 1
        assert names == ["localhost"]
        assert server.requests[0].header(b"host") == b"localhost:%d" % server.port


async def test_tls_to_an_ip_address(certs: Certs) -> None:
    async with (
        Scripted(answer(ok(b"by ip")), ssl=certs.server) as server,
        UpstreamPool(ssl_context=certs.client()) as pool,
    ):
        assert await read_all(pool, server.url) == b"by ip"


async def test_an_untrusted_certificate_is_refused(certs: Certs) -> None:
    async with Scripted(answer(ok()), ssl=certs.server) as server, UpstreamPool() as pool:
        with pytest.raises(TLSError, match="CERTIFICATE_VERIFY_FAILED") as caught:
            await read_all(pool, server.url)
        assert caught.value.status == 502
        assert server.requests == []


async def test_a_certificate_for_another_name_is_refused(certs: Certs) -> None:
    async with (
        Scripted(answer(ok()), ssl=certs.server) as server,
        UpstreamPool(ssl_context=certs.client()) as pool,
    ):

        async def here(host: str, port: int) -> list[Address]:
            return [(socket.AF_INET, ("127.0.0.1", port))]

        pool.resolver.resolve = here  # type: ignore[method-assign]
        with pytest.raises(TLSError, match=r"match|mismatch"):
            await read_all(pool, f"https://api.example.com:{server.port}")


class Proxy:
    """A scripted HTTP proxy: answers absolute-form requests itself and tunnels CONNECT."""

    def __init__(self, refuse: bytes | None = None) -> None:
        self.refuse = refuse
        self.seen: list[tuple[bytes, bytes, bytes | None]] = []  # method, target, proxy auth
        self.server = Scripted(self.handle)

    async def handle(self, conn: ServerConn) -> None:
        while (seen := await conn.request()) is not None:
            self.seen.append((seen.method, seen.target, seen.header(b"proxy-authorization")))
            if self.refuse is not None:
                await conn.send(self.refuse)
                return
            if seen.method != b"CONNECT":
                await conn.send(ok(b"via proxy " + seen.target))
                continue
            host, _, port = seen.target.rpartition(b":")
            reader, writer = await asyncio.open_connection(host.strip(b"[]").decode(), int(port))
            await conn.send(b"HTTP/1.1 200 Connection established\r\n\r\n")
            await pipe(conn.reader, conn.writer, reader, writer)
            return


async def pipe(
    r1: asyncio.StreamReader,
    w1: asyncio.StreamWriter,
    r2: asyncio.StreamReader,
    w2: asyncio.StreamWriter,
) -> None:
    async def one_way(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        writer.close()

    await asyncio.gather(one_way(r1, w2), one_way(r2, w1))


async def test_http_through_a_proxy_uses_absolute_form() -> None:
    proxy = Proxy()
    async with proxy.server, UpstreamPool(proxy=proxy.server.url) as pool:
        for _ in range(3):
            got = await read_all(pool, "http://api.example.com:8080", b"/v1/x?y=%20")
            assert got == b"via proxy http://api.example.com:8080/v1/x?y=%20"
        assert proxy.server.connections == 1
        request = proxy.server.requests[0]
        assert request.header(b"host") == b"api.example.com:8080"
        assert request.header(b"proxy-authorization") is None


async def test_https_through_a_proxy_tunnels_with_auth(certs: Certs) -> None:
    names: list[str | None] = []
    proxy = Proxy()
    upstream = Scripted(answer(ok(b"tunnelled")), ssl=recording_sni(certs, names))
    async with proxy.server, upstream:
        proxy_url = f"http://user%40x:p%3Ass@127.0.0.1:{proxy.server.port}"
        async with UpstreamPool(proxy=proxy_url, ssl_context=certs.client()) as pool:
            for _ in range(3):
                assert await read_all(pool, f"https://localhost:{upstream.port}") == b"tunnelled"
        assert proxy.seen == [
            (b"CONNECT", b"localhost:%d" % upstream.port, b"Basic dXNlckB4OnA6c3M=")
        ]
        assert names == ["localhost"]
        assert upstream.connections == 1
        assert upstream.requests[0].target == b"/"


async def test_a_proxy_that_refuses_the_tunnel(certs: Certs) -> None:
    proxy = Proxy(refuse=b"HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n")
    async with proxy.server, UpstreamPool(proxy=proxy.server.url) as pool:
        with pytest.raises(ProxyError, match="407"):
            await read_all(pool, "https://api.example.com")


async def test_a_proxy_that_hangs_up(certs: Certs) -> None:
    async def hang_up(conn: ServerConn) -> None:
        await conn.request()
        conn.close()

    async with Scripted(hang_up) as proxy, UpstreamPool(proxy=proxy.url) as pool:
        with pytest.raises(ProxyError, match="failed to open a tunnel"):
            await read_all(pool, "https://api.example.com")


def test_only_http_proxies() -> None:
    with pytest.raises(ValueError, match="http:// proxies"):
        UpstreamPool(proxy="socks5://127.0.0.1:1080")
