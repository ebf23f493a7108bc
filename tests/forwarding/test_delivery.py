"""Deliveries end to end over real sockets: signed and verified, filtered by type, retried while
the receiver is down, logged, replayed, and a destination that keeps failing is disabled."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from typing import Any

from aiohttp import web

from tests.forwarding.conftest import Env, Receiver, body_of, open_env, wait_for
from tests.forwarding.test_api import assert_error
from trunkline.forwarding import envelope
from trunkline.forwarding.sender import message_id


async def status_of(env: Env, dst_id: str) -> dict[str, Any]:
    r = await env.call("GET", f"/event-destinations/{dst_id}")
    found: dict[str, Any] = r.json()["destination"]
    return found


async def settled(env: Env, dst_id: str, count: int = 1) -> list[dict[str, Any]]:
    """The destination's deliveries once ``count`` exist and none is pending."""

    async def check() -> list[dict[str, Any]] | None:
        found = await env.deliveries(dst_id)
        done = len(found) >= count and all(d["status"] != "pending" for d in found)
        return found if done else None

    result: list[dict[str, Any]] = await wait_for(check)
    return result


async def test_events_are_signed_filtered_and_logged(env: Env, receiver: Receiver) -> None:
    messages = await env.destination(receiver, "messages", ["message.*"])
    calls = await env.destination(receiver, "calls", ["call.completed"])
    everything = await env.destination(receiver, "all", ["*"])
    sent = [await env.event(t) for t in ("message.received", "call.completed", "contact.updated")]
    await wait_for(lambda: len(receiver.verified()) == 5)
    await asyncio.sleep(0.3)  # nothing else arrives
    assert len(receiver.hits) == 5 and all(h.payload is not None for h in receiver.hits)
    by_path = {p: [h.payload["type"] for h in receiver.verified(p)] for p in ("messages", "calls")}
    assert by_path == {"messages": ["message.received"], "calls": ["call.completed"]}
    assert sorted(h.payload["id"] for h in receiver.verified("all")) == sorted(e.id for e in sent)

    hit = receiver.verified("messages")[0]
    assert body_of(hit) == envelope(sent[0])
    assert set(body_of(hit)) == {
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
    assert hit.payload["data"]["object"]["body"] == "héllo"
    assert hit.headers["webhook-id"] == message_id(sent[0].id, messages["id"])
    assert hit.headers["content-type"] == "application/json"
    assert abs(int(hit.headers["webhook-timestamp"]) - time.time()) < 30

    log = await settled(env, messages["id"])
    assert len(log) == 1
    entry = log[0]
    assert entry["event_id"] == sent[0].id and entry["destination_id"] == messages["id"]
    assert entry["status"] == "succeeded" and entry["attempts"] == 1
    assert entry["last_response_status"] == 204 and entry["last_error"] is None
    assert (
        entry["next_attempt_at"] is None and entry["delivered_at"] and entry["trigger"] == "event"
    )
    assert entry["message_id"] == hit.headers["webhook-id"]
    assert len(await env.deliveries(calls["id"])) == 1
    assert len(await env.deliveries(everything["id"])) == 3


async def test_other_modes_and_accounts_are_not_forwarded(env: Env, receiver: Receiver) -> None:
    dst = await env.destination(receiver, "a")
    await env.event(mode="live")
    await env.event(account_id=env.other_account_id)
    assert await env.forwarding.on_event(await env.event(announce=False)) == 1
    await wait_for(lambda: receiver.verified("a"))
    await asyncio.sleep(0.3)
    assert len(receiver.hits) == 1
    assert len(await env.deliveries(dst["id"])) == 1


async def test_announcing_twice_queues_once(env: Env, receiver: Receiver) -> None:
    dst = await env.destination(receiver, "a")
    event = await env.event()
    assert await env.forwarding.on_event(event) == 1  # counted, but the row exists: no-op
    await env.forwarding.on_event({"id": event.id, "type": event.type})  # an envelope works too
    assert await env.forwarding.on_event({"id": "evt_missing"}) == 0
    await wait_for(lambda: receiver.verified("a"))
    await asyncio.sleep(0.3)
    assert len(receiver.hits) == 1
    assert len(await env.deliveries(dst["id"])) == 1


async def test_a_receiver_that_is_down_gets_the_event_when_back(
    env: Env, receiver: Receiver
) -> None:
    dst = await env.destination(receiver, "a")
    await receiver.stop()  # connection refused
    event = await env.event()

    async def retried() -> bool:
        log = await env.deliveries(dst["id"])
        return bool(log[0]["attempts"] >= 3)

    await wait_for(retried)
    entry = (await env.deliveries(dst["id"]))[0]
    assert entry["status"] == "pending" and entry["next_attempt_at"] is not None
    assert (
        entry["last_error"].startswith("cannot connect") and entry["last_response_status"] is None
    )

    await receiver.start()
    failures = 0

    async def flaky(request: web.Request) -> web.Response:
        nonlocal failures
        failures += 1
        return web.Response(status=500 if failures <= 2 else 200, text="boom")

    receiver.respond = flaky
    log = await settled(env, dst["id"])
    assert [h.payload["id"] for h in receiver.verified()] == [event.id] * 3
    assert len({h.headers["webhook-id"] for h in receiver.hits}) == 1  # one message id
    assert log[0]["status"] == "succeeded" and log[0]["attempts"] >= 6
    assert log[0]["last_response_status"] == 200 and log[0]["last_error"] is None
    assert (await status_of(env, dst["id"]))["status"] == "enabled"


async def test_replay_delivers_again(env: Env, receiver: Receiver) -> None:
    first = await env.destination(receiver, "a", ["message.*"])
    second = await env.destination(receiver, "b", ["*"])
    other = await env.destination(receiver, "c", ["call.*"])
    event = await env.event()
    await wait_for(lambda: len(receiver.verified()) == 2)

    r = await env.call("POST", f"/events/{event.id}/replay")
    assert r.status_code == 202, r.text
    queued = r.json()["deliveries"]
    assert {d["destination_id"] for d in queued} == {first["id"], second["id"]}
    assert all(d["status"] == "pending" and d["trigger"] == "replay" for d in queued)
    await wait_for(lambda: len(receiver.verified()) == 4)

    r = await env.call("POST", f"/events/{event.id}/replay", json={"destination_id": other["id"]})
    assert [d["destination_id"] for d in r.json()["deliveries"]] == [other["id"]]
    await wait_for(lambda: len(receiver.verified("c")) == 1)
    hits = receiver.verified("a")
    assert len(hits) == 2 and hits[0].headers["webhook-id"] == hits[1].headers["webhook-id"]
    log = await settled(env, first["id"], 2)
    assert [d["trigger"] for d in log] == ["replay", "event"]  # newest first
    assert all(d["status"] == "succeeded" for d in log)

    await env.call("PATCH", f"/event-destinations/{first['id']}", json={"status": "disabled"})
    r = await env.call("POST", f"/events/{event.id}/replay", json={"destination_id": first["id"]})
    assert_error(r, 409, "destination_disabled")
    assert_error(await env.call("POST", "/events/evt_unknown/replay"), 404, "event_not_found")
    r = await env.call("POST", f"/events/{event.id}/replay", json={"destination_id": "dst_x"})
    assert_error(r, 404, "destination_not_found")


async def test_delivery_log_pages(env: Env, receiver: Receiver) -> None:
    dst = await env.destination(receiver, "a")
    events = [await env.event() for _ in range(5)]
    await settled(env, dst["id"], 5)
    seen, after = [], None
    while True:
        params: dict[str, Any] = {"limit": 2, **({"after": after} if after else {})}
        r = await env.call("GET", f"/event-destinations/{dst['id']}/deliveries", params=params)
        page = r.json()
        assert len(page["deliveries"]) <= 2 and page["has_more"] == (
            page["next_cursor"] is not None
        )
        seen += [d["event_id"] for d in page["deliveries"]]
        after = page["next_cursor"]
        if after is None:
            break
    assert seen == [e.id for e in reversed(events)]
    path = f"/event-destinations/{dst['id']}/deliveries"
    for bad in ({"limit": "x"}, {"limit": "501"}, {"after": "nope"}):
        assert_error(await env.call("GET", path, params=bad), 400, "invalid_request")
    r = await env.call("GET", path, params={"limit": 0})
    assert r.json()["deliveries"] == []


async def test_failing_for_the_whole_window_disables(store_url: str, receiver: Receiver) -> None:
    async with open_env(
        store_url,
        delivery_retry_window=1.0,
        delivery_retry_schedule=(0.1,),
        delivery_max_attempts=1000,
    ) as env:
        dst = await env.destination(receiver, "a")

        async def broken(request: web.Request) -> web.Response:
            return web.Response(status=500, text="database on fire")

        receiver.respond = broken
        await env.event()
        disabled = await wait_for(
            lambda: _disabled(env, dst["id"]),
        )
        assert "HTTP 500: database on fire" in disabled["disabled_reason"]
        assert "disabled automatically" in disabled["disabled_reason"]
        log = await env.deliveries(dst["id"])
        assert log[0]["status"] == "abandoned" and log[0]["attempts"] >= 3
        assert log[0]["last_response_status"] == 500 and log[0]["next_attempt_at"] is None

        # Disabled: new events are not queued for it; enabling clears the reason.
        hits = len(receiver.hits)
        await env.event()
        await asyncio.sleep(0.3)
        assert len(receiver.hits) == hits and len(await env.deliveries(dst["id"])) == 1
        receiver.respond = None
        r = await env.call("PATCH", f"/event-destinations/{dst['id']}", json={"status": "enabled"})
        assert r.json()["destination"]["disabled_reason"] is None
        await env.event()
        await wait_for(lambda: receiver.verified("a") and receiver.hits[-1].path == "a")
        assert (await settled(env, dst["id"], 2))[0]["status"] == "succeeded"


async def _disabled(env: Env, dst_id: str) -> dict[str, Any] | None:
    found = await status_of(env, dst_id)
    return found if found["status"] == "disabled" else None


async def test_abandoned_in_a_row_disables_and_stops_the_rest(
    store_url: str, receiver: Receiver
) -> None:
    async with open_env(store_url, delivery_max_attempts=1, destination_disable_after=2) as env:
        dst = await env.destination(receiver, "a")
        await receiver.stop()
        await env.event()
        log = await settled(env, dst["id"])
        assert log[0]["status"] == "abandoned" and log[0]["attempts"] == 1
        assert (await status_of(env, dst["id"]))["status"] == "enabled"
        await env.event()
        disabled = await wait_for(lambda: _disabled(env, dst["id"]))
        assert "2 deliveries in a row were abandoned" in disabled["disabled_reason"]
        assert "cannot connect" in disabled["disabled_reason"]


async def test_disabling_fails_waiting_deliveries(env: Env, receiver: Receiver) -> None:
    dst = await env.destination(receiver, "a")
    await receiver.stop()
    await env.event()
    await wait_for(lambda: _attempted(env, dst["id"]))
    await env.call("PATCH", f"/event-destinations/{dst['id']}", json={"status": "disabled"})
    log = await settled(env, dst["id"])
    assert log[0]["status"] == "failed" and "disabled" in log[0]["last_error"]
    attempts = log[0]["attempts"]
    await asyncio.sleep(0.5)
    assert (await env.deliveries(dst["id"]))[0]["attempts"] == attempts


async def _attempted(env: Env, dst_id: str) -> bool:
    """An attempt has finished: ``attempts`` counts from the claim, so wait for its outcome."""
    log = await env.deliveries(dst_id)
    return bool(log) and log[0]["attempts"] >= 1 and log[0]["last_error"] is not None


async def test_retry_after_is_honoured(env: Env, receiver: Receiver) -> None:
    dst = await env.destination(receiver, "a")
    calls: list[float] = []

    async def busy(request: web.Request) -> web.Response:
        calls.append(time.monotonic())
        if len(calls) == 1:
            return web.Response(status=429, headers={"Retry-After": "1"})
        return web.Response(status=200)

    receiver.respond = busy
    await env.event()
    log = await settled(env, dst["id"])
    assert len(calls) == 2 and calls[1] - calls[0] >= 0.95
    assert log[0]["status"] == "succeeded" and log[0]["attempts"] == 2


async def test_redirects_are_not_followed(env: Env, receiver: Receiver) -> None:
    dst = await env.destination(receiver, "a")
    await env.destination(receiver, "elsewhere", ["nothing.matches"])

    async def moved(request: web.Request) -> web.Response:
        return web.Response(status=307, headers={"Location": receiver.url("elsewhere")})

    receiver.respond = moved
    await env.event()
    await wait_for(lambda: len(receiver.hits) >= 2)
    assert {h.path for h in receiver.hits} == {"a"}
    entry = (await env.deliveries(dst["id"]))[0]
    assert entry["last_response_status"] == 307 and "not followed" in entry["last_error"]


async def test_response_body_is_capped(store_url: str, receiver: Receiver) -> None:
    async with open_env(store_url, delivery_response_limit=1024, delivery_timeout=5.0) as env:
        dst = await env.destination(receiver, "endless")
        bad = await env.destination(receiver, "huge-error")

        async def endless(request: web.Request) -> web.StreamResponse:
            response = web.StreamResponse(status=200 if "endless" in request.path else 500)
            await response.prepare(request)
            with __import__("contextlib").suppress(ConnectionError):
                for _ in range(10_000):  # ~640 MB if anyone read it all
                    await response.write(b"x" * 65536)
                    await asyncio.sleep(0)
            return response

        receiver.respond = endless
        started = time.monotonic()
        await env.event()
        log = await settled(env, dst["id"])
        assert log[0]["status"] == "succeeded" and time.monotonic() - started < 4
        failed = (await env.deliveries(bad["id"]))[0]
        assert failed["last_response_status"] == 500
        assert failed["last_error"] == "HTTP 500: " + "x" * 200


async def test_slow_receivers_time_out(store_url: str, receiver: Receiver) -> None:
    async with open_env(store_url, delivery_timeout=0.3) as env:
        dst = await env.destination(receiver, "a")

        async def slow(request: web.Request) -> web.Response:
            await asyncio.sleep(2)
            return web.Response(status=200)

        receiver.respond = slow
        await env.event()
        await wait_for(lambda: _attempted(env, dst["id"]))

        async def timed_out() -> bool:
            entry = (await env.deliveries(dst["id"]))[0]
            return bool(entry["last_error"])

        await wait_for(timed_out)
        entry = (await env.deliveries(dst["id"]))[0]
        assert entry["last_error"] == "timed out after 0.3 s"


async def test_private_targets_refused_at_delivery_time(
    sqlite_url: str, receiver: Receiver
) -> None:
    """Saved while allowed (or before DNS changed), delivered when not allowed: refused."""
    async with open_env(sqlite_url, start=False, allow_private_destinations=True) as env:
        literal = await env.destination(receiver, "a")
        r = await env.call(
            "POST", "/event-destinations", json={"url": f"http://localhost:{receiver.port}/hook/b"}
        )
        named = r.json()["destination"]
        env.worker.sender.allow_private = False
        await env.worker.start()
        await env.event()
        for dst in (literal, named):
            dst_id: str = dst["id"]
            await wait_for(lambda: _attempted(env, dst_id))
            entry = (await env.deliveries(dst["id"]))[0]
            assert entry["last_error"].startswith("refused: the destination resolves to")
            assert entry["status"] == "pending"
        assert receiver.hits == []


async def test_a_lapsed_claim_is_taken_over_and_its_late_report_ignored(
    store_url: str, receiver: Receiver
) -> None:
    """A replica that dies mid-attempt: its claim lapses, another delivers, and should the
    first report after all, nothing it says is written."""
    async with open_env(store_url, start=False) as env:
        env.forwarding.lease = timedelta(seconds=0.3)
        dst = await env.destination(receiver, "a")
        await env.event()
        (dead,) = await env.forwarding.claim(10)
        assert await env.forwarding.claim(10) == []  # held by the dead replica
        await env.worker.start()
        await wait_for(lambda: receiver.verified("a"))
        log = await settled(env, dst["id"])
        assert log[0]["status"] == "succeeded" and log[0]["attempts"] == 2
        from trunkline.forwarding.sender import Outcome

        assert await env.forwarding.record(dead, Outcome(False, 500, "late")) is None
        after = (await env.deliveries(dst["id"]))[0]
        assert after["status"] == "succeeded" and after["last_error"] is None
        assert len(receiver.hits) == 1


async def test_stop_lets_attempts_in_flight_finish(sqlite_url: str, receiver: Receiver) -> None:
    async with open_env(sqlite_url) as env:
        dst = await env.destination(receiver, "a")

        async def slowish(request: web.Request) -> web.Response:
            await asyncio.sleep(0.5)
            return web.Response(status=200)

        receiver.respond = slowish
        await env.event()
        await wait_for(lambda: receiver.hits)
        await env.worker.stop()
        assert (await env.deliveries(dst["id"]))[0]["status"] == "succeeded"
