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
from typing import Protocol

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
