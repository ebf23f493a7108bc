"""The keep-alive pool: one ``OriginPool`` per (scheme, host, port), with a cap on connections per
origin and a fair cap per ``share_key`` (one tenant cannot hold more than N of an origin's
connections), waiters served first come first served among those allowed to proceed."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import ssl
from collections import deque
from collections.abc import AsyncIterator, Hashable
from dataclasses import dataclass

from trunkline.upstream.connect import Connector, Proxy, default_ssl_context
from trunkline.upstream.connection import Connection
from trunkline.upstream.dns import Resolver
from trunkline.upstream.errors import ConnectionLost, PoolClosed, PoolTimeout, TotalTimeout
from trunkline.upstream.request import Body, Headers, Origin, Timeouts, build_head, framing
from trunkline.upstream.response import Response


@dataclass(slots=True)
class _Waiter:
    seq: int
    future: asyncio.Future[Connection | None]  # an idle connection, or None: open one
    key: Hashable


class OriginPool:
    """Connections to one origin. ``reserved`` counts open connections plus ones being opened;
    ``by_key`` counts connections in use per share key."""

    def __init__(
        self,
        origin: Origin,
        connector: Connector,
        limit: int,
        key_limit: int | None,
        idle_timeout: float,
    ) -> None:
        self.origin = origin
        self.connector = connector
        self.limit = limit
        self.key_limit = key_limit
        self.idle_timeout = idle_timeout
        self.closed = False
        self.conns: set[Connection] = set()
        self.idle: list[Connection] = []  # a stack: the most recently used goes out first
        self.reserved = 0
        self.by_key: dict[Hashable, int] = {}
        self.waiters: dict[Hashable, deque[_Waiter]] = {}
        self._seq = itertools.count()

    # -- taking and giving back -----------------------------------------------------------------

    async def acquire(self, key: Hashable, t: Timeouts, deadline: float | None) -> Connection:
        if self.closed:
            raise PoolClosed("the upstream pool is closed")
        if self._key_free(key):
            conn = self._pop_idle()
            if conn is not None:
                self._take(key)
                conn.share_key = key
                return conn
            if self.reserved < self.limit:
                self.reserved += 1
                self._take(key)
                return await self._open(key, t, deadline)
        granted = await self._wait(key, t, deadline)
        if granted is None:
            return await self._open(key, t, deadline)
        granted.share_key = key
        return granted

    def release(self, conn: Connection) -> None:
        """End the exchange; keep the connection if it is clean, else close it."""
        self._drop(conn.share_key)
        if conn.finish() and not self.closed:
            self.idle.append(conn)
        else:
            conn.abort()
            self._forget(conn)
        self._serve()

    def discard(self, conn: Connection) -> None:
        """The exchange failed: close the connection and free its slots."""
        conn.finish()
        conn.abort()
        self._drop(conn.share_key)
        self._forget(conn)
        self._serve()

    async def replace(self, conn: Connection, t: Timeouts, deadline: float | None) -> Connection:
        """Close a stale connection and open a fresh one in its slot (same share key)."""
        conn.finish()
        conn.abort()
        self.conns.discard(conn)
        conn.slot_held = False  # the slot passes to the new connection
        return await self._open(conn.share_key, t, deadline)

    def shut_down(self) -> list[Connection]:
        self.closed = True
        for queue in self.waiters.values():
            for waiter in queue:
                if not waiter.future.done():
                    waiter.future.set_exception(PoolClosed("the upstream pool is closed"))
        self.waiters.clear()
        conns = list(self.conns)
        for conn in conns:
            conn.shut_down(PoolClosed("the upstream pool was closed mid-exchange"))
        self.idle.clear()
        return conns

    # -- internals ------------------------------------------------------------------------------

    async def _open(self, key: Hashable, t: Timeouts, deadline: float | None) -> Connection:
        """Open a connection in a slot already reserved for ``key``."""
        try:
            conn = await self.connector.open(self.origin, t.connect, deadline, self._lost)
        except BaseException:
            self.reserved -= 1
            self._drop(key)
            self._serve()
            raise
        conn.slot_held = True
        conn.share_key = key
        self.conns.add(conn)
        if self.closed:
            self.discard(conn)
            raise PoolClosed("the upstream pool is closed")
        return conn

    async def _wait(self, key: Hashable, t: Timeouts, deadline: float | None) -> Connection | None:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Connection | None] = loop.create_future()
        self.waiters.setdefault(key, deque()).append(_Waiter(next(self._seq), future, key))
        limit = None if t.pool is None else loop.time() + t.pool
        by_deadline = deadline is not None and (limit is None or deadline < limit)
        try:
            async with asyncio.timeout_at(deadline if by_deadline else limit):
                return await future
        except TimeoutError as exc:
            self._give_back(future, key)
            if by_deadline:
                raise TotalTimeout(f"ran out of time waiting for {self.origin}") from exc
            raise PoolTimeout(
                f"no connection to {self.origin} came free within {t.pool:g}s"
            ) from exc
        except BaseException:
            self._give_back(future, key)
            raise

    def _give_back(self, future: asyncio.Future[Connection | None], key: Hashable) -> None:
        """A waiter left (timeout, cancellation): return what it was granted, if anything."""
        if not future.done():
            future.cancel()  # _next_waiter drops it
            return
        if future.cancelled() or future.exception() is not None:
            return
        conn = future.result()
        self._drop(key)
        if conn is None:
            self.reserved -= 1
        else:
            self.idle.append(conn)
        self._serve()

    def _serve(self) -> None:
        """Hand free connections and slots to the waiters allowed to proceed, oldest first."""
        while self.waiters:
            waiter = self._next_waiter()
            if waiter is None:
                return
            conn = self._pop_idle()
            if conn is None:
                if self.reserved >= self.limit:
                    return
                self.reserved += 1
            queue = self.waiters[waiter.key]
            queue.popleft()
            if not queue:
                del self.waiters[waiter.key]
            self._take(waiter.key)
            waiter.future.set_result(conn)

    def _next_waiter(self) -> _Waiter | None:
        best: _Waiter | None = None
        for key in list(self.waiters):
            queue = self.waiters[key]
            while queue and queue[0].future.done():
                queue.popleft()
            if not queue:
                del self.waiters[key]
            elif self._key_free(key) and (best is None or queue[0].seq < best.seq):
                best = queue[0]
        return best

    def _pop_idle(self) -> Connection | None:
        if not self.idle:
            return None
        oldest = asyncio.get_running_loop().time() - self.idle_timeout
        while self.idle:
            conn = self.idle.pop()
            if not conn.closed and conn.idle_since > oldest:
                return conn
            conn.close()
            self._forget(conn)
        return None

    def _lost(self, conn: Connection) -> None:
        # The slot frees at once; a share key stays counted until its response is released.
        if conn.slot_held:
            self._forget(conn)
            self._serve()

    def _forget(self, conn: Connection) -> None:
        if conn.slot_held:
            conn.slot_held = False
            self.reserved -= 1
            self.conns.discard(conn)
        with contextlib.suppress(ValueError):
            self.idle.remove(conn)

    def _key_free(self, key: Hashable) -> bool:
        return key is None or self.key_limit is None or self.by_key.get(key, 0) < self.key_limit

    def _take(self, key: Hashable) -> None:
        if key is not None:
            self.by_key[key] = self.by_key.get(key, 0) + 1

    def _drop(self, key: Hashable) -> None:
        if key is not None:
            left = self.by_key[key] - 1
            if left:
                self.by_key[key] = left
            else:
                del self.by_key[key]


class UpstreamPool:
    """HTTP/1.1 client with keep-alive pools per origin. One per process (or per event loop).

    ``max_per_origin`` caps the connections to one origin; ``max_per_key`` caps how many of them
    a single ``share_key`` (e.g. a credential id) may use at once; requests without a share key
    are capped only per origin. ``ssl_context`` defaults to the
    system trust store with hostname checks. ``proxy`` is an ``http://[user:pass@]host:port``
    outbound proxy (absolute-form requests for http, a CONNECT tunnel for https). Idle
    connections older than ``idle_timeout`` seconds are not reused. A request that fails on a
    reused connection before any response byte arrived is retried once on a new connection when
    its body is ``None`` or bytes (``retry_stale``); a streamed body is never retried.
    """

    def __init__(
        self,
        *,
        timeouts: Timeouts | None = None,
        max_per_origin: int = 100,
        max_per_key: int | None = None,
        ssl_context: ssl.SSLContext | None = None,
        proxy: str | None = None,
        dns_ttl: float = 60.0,
        idle_timeout: float = 30.0,
        retry_stale: bool = True,
    ) -> None:
        if max_per_origin < 1 or (max_per_key is not None and max_per_key < 1):
            raise ValueError("connection limits must be at least 1")
        self.timeouts = timeouts or Timeouts()
        self.max_per_origin = max_per_origin
        self.max_per_key = max_per_key
        self.idle_timeout = idle_timeout
        self.retry_stale = retry_stale
        self.proxy = Proxy.parse(proxy) if proxy else None
        self.resolver = Resolver(ttl=dns_ttl)
        self.connector = Connector(ssl_context or default_ssl_context(), self.proxy, self.resolver)
        self.closed = False
        self._origins: dict[str, Origin] = {}
        self._pools: dict[Origin, OriginPool] = {}

    async def request(
        self,
        method: bytes,
        origin: Origin | str,
        target: bytes,
        headers: Headers = (),
        body: Body = None,
        *,
        content_length: int | None = None,
        share_key: Hashable = None,
        timeouts: Timeouts | None = None,
    ) -> Response:
        """Send ``method target`` to ``origin``; return once the response head is in.

        ``target`` is the raw request target (``b"/v1/calls?page=2"``). ``headers`` are sent in
        order, byte for byte; Host is added unless given; Content-Length, Transfer-Encoding,
        Connection, Keep-Alive, Proxy-Connection, Upgrade, TE and Expect are the client's to set
        and are dropped. ``body`` is None, bytes, or an async iterable of bytes (sent chunked,
        or with ``content_length`` when that is known). Release the response when done.
        """
        if self.closed:
            raise PoolClosed("the upstream pool is closed")
        where = origin if isinstance(origin, Origin) else self._origin(origin)
        t = timeouts or self.timeouts
        deadline = None if t.total is None else asyncio.get_running_loop().time() + t.total
        head = self._head(method, where, target, headers, body, content_length)
        pool = self._pools.get(where) or self._pool(where)
        skip_body = method == b"HEAD"
        conn = await pool.acquire(share_key, t, deadline)
        try:
            await conn.exchange(head, body, content_length, t.read, deadline, skip_body)
        except ConnectionLost as exc:
            replayable = body is None or isinstance(body, bytes)
            if not (self.retry_stale and replayable and conn.uses and exc.before_response):
                pool.discard(conn)
                raise
            conn = await pool.replace(conn, t, deadline)
            try:
                await conn.exchange(head, body, content_length, t.read, deadline, skip_body)
            except BaseException:
                pool.discard(conn)
                raise
        except BaseException:
            pool.discard(conn)
            raise
        return Response(conn, pool.release)

    @contextlib.asynccontextmanager
    async def stream(
        self,
        method: bytes,
        origin: Origin | str,
        target: bytes,
        headers: Headers = (),
        body: Body = None,
        *,
        content_length: int | None = None,
        share_key: Hashable = None,
        timeouts: Timeouts | None = None,
    ) -> AsyncIterator[Response]:
        """``request()`` as an async context manager that releases the response on exit."""
        response = await self.request(
            method,
            origin,
            target,
            headers,
            body,
            content_length=content_length,
            share_key=share_key,
            timeouts=timeouts,
        )
        try:
            yield response
        finally:
            response.release()

    async def close(self, timeout: float = 5.0) -> None:
        """Fail waiters and in-flight exchanges with ``PoolClosed``, close every connection and
        wait (up to ``timeout``) until they are gone."""
        if self.closed:
            return
        self.closed = True
        conns: list[Connection] = []
        for pool in self._pools.values():
            conns += pool.shut_down()
        pending = [conn.lost for conn in conns if not conn.lost.done()]
        if pending:
            await asyncio.wait(pending, timeout=timeout)

    def stats(self) -> dict[str, dict[str, int]]:
        """Per origin: open connections, idle ones, waiters."""
        return {
            str(origin): {
                "open": len(pool.conns),
                "idle": len(pool.idle),
                "waiting": sum(len(q) for q in pool.waiters.values()),
            }
            for origin, pool in self._pools.items()
        }

    async def __aenter__(self) -> UpstreamPool:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    def _origin(self, url: str) -> Origin:
        found = self._origins.get(url)
        if found is None:
            found = Origin.parse(url)
            if len(self._origins) < 4096:
                self._origins[url] = found
        return found

    def _pool(self, origin: Origin) -> OriginPool:
        pool = OriginPool(
            origin, self.connector, self.max_per_origin, self.max_per_key, self.idle_timeout
        )
        self._pools[origin] = pool
        return pool

    def _head(
        self,
        method: bytes,
        origin: Origin,
        target: bytes,
        headers: Headers,
        body: Body,
        content_length: int | None,
    ) -> bytes:
        line = framing(method, body, content_length)
        proxy = self.proxy
        if proxy is not None and not origin.tls:
            # Plain http through a proxy: absolute-form target, credentials per request.
            target = b"http://" + origin.authority + target
            if proxy.authorization:
                headers = [*headers, (b"Proxy-Authorization", proxy.authorization)]
        return build_head(method, target, origin.authority, headers, line)
