"""The event inbox: the only writer of the ``events`` table.

Every verified provider delivery becomes one event (retries of one delivery are one event: the
provider's delivery identity is unique per connection). Events are read oldest first by an opaque
cursor; a read can wait (long-poll) until at least one event arrives, and a stream follows the
inbox as it grows. Account and mode isolation as everywhere: a key sees the events of its own
account's connections of its own mode.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, or_, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from trunkline.accounts import Caller
from trunkline.errors import InvalidRequest, NotFound, StoreUnavailable
from trunkline.events.notify import CHANNEL, Notifier
from trunkline.store import Event
from trunkline.timeutil import now, rfc3339

log = logging.getLogger("trunkline.events")
MAX_WAIT = 60.0
MAX_LIMIT = 500
Listener = Callable[[Event], Awaitable[object]]
_ID_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"


def new_event_id() -> str:
    """``evt_`` + 26 characters; time-ordered so ids sort roughly like the inbox."""
    stamp = int(time.time() * 1000)
    head = ""
    while stamp:
        stamp, digit = divmod(stamp, 36)
        head = _ID_ALPHABET[digit] + head
    return "evt_" + head.rjust(10, "0") + "".join(secrets.choice(_ID_ALPHABET) for _ in range(16))


@dataclass(frozen=True)
class Source:
    """Where a delivery came from: the connection its ingress URL belongs to."""

    account_id: str
    connection_id: str
    mode: str
    app: str


@dataclass(frozen=True)
class Filters:
    app: str | None = None
    types: tuple[str, ...] = ()
    connection_id: str | None = None

    @classmethod
    def parse(cls, app: str | None, type_: str | None, connection_id: str | None) -> Filters:
        for value in (app, connection_id):
            if value and ("\x00" in value or len(value) > 100):
                raise InvalidRequest("app and connection_id must be plain identifiers")
        types = tuple(t.strip() for t in (type_ or "").split(",") if t.strip())
        for pattern in types:
            if len(pattern) > 80 or not _pattern_ok(pattern):
                raise InvalidRequest(
                    f"type {pattern[:80]!r} is not an event type or a pattern like 'message.*'"
                )
        return cls(app or None, types, connection_id or None)


def _pattern_ok(pattern: str) -> bool:
    body = pattern[:-2] if pattern.endswith(".*") else pattern
    return pattern == "*" or all(
        part and part.replace("_", "").isalnum() for part in body.split(".")
    )


def type_matches(patterns: tuple[str, ...] | list[str], event_type: str) -> bool:
    for pattern in patterns:
        if pattern in ("*", event_type):
            return True
        if pattern.endswith(".*") and event_type.startswith(pattern[:-1]):
            return True
    return not patterns


def encode_cursor(seq: int) -> str:
    return f"cur_{seq}"


def decode_cursor(cursor: str | None) -> int:
    if not cursor:
        return 0
    digits = cursor.removeprefix("cur_")
    if not digits.isdigit() or len(digits) > 18:
        raise InvalidRequest("after must be a next_cursor this API returned")
    return int(digits)


class EventService:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        notifier: Notifier,
        *,
        dialect: str,
        retention_days: float,
    ) -> None:
        self.sessions = sessions
        self.notifier = notifier
        self.dialect = dialect
        self.retention_days = retention_days
        self._listeners: list[Listener] = []
        # SQLite has one writer at a time and makes the others sleep-and-retry (milliseconds
        # each): queue this process's inserts instead. PostgreSQL takes them concurrently.
        self._write_lock = asyncio.Lock() if dialect == "sqlite" else None

    def on_event(self, listener: Listener) -> None:
        """Called with each newly stored event (not with duplicates), after it committed."""
        self._listeners.append(listener)

    # -- writing ---------------------------------------------------------------------------

    async def record(
        self,
        source: Source,
        *,
        type_: str,
        dedupe_key: str,
        occurred_at: datetime | None,
        data: dict[str, Any],
        raw: Any,
    ) -> tuple[Event, bool]:
        """Store one delivery; returns the event and whether it is new. Durable on return."""
        stamp = now()
        row = Event(
            id=new_event_id(),
            account_id=source.account_id,
            connection_id=source.connection_id,
            mode=source.mode,
            app=source.app,
            type=type_,
            dedupe_key=dedupe_key[:200],
            occurred_at=occurred_at or stamp,
            received_at=stamp,
            data=data,
            raw=raw,
        )
        try:
            async with contextlib.AsyncExitStack() as stack:
                if self._write_lock is not None:
                    await stack.enter_async_context(self._write_lock)
                db = await stack.enter_async_context(self.sessions())
                async with db.begin():
                    db.add(row)
                    await db.flush()
                    if self.dialect == "postgresql":
                        await db.execute(text("SELECT pg_notify(:c, '')"), {"c": CHANNEL})
        except IntegrityError:
            existing = await self._by_dedupe(source.connection_id, dedupe_key[:200])
            if existing is None:
                raise
            return existing, False
        await self.notifier.publish()
        for listener in self._listeners:
            try:
                await listener(row)
            except Exception:
                log.exception("event listener failed", extra={"fields": {"event": row.id}})
        return row, True

    async def _by_dedupe(self, connection_id: str, key: str) -> Event | None:
        async with self.sessions() as db:
            query = select(Event).where(
                Event.connection_id == connection_id, Event.dedupe_key == key
            )
            return (await db.execute(query)).scalar_one_or_none()

    async def purge(self, older_than: timedelta | None = None) -> int:
        """Retention: drop events received before the window."""
        cutoff = now() - (older_than or timedelta(days=self.retention_days))
        async with self.sessions() as db, db.begin():
            result = await db.execute(delete(Event).where(Event.received_at < cutoff))
        return int(getattr(result, "rowcount", 0) or 0)

    async def run_retention(self, every: float = 3600.0) -> None:
        """The background task: purge now, then every ``every`` seconds."""
        while True:
            try:
                purged = await self.purge()
                if purged:
                    log.info("events purged", extra={"fields": {"count": purged}})
            except StoreUnavailable as exc:  # a restart or failover: the next round purges
                log.warning("event retention: %s", exc)
            except Exception:
                log.exception("event retention failed")
            await asyncio.sleep(every)

    # -- reading ---------------------------------------------------------------------------

    async def page(
        self, caller: Caller, filters: Filters, after: str | None, limit: int
    ) -> tuple[list[Event], str]:
        start = decode_cursor(after)
        query = select(Event).where(
            Event.account_id == caller.account_id,
            Event.mode == caller.mode.value,
            Event.seq > start,
        )
        if filters.app:
            query = query.where(Event.app == filters.app)
        if filters.connection_id:
            query = query.where(Event.connection_id == filters.connection_id.lower())
        if filters.types and "*" not in filters.types:
            exact = [t for t in filters.types if not t.endswith(".*")]
            prefixes = [t[:-1] for t in filters.types if t.endswith(".*")]
            query = query.where(
                or_(Event.type.in_(exact), *(Event.type.startswith(p) for p in prefixes))
            )
        query = query.order_by(Event.seq).limit(max(1, min(limit, MAX_LIMIT)))
        async with self.sessions() as db:
            rows = list((await db.execute(query)).scalars())
        cursor = encode_cursor(rows[-1].seq if rows else start)
        return rows, cursor

    async def wait_page(
        self, caller: Caller, filters: Filters, after: str | None, limit: int, wait: float
    ) -> tuple[list[Event], str]:
        """Like ``page``; with ``wait`` > 0, hold until at least one event or the time is up."""
        deadline = time.monotonic() + max(0.0, min(wait, MAX_WAIT))
        while True:
            rows, cursor = await self.page(caller, filters, after, limit)
            remaining = deadline - time.monotonic()
            if rows or remaining <= 0:
                return rows, cursor
            await self.notifier.wait(remaining)

    async def follow(
        self, caller: Caller, filters: Filters, after: str | None
    ) -> AsyncIterator[Event]:
        """Every event after ``after``, then each new one as it lands, for as long as the
        caller keeps reading."""
        cursor = after
        while True:
            rows, cursor = await self.wait_page(caller, filters, cursor, 100, 15.0)
            for row in rows:
                yield row
            if not rows:
                yield _HEARTBEAT

    async def get(self, caller: Caller, event_id: str) -> Event:
        async with self.sessions() as db:
            query = select(Event).where(Event.id == event_id[:40])
            row = (await db.execute(query)).scalar_one_or_none()
        if row is None or row.account_id != caller.account_id or row.mode != caller.mode.value:
            raise NotFound(f"event {event_id[:64]} not found", code="event_not_found")
        return row


# A sentinel the stream turns into a keep-alive comment.
_HEARTBEAT = Event(id="", seq=-1)


def is_heartbeat(event: Event) -> bool:
    return event is _HEARTBEAT


def envelope(event: Event) -> dict[str, Any]:
    """The event as the API, the stream and forwarding show it."""
    return {
        "id": event.id,
        "app": event.app,
        "connection_id": event.connection_id,
        "mode": event.mode,
        "type": event.type,
        "occurred_at": rfc3339(event.occurred_at),
        "received_at": rfc3339(event.received_at),
        "data": event.data,
        "raw": event.raw,
    }
