"""The pool: keep-alive reuse, stale connections, limits, fairness, waiting, shutdown."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest

from tests.upstream.scripted import Scripted, ServerConn, answer, ok
from trunkline.upstream import (
    ConnectionLost,
    PoolClosed,
    PoolTimeout,
    ProtocolError,
    Timeouts,
    UpstreamPool,
)


async def fetch(pool: UpstreamPool, url: str, **kwargs: object) -> bytes:
    async with await pool.request(b"GET", url, b"/", **kwargs) as response:  # type: ignore[arg-type]
        return await response.read()


async def test_sequential_requests_share_one_connection(pool: UpstreamPool) -> None:
    async with Scripted(answer(lambda seen: ok(seen.target))) as server:
        for i in range(50):
            async with await pool.request(b"GET", server.url, b"/%d" % i) as response:
                assert await response.read() == b"/%d" % i
        assert server.connections == 1
        assert pool.stats()[server.url] == {"open": 1, "idle": 1, "waiting": 0}


async def test_a_body_left_unread_closes_the_connection(pool: UpstreamPool) -> None:
    async def handler(conn: ServerConn) -> None:
        while await conn.request() is not None:
            await conn.send(b"HTTP/1.1 200 OK\r\nContent-Length: 2000000\r\n\r\n")
            await conn.send(b"x" * 2_000_000)

    async with Scripted(handler) as server:
        for _ in range(2):
            async with await pool.request(b"GET", server.url, b"/") as response:
                await response.__anext__()
        assert server.connections == 2


def serve_then_drop(*, reset: bool = False, partial: bytes = b"") -> tuple[list[int], object]:
    """The first connection answers one request, then takes the next and drops it (the race
    in which a keep-alive connection times out just as it is reused). Later connections
    answer normally."""
    bodies: list[int] = []

    async def handler(conn: ServerConn) -> None:
        if conn.index > 0:
            while (seen := await conn.request()) is not None:
                bodies.append(len(seen.body))
                await conn.send(ok(b"fresh"))
            return
        await conn.request()
        await conn.send(ok(b"first"))
        await conn.request(read_body=False)
        if partial:
            await conn.send(partial)
        if reset:
            conn.reset()
        else:
            conn.close()

    return bodies, handler


@pytest.mark.parametrize("reset", [False, True], ids=["fin", "rst"])
@pytest.mark.parametrize("body", [None, b"replayable"], ids=["no-body", "bytes-body"])
async def test_stale_connection_is_retried_once(
    pool: UpstreamPool, reset: bool, body: bytes | None
) -> None:
    bodies, handler = serve_then_drop(reset=reset)
    async with Scripted(handler) as server:  # type: ignore[arg-type]
        assert await fetch(pool, server.url) == b"first"
        async with await pool.request(b"POST", server.url, b"/", body=body) as response:
            assert await response.read() == b"fresh"
        assert server.connections == 2
        assert bodies == [len(body or b"")]


async def test_a_streamed_body_is_never_retried(pool: UpstreamPool) -> None:
    sent: list[bytes] = []

    async def upload() -> AsyncIterator[bytes]:
        for part in (b"a" * 1000, b"b" * 1000):
            sent.append(part)
            yield part
            await asyncio.sleep(0.01)

    _, handler = serve_then_drop()
    async with Scripted(handler) as server:  # type: ignore[arg-type]
        assert await fetch(pool, server.url) == b"first"
        with pytest.raises(ConnectionLost):
            await pool.request(b"POST", server.url, b"/", body=upload())
        await asyncio.sleep(0.05)
        assert server.connections == 1
        assert sent  # part of it went out; it must not be replayed


async def test_no_retry_once_response_bytes_arrived(pool: UpstreamPool) -> None:
    _, handler = serve_then_drop(partial=b"HTTP/1.1 200 OK\r\nContent-")
    async with Scripted(handler) as server:  # type: ignore[arg-type]
        assert await fetch(pool, server.url) == b"first"
        with pytest.raises(ProtocolError, match="mid response head"):
            await fetch(pool, server.url)
        assert server.connections == 1


async def test_retry_can_be_switched_off() -> None:
    _, handler = serve_then_drop()
    async with Scripted(handler) as server, UpstreamPool(retry_stale=False) as pool:  # type: ignore[arg-type]
        assert await fetch(pool, server.url) == b"first"
        with pytest.raises(ConnectionLost):
            await fetch(pool, server.url)


async def test_an_idle_close_by_the_upstream_is_noticed() -> None:
    async def handler(conn: ServerConn) -> None:
        await conn.request()
        await conn.send(ok())
        await asyncio.sleep(0.05)
        conn.close()

    async with Scripted(handler) as server, UpstreamPool() as pool:
        await fetch(pool, server.url)
        await asyncio.sleep(0.2)
        assert pool.stats()[server.url]["open"] == 0
        assert await fetch(pool, server.url) == b"ok"
        assert server.connections == 2


async def test_idle_connections_expire() -> None:
    async with Scripted(answer(ok())) as server, UpstreamPool(idle_timeout=0.05) as pool:
        await fetch(pool, server.url)
        await fetch(pool, server.url)
        await asyncio.sleep(0.1)
        await fetch(pool, server.url)
        assert server.connections == 2


@dataclass
class Gate:
    """A server whose answers wait for the test; it tracks concurrency per X-Tenant header."""

    release: asyncio.Event = field(default_factory=asyncio.Event)
    delay: float = 0.0
    active: dict[bytes, int] = field(default_factory=dict)
    peak: dict[bytes, int] = field(default_factory=dict)
    order: list[bytes] = field(default_factory=list)
    open_now: int = 0
    open_peak: int = 0

    async def __call__(self, conn: ServerConn) -> None:
        self.open_now += 1
        self.open_peak = max(self.open_peak, self.open_now)
        try:
            while (seen := await conn.request()) is not None:
                tenant = seen.header(b"x-tenant") or b"-"
                self.order.append(seen.target)
                self.active[tenant] = self.active.get(tenant, 0) + 1
                self.peak[tenant] = max(self.peak.get(tenant, 0), self.active[tenant])
                if self.delay:
                    await asyncio.sleep(self.delay)
                else:
                    await self.release.wait()
                self.active[tenant] -= 1
                await conn.send(ok(seen.target))
        finally:
            self.open_now -= 1


async def tenant_get(pool: UpstreamPool, url: str, tenant: bytes, target: bytes) -> float:
    started = time.monotonic()
    headers = [(b"X-Tenant", tenant)]
    async with await pool.request(b"GET", url, target, headers, share_key=tenant) as response:
        assert await response.read() == target
    return time.monotonic() - started


async def test_connections_per_origin_are_capped() -> None:
    gate = Gate(delay=0.05)
    async with Scripted(gate) as server, UpstreamPool(max_per_origin=3) as pool:
        await asyncio.gather(*(tenant_get(pool, server.url, b"-", b"/%d" % i) for i in range(12)))
        assert gate.open_peak == 3
        assert server.connections == 3


async def test_one_tenant_cannot_starve_another() -> None:
    gate = Gate(delay=0.5)
    pool = UpstreamPool(max_per_origin=4, max_per_key=2)
    async with Scripted(gate) as server, pool:
        hog = [
            asyncio.ensure_future(tenant_get(pool, server.url, b"A", b"/a%d" % i))
            for i in range(10)
        ]
        await asyncio.sleep(0.05)
        quick = await tenant_get(pool, server.url, b"B", b"/b")
        # Fair: one 0.5 s round trip. Unfair, A would hold all 4 connections: over 1 s.
        assert quick < 0.9
        await asyncio.gather(*hog)
        assert gate.peak == {b"A": 2, b"B": 1}


async def test_waiters_are_served_first_come_first_served() -> None:
    gate = Gate()
    async with Scripted(gate) as server, UpstreamPool(max_per_origin=1) as pool:
        tasks = []
        for i in range(6):
            tasks.append(asyncio.ensure_future(tenant_get(pool, server.url, b"-", b"/%d" % i)))
            await asyncio.sleep(0.01)
        assert pool.stats()[server.url]["waiting"] == 5
        gate.release.set()
        await asyncio.gather(*tasks)
        assert gate.order == [b"/%d" % i for i in range(6)]


async def test_a_blocked_tenant_does_not_block_the_queue() -> None:
    """FIFO among those allowed to proceed: B's waiter passes A's, whose key is at its cap."""
    gate = Gate()
    async with Scripted(gate) as server, UpstreamPool(max_per_origin=2, max_per_key=1) as pool:
        first = asyncio.ensure_future(tenant_get(pool, server.url, b"A", b"/a1"))
        await asyncio.sleep(0.02)
        second = asyncio.ensure_future(tenant_get(pool, server.url, b"A", b"/a2"))
        await asyncio.sleep(0.02)
        b = asyncio.ensure_future(tenant_get(pool, server.url, b"B", b"/b"))
        await asyncio.sleep(0.05)
        assert gate.order == [b"/a1", b"/b"]
        gate.release.set()
        await asyncio.gather(first, second, b)
        assert gate.order == [b"/a1", b"/b", b"/a2"]


async def test_pool_wait_timeout_and_no_leaked_slots() -> None:
    gate = Gate()
    timeouts = Timeouts(pool=0.1)
    async with Scripted(gate) as server, UpstreamPool(max_per_origin=1, timeouts=timeouts) as pool:
        holder = asyncio.ensure_future(tenant_get(pool, server.url, b"A", b"/1"))
        await asyncio.sleep(0.02)
        with pytest.raises(PoolTimeout) as caught:
            await tenant_get(pool, server.url, b"B", b"/2")
        assert caught.value.status == 504
        cancelled = asyncio.ensure_future(tenant_get(pool, server.url, b"C", b"/3"))
        await asyncio.sleep(0.02)
        cancelled.cancel()
        gate.release.set()
        await holder
        assert await tenant_get(pool, server.url, b"D", b"/4") < 1
        assert pool.stats()[server.url] == {"open": 1, "idle": 1, "waiting": 0}
        assert server.connections == 1


async def test_connect_failures_free_their_slot() -> None:
    async with UpstreamPool(max_per_origin=1, timeouts=Timeouts(pool=0.5)) as pool:
        dead = Scripted(answer(ok()))
        await dead.__aenter__()
        url = dead.url
        await dead.aclose()
        for _ in range(3):
            with pytest.raises(Exception, match="cannot connect"):
                await fetch(pool, url)
        assert pool.stats()[url] == {"open": 0, "idle": 0, "waiting": 0}


async def test_close_shuts_everything_down() -> None:
    gate = Gate()
    async with Scripted(gate) as server:
        pool = UpstreamPool(max_per_origin=1)
        async with Scripted(answer(ok())) as other:
            await fetch(pool, other.url)  # leaves an idle connection
            in_flight = asyncio.ensure_future(fetch(pool, server.url))
            await asyncio.sleep(0.02)
            waiting = asyncio.ensure_future(fetch(pool, server.url))
            await asyncio.sleep(0.02)
            await asyncio.wait_for(pool.close(), 2)
            for task in (in_flight, waiting):
                with pytest.raises(PoolClosed):
                    await task
            with pytest.raises(PoolClosed):
                await fetch(pool, other.url)
            assert all(s["open"] == 0 for s in pool.stats().values())


async def test_close_fails_a_response_being_read() -> None:
    async def handler(conn: ServerConn) -> None:
        await conn.request()
        await conn.send(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nsome")
        await asyncio.sleep(30)

    async with Scripted(handler) as server:
        pool = UpstreamPool()
        response = await pool.request(b"GET", server.url, b"/")
        assert await response.__anext__() == b"some"
        await pool.close()
        with pytest.raises(PoolClosed):
            await response.read()
        response.release()
        response.release()  # idempotent


async def test_a_cancelled_caller_leaks_nothing() -> None:
    gate = Gate()
    async with Scripted(gate) as server, UpstreamPool(max_per_origin=1, max_per_key=1) as pool:
        task = asyncio.ensure_future(tenant_get(pool, server.url, b"A", b"/slow"))
        await asyncio.sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        gate.release.set()
        assert await tenant_get(pool, server.url, b"A", b"/next") < 1
        assert pool.stats()[server.url] == {"open": 1, "idle": 1, "waiting": 0}


async def test_stream_context_manager_releases(pool: UpstreamPool) -> None:
    async with Scripted(answer(ok(b"streamed"))) as server:
        for _ in range(3):
            async with pool.stream(b"GET", server.url, b"/") as response:
                assert [chunk async for chunk in response] == [b"streamed"]
        assert server.connections == 1
        with pytest.raises(RuntimeError, match="released"):
            await response.read()


async def test_a_body_already_received_need_not_be_read(pool: UpstreamPool) -> None:
    """Keep-alive depends on the body having arrived, not on the caller having consumed it."""
    async with Scripted(answer(ok(b"small"))) as server:
        for _ in range(3):
            response = await pool.request(b"GET", server.url, b"/")
            assert response.complete
            response.release()
        assert server.connections == 1


async def test_a_large_bytes_body_is_replayed_on_a_stale_connection(pool: UpstreamPool) -> None:
    bodies, handler = serve_then_drop()
    body = b"b" * 300_000
    async with Scripted(handler) as server:  # type: ignore[arg-type]
        assert await fetch(pool, server.url) == b"first"
        async with await pool.request(b"PUT", server.url, b"/", body=body) as response:
            assert await response.read() == b"fresh"
        assert bodies == [len(body)]
