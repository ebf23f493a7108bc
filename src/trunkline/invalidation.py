"""Cache invalidation across replicas through Redis pub/sub.

Every replica caches key and connection lookups for ``TRUNKLINE_CACHE_TTL`` seconds. A change
made on one replica (a deleted connection) or by the CLI (a revoked key) is published here, and
every replica drops what it cached at once, instead of after the TTL. Without Redis there is one
replica (or the TTL bounds the delay).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

log = logging.getLogger("trunkline")
CHANNEL = "trunkline:invalidate"
Handler = Callable[[str], None]


class Invalidation:
    def __init__(self, redis: Any) -> None:
        self.redis = redis
        self.handlers: dict[str, list[Handler]] = {}
        self._task: asyncio.Task[None] | None = None
        self._sends: set[asyncio.Task[Any]] = set()

    def on(self, kind: str, handler: Handler) -> None:
        self.handlers.setdefault(kind, []).append(handler)

    def publish_soon(self, kind: str, value: str) -> None:
        """From synchronous code (a change hook): publish without waiting."""
        task = asyncio.get_running_loop().create_task(self.publish(kind, value))
        self._sends.add(task)
        task.add_done_callback(self._sends.discard)

    async def publish(self, kind: str, value: str) -> None:
        try:
            await self.redis.publish(CHANNEL, f"{kind}:{value}".encode())
        except Exception as exc:  # Redis down: the TTL still bounds how stale caches get
            log.warning("cache invalidation not published", extra={"fields": {"why": str(exc)}})

    async def start(self) -> None:
        self._task = asyncio.create_task(self._listen(self.redis.pubsub()))

    async def _listen(self, pubsub: Any) -> None:
        """Subscribe (again, after an outage: redis-py re-subscribes on reconnect) and hand
        each message to its handlers. While Redis is down, the cache TTL bounds staleness."""
        failing = False
        try:
            while True:
                try:
                    if not pubsub.subscribed:
                        await pubsub.subscribe(CHANNEL)
                    message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
                except asyncio.CancelledError:
                    raise
                except Exception as exc:
                    if not failing:
                        log.warning(
                            "cache invalidation unavailable until Redis is back",
                            extra={"fields": {"why": type(exc).__name__}},
                        )
                    failing = True
                    await asyncio.sleep(1.0)
                    continue
                failing = False
                if message is None:
                    continue
                kind, _, value = bytes(message["data"]).decode().partition(":")
                for handler in self.handlers.get(kind, []):
                    handler(value)
        finally:
            with contextlib.suppress(Exception):
                await pubsub.aclose()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(BaseException):
                await self._task
