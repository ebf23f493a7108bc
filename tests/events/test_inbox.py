"""The inbox's rules in-process, on SQLite and PostgreSQL: one event per delivery, cursors that
walk every event once, isolation, long-poll wake-ups and retention."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from trunkline import accounts
from trunkline.accounts import Caller
from trunkline.enums import Mode
from trunkline.errors import InvalidRequest, NotFound
from trunkline.events.inbox import EventService, Filters, Source, envelope, type_matches
from trunkline.events.notify import Notifier, PostgresNotifier
from trunkline.store import make_engine, migrate, sessions


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'store.db'}"
    else:
        yield request.getfixturevalue("pg_url")


@pytest.fixture
async def inbox(store_url: str) -> AsyncIterator[tuple[EventService, Caller, Caller]]:
    engine = make_engine(store_url)
    await migrate(engine)
    maker = sessions(engine)
    async with maker() as db, db.begin():
        mine = (await accounts.create_account(db, "mine")).id
        theirs = (await accounts.create_account(db, "theirs")).id
    service = EventService(maker, Notifier(), dialect=engine.dialect.name, retention_days=30)
    try:
        yield service, Caller(mine, "k", Mode.TEST), Caller(theirs, "k2", Mode.TEST)
    finally:
        await engine.dispose()


def source(caller: Caller, mode: str = "test", conn: str = "c1") -> Source:
    return Source(caller.account_id, conn, mode, "quo")


async def record(service: EventService, src: Source, key: str, type_: str = "message.received"):  # type: ignore[no-untyped-def]
    return await service.record(
        src, type_=type_, dedupe_key=key, occurred_at=None, data={"text": key}, raw={"id": key}
    )


async def test_one_event_per_delivery(inbox) -> None:  # type: ignore[no-untyped-def]
    service, me, _ = inbox
    first, new = await record(service, source(me), "d1")
    again, new_again = await record(service, source(me), "d1")
    assert new and not new_again and again.id == first.id
    other_conn, new_other = await record(service, source(me, conn="c2"), "d1")
    assert new_other and other_conn.id != first.id  # identity is per connection
    shown = envelope(first)
    assert shown["id"].startswith("evt_") and len(shown["id"]) == 30
    assert set(shown) == {
        "id",
        "app",
        "connection_id",
        "mode",
        "type",
        "occurred_at",
        "received_at",
        "data",
        "raw",
    }


async def test_cursor_walks_every_event_once_with_isolation(inbox) -> None:  # type: ignore[no-untyped-def]
    service, me, them = inbox
    for i in range(7):
        await record(service, source(me), f"m{i}", "message.received" if i % 2 else "call.missed")
    await record(service, source(them), "t1")
    await record(service, source(me, mode="live"), "live1")
    seen: list[str] = []
    cursor = None
    while True:
        rows, cursor = await service.page(me, Filters(), cursor, 3)
        if not rows:
            break
        seen += [r.dedupe_key for r in rows]
    assert seen == [f"m{i}" for i in range(7)]
    calls, _ = await service.page(me, Filters.parse(None, "call.*", None), None, 50)
    assert {r.type for r in calls} == {"call.missed"} and len(calls) == 4
    both, _ = await service.page(me, Filters.parse(None, "call.missed,message.*", None), None, 50)
    assert len(both) == 7
    mine = (await service.page(me, Filters(), None, 1))[0][0]
    with pytest.raises(NotFound):
        await service.get(them, mine.id)
    live_me = Caller(me.account_id, "k", Mode.LIVE)
    assert [r.dedupe_key for r in (await service.page(live_me, Filters(), None, 50))[0]] == [
        "live1"
    ]
    for bad in ("x", "cur_-1", "cur_" + "9" * 30):
        with pytest.raises(InvalidRequest):
            await service.page(me, Filters(), bad, 10)
    with pytest.raises(InvalidRequest):
        Filters.parse(None, "message.*; drop table", None)


async def test_a_long_poll_wakes_when_an_event_lands(inbox) -> None:  # type: ignore[no-untyped-def]
    service, me, _ = inbox
    _, cursor = await service.page(me, Filters(), None, 10)
    started = time.monotonic()
    waiter = asyncio.create_task(service.wait_page(me, Filters(), cursor, 10, 30))
    await asyncio.sleep(0.3)
    assert not waiter.done()
    await record(service, source(me), "reply")
    rows, _ = await asyncio.wait_for(waiter, 5)
    assert [r.dedupe_key for r in rows] == ["reply"]
    assert time.monotonic() - started < 2
    empty, same = await service.wait_page(me, Filters(), _, 10, 0.2)
    assert empty == [] and same == _


async def test_retention_purges_old_events(inbox) -> None:  # type: ignore[no-untyped-def]
    service, me, _ = inbox
    await record(service, source(me), "old")
    assert await service.purge(timedelta(days=30)) == 0
    assert await service.purge(timedelta(seconds=-1)) == 1
    assert (await service.page(me, Filters(), None, 10))[0] == []


def test_type_patterns() -> None:
    assert type_matches(["message.*"], "message.received")
    assert not type_matches(["message.*"], "call.missed")
    assert type_matches(["*"], "anything") and type_matches([], "anything")
    assert type_matches(["call.missed"], "call.missed")


async def test_postgres_listen_wakes_another_replica(pg_url: str) -> None:
    """Two services on one database: the second one's waiter wakes on the first one's insert
    through LISTEN/NOTIFY, well before its own re-check interval."""
    engine = make_engine(pg_url)
    await migrate(engine)
    maker = sessions(engine)
    async with maker() as db, db.begin():
        owner = (await accounts.create_account(db, "pg")).id
    me = Caller(owner, "k", Mode.TEST)
    dsn = pg_url.replace("postgresql+asyncpg://", "postgresql://")
    listener = PostgresNotifier(dsn, recheck=30)
    await listener.start()
    writer = EventService(maker, Notifier(), dialect="postgresql", retention_days=30)
    reader = EventService(maker, listener, dialect="postgresql", retention_days=30)
    try:
        waiter = asyncio.create_task(reader.wait_page(me, Filters(), None, 10, 20))
        await asyncio.sleep(0.3)
        started = time.monotonic()
        await record(writer, source(me), "cross")
        rows, _ = await asyncio.wait_for(waiter, 10)
        assert [r.dedupe_key for r in rows] == ["cross"]
        assert time.monotonic() - started < 1.0
    finally:
        await listener.stop()
        await engine.dispose()


@pytest.mark.redis
async def test_redis_pubsub_wakes_another_replica(tmp_path: Path) -> None:
    """With Redis configured, a waiter on one replica wakes on another's insert at once."""
    from redis.asyncio import Redis

    from trunkline.events.notify import RedisNotifier

    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'shared.db'}")
    await migrate(engine)
    maker = sessions(engine)
    async with maker() as db, db.begin():
        owner = (await accounts.create_account(db, "redis")).id
    me = Caller(owner, "k", Mode.TEST)
    redis_a, redis_b = (
        Redis.from_url("redis://127.0.0.1:6379/0"),
        Redis.from_url("redis://127.0.0.1:6379/0"),
    )
    writer_notes, reader_notes = RedisNotifier(redis_a, recheck=30), RedisNotifier(redis_b, 30)
    await writer_notes.start()
    await reader_notes.start()
    writer = EventService(maker, writer_notes, dialect="sqlite", retention_days=30)
    reader = EventService(maker, reader_notes, dialect="sqlite", retention_days=30)
    try:
        await asyncio.sleep(0.2)
        waiter = asyncio.create_task(reader.wait_page(me, Filters(), None, 10, 20))
        await asyncio.sleep(0.3)
        started = time.monotonic()
        await record(writer, source(me), "via-redis")
        rows, _ = await asyncio.wait_for(waiter, 10)
        assert [r.dedupe_key for r in rows] == ["via-redis"]
        assert time.monotonic() - started < 1.0
    finally:
        await writer_notes.stop()
        await reader_notes.stop()
        await redis_a.aclose()
        await redis_b.aclose()
        await engine.dispose()
