"""The sandbox clock: things that happen a little later (a message gets delivered, a call ends).

``speed`` shortens every delay (``speed=10`` makes a 2 s step take 0.2 s), so tests and demos do
not wait on real-world timings. ``advance()`` runs everything pending at once, in due order.
"""

from __future__ import annotations

import asyncio
import heapq
import inspect
import itertools
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

Step = Callable[[], Awaitable[None] | None]


def utcnow() -> datetime:
    return datetime.now(UTC)


class Scheduler:
    def __init__(self, speed: float = 1.0) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        self.speed = speed
        self._queue: list[tuple[float, int, Step]] = []
        self._counter = itertools.count()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def later(self, delay_s: float, step: Step) -> None:
        """Run ``step`` after ``delay_s`` real-world seconds (divided by ``speed``)."""
        due = time.monotonic() + max(0.0, delay_s) / self.speed
        heapq.heappush(self._queue, (due, next(self._counter), step))
        self._wake.set()

    @property
    def pending(self) -> int:
        return len(self._queue)

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="sandbox-clock")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None

    async def advance(self) -> int:
        """Run every pending step now (including steps those steps schedule). Returns the count."""
        ran = 0
        while self._queue and ran < 10_000:
            _, _, step = heapq.heappop(self._queue)
            await _call(step)
            ran += 1
        return ran

    async def _run(self) -> None:
        while True:
            self._wake.clear()
            now = time.monotonic()
            while self._queue and self._queue[0][0] <= now:
                _, _, step = heapq.heappop(self._queue)
                await _call(step)
            timeout = self._queue[0][0] - time.monotonic() if self._queue else None
            try:
                await asyncio.wait_for(self._wake.wait(), timeout)
            except TimeoutError:
                pass


async def _call(step: Step) -> None:
    result = step()
    if inspect.isawaitable(result):
        await result
