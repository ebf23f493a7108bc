"""Upstream back-pressure and safe retries.

A provider's 429 or 503 with ``Retry-After`` pauses that credential (its throttle key) for the
announced time, bounded: meanwhile its requests queue here (up to the throttle wait) or get 429
here, instead of hammering the provider. Pauses are per process.

Retries: idempotent methods are retried with full jitter on connect errors, 429, 502, 503 and
504, within a time budget; POST and PATCH only when idempotency-keyed and the request bytes
never left (a connect error), since anything else may have been acted on.
"""

from __future__ import annotations

import asyncio
import random
import time
from email.utils import parsedate_to_datetime

import aiohttp

from trunkline.errors import Throttled
from trunkline.upstream.errors import ConnectError, ConnectTimeout, PoolTimeout

IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
RETRY_STATUSES = frozenset({429, 502, 503, 504})
PAUSE_STATUSES = frozenset({429, 503})
BASE_DELAY = 0.1
MAX_DELAY = 2.0


class Pauses:
    def __init__(self, max_pause: float, max_wait: float) -> None:
        self.max_pause = max_pause
        self.max_wait = max_wait
        self._until: dict[str, float] = {}
        self.queued = 0  # requests sleeping on a pause right now
        self.waits = 0
        self.rejected = 0

    def pause(self, key: str, seconds: float) -> float:
        """Hold ``key`` for ``seconds`` (bounded); returns the pause applied."""
        seconds = min(max(seconds, 0.0), self.max_pause)
        if seconds > 0:
            until = time.monotonic() + seconds
            self._until[key] = max(until, self._until.get(key, 0.0))
        return seconds

    def left(self, key: str) -> float:
        until = self._until.get(key)
        if until is None:
            return 0.0
        left = until - time.monotonic()
        if left <= 0:
            del self._until[key]
            return 0.0
        return left

    async def wait(self, key: str) -> None:
        if not self._until:  # the common case: nothing paused anywhere
            return
        left = self.left(key)
        if left <= 0:
            return
        if left > self.max_wait:
            self.rejected += 1
            raise Throttled(
                "the provider asked for a pause on this credential; retry later",
                retry_after=left,
            )
        self.waits += 1
        self.queued += 1
        try:
            await asyncio.sleep(left)
        finally:
            self.queued -= 1


def retry_after(headers: list[tuple[bytes, bytes]]) -> float | None:
    """``Retry-After`` in seconds: delta-seconds or an HTTP date; None when absent or bad."""
    for name, value in headers:
        if name != b"retry-after":
            continue
        text = value.decode("latin-1").strip()
        if text.isdigit():
            return float(text)
        try:
            return parsedate_to_datetime(text).timestamp() - time.time()
        except (TypeError, ValueError, IndexError):
            return None
    return None


def never_sent(exc: BaseException) -> bool:
    """True when the request cannot have reached the provider: no connection was made."""
    return isinstance(
        exc,
        ConnectError
        | ConnectTimeout
        | PoolTimeout
        | aiohttp.ClientConnectorError
        | ConnectionRefusedError,
    )


def jitter(attempt: int) -> float:
    """Full jitter: anywhere from 0 to an exponentially growing cap."""
    return random.uniform(0, min(MAX_DELAY, BASE_DELAY * 2**attempt))
