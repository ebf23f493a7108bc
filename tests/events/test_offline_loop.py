"""The inbound half end to end, offline: the sandboxes deliver signed webhooks to the ingress of
their auto-subscribed test connections, and the events reach the inbox, a long-poll and a stream.
Forged, stale, altered, oversized and repeated deliveries are tried against the real server."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.support.process import TrunklineProcess
from trunkline.sandbox.quo import signing


@pytest.fixture(scope="module")
def loop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TrunklineProcess]:
    data = tmp_path_factory.mktemp("events") / "data"
    proc = TrunklineProcess(data, env={"TRUNKLINE_SANDBOX_SPEED": "50"}).start()
    try:
        yield proc
    finally:
        proc.stop()


def call(proc: TrunklineProcess, method: str, path: str, **kwargs: Any) -> httpx.Response:
    headers = {**proc.headers(), **kwargs.pop("headers", {})}
    return httpx.request(method, proc.url + path, headers=headers, timeout=70, **kwargs)


def connection(proc: TrunklineProcess, app: str) -> str:
    listed = call(proc, "GET", f"/connections?app={app}").json()["connections"]
    return str(listed[0]["connection_id"])


def cursor(proc: TrunklineProcess) -> str:
    return str(call(proc, "GET", "/events?limit=500").json()["next_cursor"])


def wait_for(proc: TrunklineProcess, after: str, type_: str, seconds: float = 20) -> dict[str, Any]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        page = call(proc, "GET", "/events", params={"after": after, "type": type_, "wait": 5})
        events = page.json()["events"]
        if events:
            return dict(events[0])
    raise AssertionError(f"no {type_} event within {seconds} s")


def test_sandbox_connections_are_subscribed(loop: TrunklineProcess) -> None:
    quo = call(loop, "GET", f"/connections/{connection(loop, 'quo')}/subscriptions").json()
    assert quo["ingress_url"].startswith(loop.url + "/webhooks/quo/")
    assert connection(loop, "quo") not in quo["ingress_url"]  # the token is not the id
    (sub,) = quo["subscriptions"]
    assert set(sub["remote"]["webhooks"]) == {
        "messages",
        "calls",
        "call-summaries",
        "call-transcripts",
    }
    hooks = call(loop, "GET", "/quo/v1/webhooks").json()["data"]
    assert sum(h["url"] == quo["ingress_url"] for h in hooks) == 4


def test_a_long_poll_returns_the_customers_reply(loop: TrunklineProcess) -> None:
    after = cursor(loop)
    answer: dict[str, Any] = {}

    def wait() -> None:
        answer["r"] = call(
            loop, "GET", "/events", params={"after": after, "type": "message.received", "wait": 30}
        )

    waiter = threading.Thread(target=wait)
    waiter.start()
    time.sleep(0.5)
    sent_at = time.monotonic()
    r = call(
        loop,
        "POST",
        "/quo/_sandbox/messages/inbound",
        json={"from": "+14155550142", "to": "+14155550123", "text": "Running late!"},
    )
    assert r.status_code == 201, r.text
    waiter.join(30)
    assert time.monotonic() - sent_at < 5
    (event,) = answer["r"].json()["events"]
    assert event["type"] == "message.received" and event["app"] == "quo"
    assert event["mode"] == "test" and event["connection_id"] == connection(loop, "quo")
    assert event["data"]["from"] == "+14155550142" and event["data"]["text"] == "Running late!"
    assert event["raw"]["type"] == "message.received"
    assert call(loop, "GET", f"/events/{event['id']}").json()["event"] == event


def test_a_sent_text_is_delivered(loop: TrunklineProcess) -> None:
    after = cursor(loop)
    sent = call(
        loop,
        "POST",
        "/quo/v1/messages",
        json={"from": "+14155550123", "to": ["+14155550142"], "content": "On my way"},
    ).json()["data"]
    event = wait_for(loop, after, "message.delivered")
    assert event["data"]["message_id"] == sent["id"]


def test_a_missed_call_brings_its_voicemail_transcript_and_summary(loop: TrunklineProcess) -> None:
    after = cursor(loop)
    r = call(
        loop,
        "POST",
        "/quo/_sandbox/calls/inbound",
        json={"from": "+14085550163", "to": "+14155550123", "outcome": "voicemail", "duration": 20},
    )
    assert r.status_code == 201, r.text
    call(loop, "POST", "/quo/_sandbox/clock/advance")
    missed = wait_for(loop, after, "call.missed")
    assert missed["data"]["from"] == "+14085550163"
    seen: set[str] = set()
    deadline = time.monotonic() + 20
    while (
        time.monotonic() < deadline
        and not {
            "call.transcript.completed",
            "call.summary.completed",
        }
        <= seen
    ):
        call(loop, "POST", "/quo/_sandbox/clock/advance")
        page = call(loop, "GET", "/events", params={"after": after, "limit": 100, "wait": 2})
        seen |= {e["type"] for e in page.json()["events"]}
    assert {"call.ringing", "call.missed", "call.transcript.completed"} <= seen, seen
    assert "call.summary.completed" in seen or "voicemail.received" in seen, seen


def test_callrail_calls_become_events(loop: TrunklineProcess) -> None:
    account = call(loop, "GET", "/callrail/v3/a.json").json()["accounts"][0]["id"]
    tracker = call(loop, "GET", f"/callrail/v3/a/{account}/trackers.json").json()["trackers"][0]
    number = tracker["tracking_numbers"][0]
    after = cursor(loop)
    r = call(
        loop,
        "POST",
        "/callrail/_sandbox/calls/inbound",
        json={
            "tracking_number": number,
            "customer_phone_number": "+14155550199",
            "outcome": "missed",
        },
    )
    assert r.status_code == 201, r.text
    call(loop, "POST", "/callrail/_sandbox/clock/advance")
    event = wait_for(loop, after, "call.missed")
    assert event["app"] == "callrail" and event["data"]["from"] == "+14155550199"


def _signed(key: str, body: bytes, stamp_ms: int | None = None) -> dict[str, str]:
    stamp = str(stamp_ms if stamp_ms is not None else int(time.time() * 1000))
    return {
        "openphone-signature": signing.signature_header(key, stamp, body),
        "content-type": "application/json",
    }


def test_hostile_deliveries_are_refused_and_retries_are_one_event(loop: TrunklineProcess) -> None:
    ingress = call(loop, "GET", f"/connections/{connection(loop, 'quo')}/subscriptions").json()[
        "ingress_url"
    ]
    key = next(
        h["key"]
        for h in call(loop, "GET", "/quo/v1/webhooks").json()["data"]
        if h["url"] == ingress
    )
    payload = {
        "id": "EVhostile000000000000000000000001",
        "object": "event",
        "apiVersion": "v4",
        "createdAt": "2026-11-29T06:00:00.000Z",
        "type": "message.received",
        "data": {
            "object": {
                "id": "AChostile",
                "object": "message",
                "from": "+14155550142",
                "to": ["+14155550123"],
                "direction": "incoming",
                "text": "hello",
                "status": "received",
                "createdAt": "2026-11-29T06:00:00.000Z",
            }
        },
    }
    body = json.dumps(payload).encode()
    before = call(loop, "GET", "/events?limit=500").json()["events"]

    def post(data: bytes, headers: dict[str, str], url: str = ingress) -> httpx.Response:
        return httpx.post(url, content=data, headers=headers, timeout=30)

    refusals = [
        (post(body, {"content-type": "application/json"}), 401),  # unsigned
        (post(body, _signed("A" * 44, body)), 401),  # forged (wrong key)
        (post(body.replace(b"hello", b"HELLO"), _signed(key, body)), 401),  # body altered
        (post(body, _signed(key, body, int(time.time() * 1000) - 600_000)), 400),  # stale
        (post(b"x" * (1024 * 1024 + 10), _signed(key, b"x")), 413),  # oversized
        (post(body, _signed(key, body), ingress[:-4] + "AAAA"), 404),  # wrong token
    ]
    for response, status in refusals:
        assert response.status_code == status, (status, response.text)
        error = response.json()["error"]
        assert error["status"] == status and key not in response.text
    after_refusals = call(loop, "GET", "/events?limit=500").json()["events"]
    assert after_refusals == before  # nothing stored
    answers = [post(body, _signed(key, body)) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert [a.json()["duplicate"] for a in answers] == [False, True, True]
    assert len({a.json()["event_id"] for a in answers}) == 1
    stored = call(loop, "GET", "/events?limit=500").json()["events"]
    assert len(stored) == len(before) + 1


def test_the_stream_follows_and_resumes(loop: TrunklineProcess) -> None:
    after = cursor(loop)
    frames: list[dict[str, Any]] = []
    ids: list[str] = []

    def read(limit: int, start: str, into: list[dict[str, Any]]) -> None:
        with httpx.stream(
            "GET",
            loop.url + "/events/stream",
            params={"after": start, "type": "message.received"},
            headers=loop.headers(),
            timeout=30,
        ) as response:
            assert response.headers["content-type"].startswith("text/event-stream")
            for line in response.iter_lines():
                if line.startswith("id:"):
                    ids.append(line[3:].strip())
                if line.startswith("data:"):
                    into.append(json.loads(line[5:]))
                    if len(into) >= limit:
                        return

    reader = threading.Thread(target=read, args=(2, after, frames))
    reader.start()
    time.sleep(0.5)
    for text in ("first", "second"):
        call(
            loop,
            "POST",
            "/quo/_sandbox/messages/inbound",
            json={"from": "+16505550117", "to": "+14155550123", "text": text},
        )
    reader.join(30)
    assert [f["data"]["text"] for f in frames] == ["first", "second"]
    # Resume after the first one with Last-Event-ID: the second comes again, then nothing else.
    again: list[dict[str, Any]] = []
    with httpx.stream(
        "GET",
        loop.url + "/events/stream",
        params={"type": "message.received"},
        headers={**loop.headers(), "Last-Event-ID": ids[0]},
        timeout=30,
    ) as response:
        for line in response.iter_lines():
            if line.startswith("data:"):
                again.append(json.loads(line[5:]))
                break
    assert again[0]["data"]["text"] == "second"


def test_inbox_isolation_and_bad_input(loop: TrunklineProcess) -> None:
    live = loop.cli("keys", "create", "--mode", "live", "--data-dir", str(loop.data_dir))
    key = live.stdout.strip()
    assert call(loop, "GET", "/events", headers=loop.headers(key)).json()["events"] == []
    some = call(loop, "GET", "/events?limit=1").json()["events"][0]["id"]
    r = call(loop, "GET", f"/events/{some}", headers=loop.headers(key))
    assert r.status_code == 404 and r.json()["error"]["code"] == "event_not_found"
    for params in (
        {"wait": "61"},
        {"wait": "nan"},
        {"after": "cur_x"},
        {"limit": "-1"},
        {"type": "a b"},
    ):
        r = call(loop, "GET", "/events", params=params)
        assert r.status_code == 400, (params, r.text)
    assert call(loop, "GET", "/events", headers={"Authorization": "Bearer nope"}).status_code == 401


def test_quo_dated_webhooks_and_removal_with_the_connection(loop: TrunklineProcess) -> None:
    from trunkline.sandbox import load_sandbox

    made = call(
        loop,
        "POST",
        "/connections",
        json={"app": "quo", "credentials": load_sandbox("quo").credentials},
    ).json()["connection"]
    conn = made["connection_id"]
    dated = call(
        loop,
        "POST",
        f"/connections/{conn}/subscriptions",
        json={"api": "2026-03-30", "events": ["message.received"]},
    )
    assert dated.status_code == 201, dated.text
    sub = dated.json()["subscription"]
    hooks = call(loop, "GET", "/quo/webhooks", headers={"Quo-Api-Version": "2026-03-30"})
    assert sub["ingress_url"] in {h["url"] for h in hooks.json()["data"]}
    after = cursor(loop)
    call(
        loop,
        "POST",
        "/quo/_sandbox/messages/inbound",
        json={"from": "+16505550117", "to": "+14155550123", "text": "dated hello"},
    )
    deadline = time.monotonic() + 20
    mine: list[dict[str, Any]] = []
    while not mine and time.monotonic() < deadline:
        page = call(loop, "GET", "/events", params={"after": after, "wait": 2, "limit": 100})
        mine = [e for e in page.json()["events"] if e["connection_id"] == conn]
    assert mine and mine[0]["type"] == "message.received"
    assert mine[0]["data"]["text"] == "dated hello"
    # A v1 subscription too, then the connection goes: both are removed at Quo.
    assert call(loop, "POST", f"/connections/{conn}/subscriptions", json={}).status_code == 201
    v1 = {h["url"] for h in call(loop, "GET", "/quo/v1/webhooks").json()["data"]}
    assert sub["ingress_url"] in v1
    assert call(loop, "DELETE", f"/connections/{conn}").status_code == 200
    listing = call(loop, "GET", "/quo/v1/webhooks")
    assert listing.status_code == 200, listing.text
    v1_after = {h["url"] for h in listing.json()["data"]}
    dated_after = call(loop, "GET", "/quo/webhooks", headers={"Quo-Api-Version": "2026-03-30"})
    assert sub["ingress_url"] not in v1_after
    assert sub["ingress_url"] not in {h["url"] for h in dated_after.json()["data"]}


def test_cli_events_list_and_tail(loop: TrunklineProcess) -> None:
    import subprocess

    from tests.support.process import BIN

    listed = loop.cli("events", "list", "--json", "--type", "message.*")
    assert listed.returncode == 0, listed.stderr
    page = json.loads(listed.stdout)
    assert page["events"] and all(e["type"].startswith("message.") for e in page["events"])
    env = {**loop.env, "TRUNKLINE_URL": loop.url, "TRUNKLINE_API_KEY": loop.api_key or ""}
    tail = subprocess.Popen(
        [str(BIN), "events", "tail", "--type", "message.received", "--after", page["next_cursor"]],
        stdout=subprocess.PIPE,
        env=env,
        text=True,
    )
    try:
        time.sleep(1.0)
        call(
            loop,
            "POST",
            "/quo/_sandbox/messages/inbound",
            json={"from": "+14155550142", "to": "+14155550123", "text": "tailed"},
        )
        assert tail.stdout is not None
        line = tail.stdout.readline()  # piped: one JSON object per line
        event = json.loads(line)
        assert event["type"] == "message.received" and event["data"]["text"] == "tailed"
    finally:
        tail.terminate()
        tail.wait(5)
