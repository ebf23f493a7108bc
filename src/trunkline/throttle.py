"""Provider-aware throttling: queue a request until the provider's documented limit allows it,
instead of letting the provider bounce it with a 429. Past ``max_wait`` the gateway answers 429
itself, with ``Retry-After``.

Limits are "N requests per window" (Quo 10/s, CallRail 1,000/hour and 10,000/day), enforced as
sliding windows like the providers do: a request may start once fewer than N requests started in
the window before it. A request that must wait reserves its future start time, so waiters are
served in order. A small margin absorbs the network delay between us and the provider's clock.

``LocalThrottle`` keeps the windows in this process (with N workers and no Redis, each keeps 1/N
of every limit); ``RedisThrottle`` shares them between
replicas (``TRUNKLINE_REDIS_URL``). When Redis cannot be reached, ``RedisThrottle`` falls back to
its own in-process windows (each replica then enforces the limits alone), logs one warning per
outage, tries Redis again every ``REDIS_RETRY`` seconds, and says so when it is back.
"""

from __future__ import annotations

import asyncio
import bisect
import hashlib
import logging
import time
from collections import deque
from collections.abc import Sequence
from typing import Any, Protocol

import orjson
from redis.exceptions import RedisError

from trunkline.catalogue import Provider, RateLimit
from trunkline.errors import Throttled

log = logging.getLogger("trunkline")
REDIS_RETRY = 2.0  # seconds between tries of a Redis that failed, meanwhile in-process limits


def margin(limit: RateLimit) -> float:
    return min(0.05, limit.per_seconds * 0.05)


class ThrottleStats:
    """Per process, read by the metrics collector."""

    __slots__ = ("queued", "rejected", "wait_seconds", "waits")

    def __init__(self) -> None:
        self.waits = 0
        self.wait_seconds = 0.0
        self.rejected = 0
        self.queued = 0  # requests sleeping for their turn right now

    async def sleep(self, wait: float) -> None:
        self.waits += 1
        self.wait_seconds += wait
        self.queued += 1
        try:
            await asyncio.sleep(wait)
        finally:
            self.queued -= 1


class Throttle(Protocol):
    stats: ThrottleStats

    async def acquire(self, key: str, limits: Sequence[RateLimit]) -> None: ...


class _Window:
    __slots__ = ("limit", "span", "starts")

    def __init__(self, limit: RateLimit, share: int = 1) -> None:
        # ``share`` processes enforce the same limit apart: each may use 1/share of it.
        self.limit = max(1, limit.requests // share)
        self.span = limit.per_seconds + margin(limit)
        self.starts: deque[float] = deque()

    def earliest(self, now: float) -> float:
        while self.starts and self.starts[0] <= now - self.span:
            self.starts.popleft()
        if len(self.starts) < self.limit:
            return now
        return max(now, self.starts[-self.limit] + self.span)

    def reserve(self, start: float) -> None:
        if not self.starts or start >= self.starts[-1]:
            self.starts.append(start)
        else:
            bisect.insort(self.starts, start)


class LocalThrottle:
    def __init__(self, max_wait: float, share: int = 1) -> None:
        """``share``: how many worker processes enforce the same limits without Redis; each
        keeps 1/share of every limit, so together they never exceed it."""
        self.max_wait = max_wait
        self.stats = ThrottleStats()
        self.share = share
        self._windows: dict[tuple[str, int], _Window] = {}

    async def acquire(self, key: str, limits: Sequence[RateLimit]) -> None:
        if not limits:
            return
        windows = [self._window(key, i, limit) for i, limit in enumerate(limits)]
        now = time.monotonic()
        start = max(window.earliest(now) for window in windows)
        wait = start - now
        if wait > self.max_wait:
            self.stats.rejected += 1
            raise Throttled(
                "this connection is at its provider's rate limit; retry later", retry_after=wait
            )
        for window in windows:
            window.reserve(start)
        if wait > 0:
            await self.stats.sleep(wait)

    def _window(self, key: str, index: int, limit: RateLimit) -> _Window:
        window = self._windows.get((key, index))
        if window is None:
            window = self._windows[(key, index)] = _Window(limit, self.share)
        return window


# The same sliding windows in Redis, one sorted set of start times per window, updated in one
# atomic script on Redis's own clock (so replicas agree on time).
_TAKE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1e6
local max_wait = tonumber(ARGV[1])
local start = now
for i, key in ipairs(KEYS) do
  local limit = tonumber(ARGV[2 * i])
  local span = tonumber(ARGV[2 * i + 1])
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - span)
  if redis.call('ZCARD', key) >= limit then
    local nth = redis.call('ZRANGE', key, -limit, -limit, 'WITHSCORES')
    local candidate = tonumber(nth[2]) + span
    if candidate > start then start = candidate end
  end
end
local wait = start - now
if wait <= max_wait then
  local member = string.format('%.6f', start) .. ':' .. ARGV[#ARGV]
  for i, key in ipairs(KEYS) do
    redis.call('ZADD', key, start, member)
    redis.call('EXPIRE', key, math.ceil(tonumber(ARGV[2 * i + 1]) + max_wait) + 1)
  end
end
return tostring(wait)
"""


class RedisThrottle:
    def __init__(self, redis: Any, max_wait: float, share: int = 1) -> None:
        self.redis = redis
        self.max_wait = max_wait
        self.stats = ThrottleStats()
        self._take = redis.register_script(_TAKE)
        self._counter = 0
        self.fallback = LocalThrottle(max_wait, share)  # while Redis is unreachable
        self.fallback.stats = self.stats
        self._retry_at = 0.0  # monotonic time before which Redis is not tried again
        self.outage = False

    async def acquire(self, key: str, limits: Sequence[RateLimit]) -> None:
        if not limits:
            return
        if self.outage and time.monotonic() < self._retry_at:
            await self.fallback.acquire(key, limits)
            return
        try:
            await self._shared(key, limits)
        except (RedisError, OSError) as exc:
            self._down(exc)
            await self.fallback.acquire(key, limits)
            return
        if self.outage:
            self.outage = False
            log.warning("Redis is reachable again: provider rate limits are shared again")

    def _down(self, exc: Exception) -> None:
        self._retry_at = time.monotonic() + REDIS_RETRY
        if not self.outage:
            self.outage = True
            log.warning(
                "Redis unreachable: provider rate limits are enforced per replica until it is "
                "back (with N replicas a provider may see up to N times its limit)",
                extra={"fields": {"why": type(exc).__name__}},
            )

    async def _shared(self, key: str, limits: Sequence[RateLimit]) -> None:
        keys = [f"trunkline:throttle:{key}:{i}" for i in range(len(limits))]
        args: list[Any] = [self.max_wait]
        for limit in limits:
            args += [limit.requests, limit.per_seconds + margin(limit)]
        self._counter += 1
        args.append(f"{id(self)}-{self._counter}")  # makes each reservation a distinct member
        wait = float(await self._take(keys=keys, args=args))
        if wait > self.max_wait:
            self.stats.rejected += 1
            raise Throttled(
                "this connection is at its provider's rate limit; retry later", retry_after=wait
            )
        if wait > 0:
            await self.stats.sleep(wait)


def throttle_key(conn_id: str, provider: Provider, credentials: dict[str, str]) -> str:
    """Provider limits count per credential (five connections holding one Quo key share Quo's
    10/s) unless the catalogue scopes them per connection. OAuth2 grants are per connection."""
    if provider.method == "OAUTH2" or any(lim.scope == "connection" for lim in provider.limits):
        return conn_id
    fingerprint = orjson.dumps(credentials, option=orjson.OPT_SORT_KEYS)
    return f"{provider.slug}:{hashlib.sha256(fingerprint).hexdigest()[:32]}"
