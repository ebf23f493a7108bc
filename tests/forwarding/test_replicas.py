"""Several replicas on one store: each (event, destination) is delivered exactly once."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from aiohttp import web

from tests.forwarding.conftest import Env, Receiver, open_env, settings, wait_for
from trunkline.forwarding import DeliveryWorker, ForwardingService
from trunkline.forwarding.sender import Outcome
from trunkline.store import make_engine, sessions
from trunkline.vault import Vault, new_key_line, parse_keys


class Replica:
    """A second server on the same database and master key: its own engine, service, worker."""

    def __init__(self, store_url: str, vault: Vault) -> None:
        config = settings()
        self.engine = make_engine(store_url)
        self.forwarding = ForwardingService.from_settings(
            sessions(self.engine), vault, config, dialect=self.engine.dialect.name
        )
        self.worker = DeliveryWorker.from_settings(self.forwarding, config)
        self.worker.poll = 0.2

    async def close(self) -> None:
        await self.worker.stop(grace=1)
        await self.engine.dispose()


def count_attempts(worker: DeliveryWorker) -> list[str]:
    """Record which message ids this worker posted."""
    posted: list[str] = []
    post = worker.sender.post

    async def counting(url: str, secret: str, msg_id: str, body: str) -> Outcome:
        posted.append(msg_id)
        return await post(url, secret, msg_id, body)

    worker.sender.post = counting  # type: ignore[method-assign]
    return posted


@pytest.fixture
async def two(store_url: str) -> AsyncIterator[tuple[Env, Replica]]:
    vault = Vault(parse_keys(new_key_line(), "test"))
    async with open_env(store_url, vault=vault) as env:
        replica = Replica(store_url, vault)
        await replica.worker.start()
        try:
            yield env, replica
        finally:
            await replica.close()


async def test_two_workers_deliver_each_event_exactly_once(
    two: tuple[Env, Replica], receiver: Receiver
) -> None:
    env, replica = two
    delays = iter([0.0, 0.02, 0.05] * 1000)

    async def uneven(request: web.Request) -> web.Response:
        await asyncio.sleep(next(delays))  # receivers vary; claims interleave
        return web.Response(status=200)

    receiver.respond = uneven
    first = count_attempts(env.worker)
    second = count_attempts(replica.worker)
    dsts = [await env.destination(receiver, name) for name in ("a", "b")]
    events = []
    for i in range(50):
        event = await env.event(announce=False)
        # The ingest side runs on both replicas: each announces what it stored.
        await (env.forwarding if i % 2 else replica.forwarding).on_event(event)
        events.append(event)
    await wait_for(lambda: len(receiver.hits) >= 100, timeout=60)
    await asyncio.sleep(0.5)  # anything extra would arrive now

    assert all(h.payload is not None for h in receiver.hits)
    per_message = Counter(h.headers["webhook-id"] for h in receiver.hits)
    assert len(per_message) == 100 and set(per_message.values()) == {1}
    per_pair = Counter((h.path, h.payload["id"]) for h in receiver.hits)
    assert set(per_pair) == {(p, e.id) for p in ("a", "b") for e in events}
    assert first and second, "both replicas took part"
    assert not set(first) & set(second)
    for dst in dsts:

        async def done(dst_id: str = dst["id"]) -> list[dict[str, Any]] | None:
            path = f"/event-destinations/{dst_id}/deliveries"
            found = (await env.call("GET", path, params={"limit": 500})).json()["deliveries"]
            return found if all(d["status"] != "pending" for d in found) else None

        log = await wait_for(done)
        assert len(log) == 50
        assert {(d["status"], d["attempts"]) for d in log} == {("succeeded", 1)}


async def test_a_dead_replicas_claims_are_taken_over(
    two: tuple[Env, Replica], receiver: Receiver
) -> None:
    """Replica A claims and dies before posting; B delivers once A's lease lapses."""
    env, replica = two
    await env.worker.stop()
    await replica.worker.stop()
    env.forwarding.lease = timedelta(seconds=0.5)
    dst = await env.destination(receiver, "a")
    for _ in range(5):
        await env.event()
    claimed = await env.forwarding.claim(10)
    assert len(claimed) == 5
    assert await replica.forwarding.claim(10) == []  # leased: not claimable elsewhere
    replica.worker = DeliveryWorker.from_settings(replica.forwarding, settings())
    replica.worker.poll = 0.1
    await replica.worker.start()
    await wait_for(lambda: len(receiver.hits) == 5)

    async def done() -> list[dict[str, Any]] | None:
        found = await env.deliveries(dst["id"])
        return found if all(d["status"] != "pending" for d in found) else None

    log = await wait_for(done)
    assert {(d["status"], d["attempts"]) for d in log} == {("succeeded", 2)}
    for job in claimed:  # the dead replica wakes up: its reports are ignored
        assert await env.forwarding.record(job, Outcome(False, error="late")) is None
    assert {d["status"] for d in await env.deliveries(dst["id"])} == {"succeeded"}
    assert len(receiver.hits) == 5
