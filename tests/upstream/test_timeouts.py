"""Connect, read (silence) and total timeouts; DNS resolution and its cache."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.upstream.scripted import Scripted, ServerConn, answer, ok
from trunkline.errors import UpstreamTimeout, UpstreamUnavailable
from trunkline.upstream import (
    ConnectError,
    ConnectTimeout,
    ReadTimeout,
    Timeouts,
    TotalTimeout,
    UpstreamPool,
)
from trunkline.upstream.dns import Address, Resolver


async def hang(conn: ServerConn) -> None:
    await asyncio.sleep(30)


async def read_all(pool: UpstreamPool, url: str, **kwargs: Any) -> bytes:
    async with await pool.request(b"GET", url, b"/", **kwargs) as response:
        return await response.read()


async def test_read_timeout_waiting_for_the_head() -> None:
    async def handler(conn: ServerConn) -> None:
        await conn.request()
        await asyncio.sleep(30)

    async with Scripted(handler) as server, UpstreamPool(timeouts=Timeouts(read=0.2)) as pool:
        started = time.monotonic()
        with pytest.raises(ReadTimeout, match=r"nothing for 0\.2s") as caught:
            await read_all(pool, server.url)
        assert 0.15 < time.monotonic() - started < 1
        assert isinstance(caught.value, UpstreamTimeout) and caught.value.status == 504


async def test_read_timeout_mid_body() -> None:
    async def handler(conn: ServerConn) -> None:
        await conn.request()
        await conn.send(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhel")
        await asyncio.sleep(30)

    async with Scripted(handler) as server, UpstreamPool(timeouts=Timeouts(read=0.2)) as pool:
        response = await pool.request(b"GET", server.url, b"/")
        assert await response.__anext__() == b"hel"
        with pytest.raises(ReadTimeout):
            await response.read()
        response.release()
        assert pool.stats()[server.url]["open"] == 0


async def test_steady_trickle_is_not_a_read_timeout_but_total_caps_it() -> None:
    async def handler(conn: ServerConn) -> None:
        await conn.request()
        await conn.send(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n")
        for _ in range(100):
            await conn.send(b"x")
            await asyncio.sleep(0.05)

    timeouts = Timeouts(read=0.2, total=0.6)
    async with Scripted(handler) as server, UpstreamPool(timeouts=timeouts) as pool:
        started = time.monotonic()
        with pytest.raises(TotalTimeout):
            await read_all(pool, server.url)
        assert 0.55 < time.monotonic() - started < 1.2


async def test_total_timeout_covers_the_head_too() -> None:
    async def handler(conn: ServerConn) -> None:
        await conn.request()
        for _ in range(100):
            await conn.send(b"HTTP/1.1 100 Continue\r\n\r\n")
            await asyncio.sleep(0.05)

    timeouts = Timeouts(read=1, total=0.3)
    async with Scripted(handler) as server, UpstreamPool(timeouts=timeouts) as pool:
        with pytest.raises(TotalTimeout):
            await read_all(pool, server.url)


async def test_a_slow_consumer_is_not_a_read_timeout() -> None:
    size = 8 * 1024 * 1024

    async def handler(conn: ServerConn) -> None:
        await conn.request()
        await conn.send(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % size)
        await conn.send(b"z" * size)

    async with Scripted(handler) as server, UpstreamPool(timeouts=Timeouts(read=0.25)) as pool:
        response = await pool.request(b"GET", server.url, b"/")
        async with response:
            got = naps = 0
            async for chunk in response:
                got += len(chunk)
                if naps < 3:
                    naps += 1
                    await asyncio.sleep(0.35)  # longer than the read timeout
            assert got == size


async def test_a_slow_producer_is_not_a_read_timeout(pool: UpstreamPool) -> None:
    async def slow() -> AsyncIterator[bytes]:
        for _ in range(3):
            await asyncio.sleep(0.25)
            yield b"part"

    async with Scripted(answer(ok())) as server:
        response = await pool.request(
            b"POST", server.url, b"/", body=slow(), timeouts=Timeouts(read=0.2)
        )
        async with response:
            assert await response.read() == b"ok"
        assert server.requests[0].body == b"part" * 3


async def test_an_upstream_that_stops_reading_the_upload_times_out() -> None:
    async def handler(conn: ServerConn) -> None:
        await conn.request(read_body=False)
        await asyncio.sleep(30)

    async def endless() -> AsyncIterator[bytes]:
        block = b"u" * 65536
        while True:
            yield block

    async with Scripted(handler) as server, UpstreamPool(timeouts=Timeouts(read=0.3)) as pool:
        with pytest.raises(ReadTimeout):
            await pool.request(b"POST", server.url, b"/", body=endless())


async def test_connect_timeout_covers_the_tls_handshake() -> None:
    async with Scripted(hang) as server:  # accepts TCP, never speaks TLS
        url = f"https://127.0.0.1:{server.port}"
        async with UpstreamPool(timeouts=Timeouts(connect=0.2)) as pool:
            started = time.monotonic()
            with pytest.raises(ConnectTimeout, match=r"took over 0\.2s"):
                await read_all(pool, url)
            assert time.monotonic() - started < 1
            assert pool.stats()[url]["open"] == 0


async def test_connect_timeout_covers_dns() -> None:
    async with UpstreamPool(timeouts=Timeouts(connect=0.2)) as pool:

        async def slow_lookup(*args: object) -> list[Address]:
            await asyncio.sleep(5)
            return []

        pool.resolver._lookup = slow_lookup  # type: ignore[method-assign,assignment]
        with pytest.raises(ConnectTimeout):
            await read_all(pool, "http://slow.example:80")


async def test_total_deadline_bounds_connecting() -> None:
    async with Scripted(hang) as server, UpstreamPool(timeouts=Timeouts(total=0.2)) as pool:
        with pytest.raises(TotalTimeout):
            await read_all(pool, f"https://127.0.0.1:{server.port}")


async def test_refused_and_unresolvable() -> None:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()  # nothing listens there now
    async with UpstreamPool() as pool:
        with pytest.raises(ConnectError, match="cannot connect") as caught:
            await read_all(pool, f"http://127.0.0.1:{port}")
        assert isinstance(caught.value, UpstreamUnavailable)

        async def no_such_host(*args: object) -> list[Address]:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

        pool.resolver._lookup = no_such_host  # type: ignore[method-assign,assignment]
        with pytest.raises(ConnectError, match=r"cannot resolve nowhere\.example"):
            await read_all(pool, "http://nowhere.example")


async def test_an_unreachable_address_falls_through_to_the_next() -> None:
    async with Scripted(answer(ok())) as server, UpstreamPool() as pool:

        async def two(host: str, port: int) -> list[Address]:
            return [(socket.AF_INET, ("127.0.0.1", 1)), (socket.AF_INET, ("127.0.0.1", port))]

        pool.resolver.resolve = two  # type: ignore[method-assign]
        assert await read_all(pool, f"http://api.example:{server.port}") == b"ok"


class CountingResolver(Resolver):
    def __init__(self, ttl: float) -> None:
        super().__init__(ttl=ttl)
        self.lookups = 0

    async def _lookup(self, loop: asyncio.AbstractEventLoop, host: str, port: int) -> list[Address]:
        self.lookups += 1
        await asyncio.sleep(0.02)
        return await super()._lookup(loop, host, port)


async def test_dns_is_cached_and_shared() -> None:
    resolver = CountingResolver(ttl=0.2)
    first, second = await asyncio.gather(
        resolver.resolve("localhost", 80), resolver.resolve("localhost", 80)
    )
    assert first == second and first
    assert (await resolver.resolve("localhost", 80)) == first
    assert resolver.lookups == 1
    await asyncio.sleep(0.25)
    await resolver.resolve("localhost", 80)
    assert resolver.lookups == 2
    assert await resolver.resolve("127.0.0.1", 5) == [(socket.AF_INET, ("127.0.0.1", 5))]
    assert await resolver.resolve("::1", 5) == [(socket.AF_INET6, ("::1", 5, 0, 0))]
    assert resolver.lookups == 2


async def test_a_cancelled_lookup_does_not_break_the_others() -> None:
    resolver = CountingResolver(ttl=10)
    impatient = asyncio.ensure_future(resolver.resolve("localhost", 80))
    patient = asyncio.ensure_future(resolver.resolve("localhost", 80))
    await asyncio.sleep(0)
    impatient.cancel()
    assert await patient
    assert resolver.lookups == 1


async def test_a_timeout_is_not_mistaken_for_the_end_of_a_close_delimited_body() -> None:
    async def handler(conn: ServerConn) -> None:
        await conn.request()
        await conn.send(b"HTTP/1.1 200 OK\r\n\r\npart")
        await asyncio.sleep(30)

    async with Scripted(handler) as server, UpstreamPool(timeouts=Timeouts(read=0.2)) as pool:
        with pytest.raises(ReadTimeout):
            await read_all(pool, server.url)
