"""Provider-aware throttling: queue a request until the provider's documented limit allows it,
instead of letting the provider bounce it with a 429. Past ``max_wait`` the gateway answers 429
itself, with ``Retry-After``.

In-process token buckets keyed by connection; with Redis configured the same windows are shared
by every replica (see :class:`RedisThrottle`).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from typing import Any, Protocol

from trunkline.catalogue import RateLimit
from trunkline.errors import Throttled


class Throttle(Protocol):
    async def acquire(self, key: str, limits: Sequence[RateLimit]) -> None: ...


class _Bucket:
    __slots__ = ("capacity", "rate", "stamp", "tokens")

    def __init__(self, limit: RateLimit) -> None:
        self.capacity = float(limit.requests)
        self.rate = limit.requests / limit.per_seconds
        self.tokens = self.capacity
        self.stamp = time.monotonic()

    def reserve(self) -> float:
        """Take a token now or later; returns how long the caller must wait for it."""
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        self.tokens -= 1
        return 0.0 if self.tokens >= 0 else -self.tokens / self.rate

    def refund(self) -> None:
        self.tokens += 1


class LocalThrottle:
    def __init__(self, max_wait: float) -> None:
        self.max_wait = max_wait
        self._buckets: dict[tuple[str, int], _Bucket] = {}

    async def acquire(self, key: str, limits: Sequence[RateLimit]) -> None:
        if not limits:
            return
        buckets = [self._bucket(key, i, limit) for i, limit in enumerate(limits)]
        waits = [bucket.reserve() for bucket in buckets]
        wait = max(waits)
        if wait > self.max_wait:
            for bucket in buckets:
                bucket.refund()
            raise Throttled(
                "this connection is at its provider's rate limit; retry later",
                retry_after=wait,
            )
        if wait > 0:
            await asyncio.sleep(wait)

    def _bucket(self, key: str, index: int, limit: RateLimit) -> _Bucket:
        bucket = self._buckets.get((key, index))
        if bucket is None:
            bucket = self._buckets[(key, index)] = _Bucket(limit)
        return bucket


# One atomic step over every bucket of a key: refill by elapsed time, then take a token from each
# (allowing debt, which is the caller's wait) unless the longest wait exceeds max_wait, in which
# case nothing is taken. Redis's own clock keeps replicas consistent.
_TAKE = """
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) + tonumber(now_parts[2]) / 1e6
local max_wait = tonumber(ARGV[1])
local worst = 0
local state = {}
for i, key in ipairs(KEYS) do
  local capacity = tonumber(ARGV[2 * i])
  local rate = tonumber(ARGV[2 * i + 1])
  local stored = redis.call('HMGET', key, 'tokens', 'stamp')
  local tokens = tonumber(stored[1]) or capacity
  local stamp = tonumber(stored[2]) or now
  tokens = math.min(capacity, tokens + math.max(0, now - stamp) * rate) - 1
  local wait = 0
  if tokens < 0 then wait = -tokens / rate end
  if wait > worst then worst = wait end
  state[i] = {tokens, math.ceil(capacity / rate) + 60}
end
if worst <= max_wait then
  for i, key in ipairs(KEYS) do
    redis.call('HSET', key, 'tokens', state[i][1], 'stamp', now)
    redis.call('EXPIRE', key, state[i][2])
  end
end
return tostring(worst)
"""


class RedisThrottle:
    """The same buckets, shared by every replica through Redis (``TRUNKLINE_REDIS_URL``)."""

    def __init__(self, redis: Any, max_wait: float) -> None:
        self.redis = redis
        self.max_wait = max_wait
        self._take = redis.register_script(_TAKE)

    async def acquire(self, key: str, limits: Sequence[RateLimit]) -> None:
        if not limits:
            return
        keys = [f"trunkline:throttle:{key}:{i}" for i in range(len(limits))]
        args: list[float] = [self.max_wait]
        for limit in limits:
            args += [float(limit.requests), limit.requests / limit.per_seconds]
        wait = float(await self._take(keys=keys, args=args))
        if wait > self.max_wait:
            raise Throttled(
                "this connection is at its provider's rate limit; retry later", retry_after=wait
            )
        if wait > 0:
            await asyncio.sleep(wait)
