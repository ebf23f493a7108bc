"""Wake-ups for long-polls and streams when an event lands, on this replica or any other.

In-process waiters are woken directly. Across replicas: PostgreSQL ``LISTEN/NOTIFY`` (the insert's
transaction sends ``pg_notify``), or Redis pub/sub when ``TRUNKLINE_REDIS_URL`` is set. SQLite is
single-node: the in-process wake-up is all there is. A waiter that is woken re-reads the store,
so a lost or duplicate notification costs at most one query; every waiter also re-checks on its
own every ``recheck`` seconds, which bounds the delay even if a notification is lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

log = logging.getLogger("trunkline.events")
CHANNEL = "trunkline_events"


class Notifier:
    """``publish()`` after an event is stored; ``wait(key, timeout)`` until one may have been."""

    def __init__(self, recheck: float = 0.5) -> None:
        self.recheck = recheck
        self._version = 0
        self._changed = asyncio.Event()
        self._closers: list[Any] = []

    def wake(self) -> None:
        """Something changed: let every waiter re-read."""
        self._version += 1
        self._changed.set()
        self._changed = asyncio.Event()

    async def wait(self, timeout: float) -> None:
        """Return when woken, or after ``min(timeout, recheck)`` seconds."""
        changed = self._changed
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(changed.wait(), timeout=max(0.0, min(timeout, self.recheck)))

    async def publish(self) -> None:
        """Called after the transaction that stored an event committed."""
        self.wake()
        for publisher in self._publishers():
            with contextlib.suppress(Exception):
                await publisher()

    def _publishers(self) -> list[Any]:
        return []

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        for close in reversed(self._closers):
            with contextlib.suppress(Exception):
                await close()
        self._closers.clear()


class PostgresNotifier(Notifier):
    """LISTEN on one dedicated asyncpg connection; the store's insert sends the NOTIFY."""

    def __init__(self, dsn: str, recheck: float = 0.5) -> None:
        super().__init__(recheck)
        self.dsn = dsn

    async def start(self) -> None:
        import asyncpg

        try:
            conn = await asyncpg.connect(self.dsn, timeout=10)
        except (OSError, asyncpg.PostgresError) as exc:
            log.warning("events: cannot LISTEN (%s); relying on re-checks", type(exc).__name__)
            return
        await conn.add_listener(CHANNEL, lambda *_: self.wake())
        self._closers.append(conn.close)


class RedisNotifier(Notifier):
    """Redis pub/sub: every replica subscribes; ``publish`` tells all of them."""

    def __init__(self, redis: Any, recheck: float = 0.5) -> None:
        super().__init__(recheck)
        self.redis = redis
        self._task: asyncio.Task[None] | None = None

    def _publishers(self) -> list[Any]:
        return [lambda: self.redis.publish(CHANNEL, b"1")]

    async def start(self) -> None:
        pubsub = self.redis.pubsub()
        self._task = asyncio.create_task(self._listen(pubsub))

        async def close() -> None:
            if self._task is not None:
                self._task.cancel()
                with contextlib.suppress(BaseException):
                    await self._task
            await pubsub.aclose()

        self._closers.append(close)

    async def _listen(self, pubsub: Any) -> None:
        # Subscribes (again after an outage); while Redis is down, re-checks bound the delay.
        while True:
            try:
                if not pubsub.subscribed:
                    await pubsub.subscribe(CHANNEL)
                message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
            except asyncio.CancelledError:
                raise
            except Exception:
                await asyncio.sleep(1.0)
                continue
            if message is not None:
                self.wake()
