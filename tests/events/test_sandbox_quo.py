"""What the Quo sandbox really sends (v1 webhooks signed with openphone-signature, dated-API
webhooks signed with Standard Webhooks) verifies with the catalogue's declaration and
normalises to the shared types, for every event family the sandbox emits."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from trunkline.errors import Unauthorized
from trunkline.events import normalise, verify
from trunkline.sandbox.quo.dated.webhooks import EVENT_TYPES
from trunkline.sandbox.quo.seed import build_seed

from .conftest import Capture, Captured
from .helpers import declaration

SEED = build_seed()
WORKSPACE = next(iter(SEED["workspaces"].values()))
LINE = next(p for p in SEED["phoneNumbers"].values() if p["name"] == "Main Line")["number"]
KEY = {"Authorization": WORKSPACE["apiKey"]}
DATED = {**KEY, "Quo-Api-Version": "2026-03-30"}
V1_FAMILIES = {
    "messages": ["message.received", "message.delivered"],
    "calls": ["call.ringing", "call.completed", "call.recording.completed"],
    "call-summaries": ["call.summary.completed"],
    "call-transcripts": ["call.transcript.completed"],
}
CUSTOMER, UNREACHABLE, FAILING = "+14155557788", "+14155550042", "+14155550995"
CALLERS = {"answered": "+14155557701", "voicemail": "+14155557702", "missed": "+14155557703"}


def _settle(client: httpx.Client, capture: Capture, expect: int) -> None:
    """Run the sandbox clock until all ``expect`` deliveries arrived (14 v1, 20 dated)."""
    deadline = time.monotonic() + 15
    while len(capture.at("quo")) < expect:
        if time.monotonic() > deadline:
            raise AssertionError(f"{len(capture.at('quo'))} of {expect} Quo deliveries arrived")
        client.post("/_sandbox/clock/advance").raise_for_status()
        time.sleep(0.05)
    time.sleep(0.2)
    assert len(capture.at("quo")) == expect, "more deliveries than the script explains"


@pytest.fixture(scope="module")
def quo_run(quo_url: str, capture: Capture) -> Iterator[dict[str, Any]]:
    """One scripted day: texts in and out (delivered, undelivered, failed), three calls
    (answered, voicemail, missed), a new contact; v1 and dated webhooks subscribed to all."""
    capture.clear()
    with httpx.Client(base_url=quo_url, headers=KEY, timeout=15, trust_env=False) as client:
        client.post("/_sandbox/reset").raise_for_status()
        keys = {}
        for family, events in V1_FAMILIES.items():
            url = capture.url(f"quo-v1/{family}")
            made = client.post(f"/v1/webhooks/{family}", json={"url": url, "events": events})
            keys[family] = made.json()["data"]["key"]
        dated = client.post(
            "/webhooks",
            headers=DATED,
            json={"url": capture.url("quo-dated/live"), "events": list(EVENT_TYPES)},
        )
        assert dated.status_code == 201, dated.text
        keys["dated"], hook_id = dated.json()["data"]["key"], dated.json()["data"]["id"]

        client.post(
            "/_sandbox/messages/inbound", json={"from": CUSTOMER, "to": LINE, "text": "Hi there"}
        ).raise_for_status()
        for to in (CUSTOMER, UNREACHABLE, FAILING):
            sent = client.post("/v1/messages", json={"content": "On it", "from": LINE, "to": [to]})
            assert sent.status_code == 202, sent.text
        for outcome, caller in CALLERS.items():
            call = {"from": caller, "to": LINE, "outcome": outcome, "duration": 30}
            client.post("/_sandbox/calls/inbound", json=call).raise_for_status()
        contact = {
            "defaultFields": {
                "firstName": "Zoë",
                "lastName": "Park",
                "phoneNumbers": [{"name": "mobile", "value": CUSTOMER}],
            }
        }
        assert client.post("/v1/contacts", json=contact).status_code == 201
        _settle(client, capture, 34)
        yield {"keys": keys, "client": client, "hook_id": hook_id}


def _check(delivery: Captured, secret: str) -> tuple[Any, Any]:
    verified = verify(
        declaration("quo"),
        method=delivery.method,
        url=delivery.url,
        headers=delivery.headers,
        body=delivery.body,
        secret=secret,
        now=datetime.now(tz=UTC),
    )
    return verified, normalise("quo", verified.payload, headers=delivery.headers)


def _v1(quo_run: dict[str, Any], capture: Capture) -> list[tuple[str, Any, Any]]:
    found = []
    for family in V1_FAMILIES:
        for delivery in capture.at(f"quo-v1/{family}"):
            verified, event = _check(delivery, quo_run["keys"][family])
            assert verified.scheme == "quo-hmac"
            assert verified.delivery_id == verified.payload["id"]
            assert event.delivery_id_fallback == f"quo:{verified.payload['id']}"
            found.append((verified.payload["type"], verified, event))
    return found


def test_v1_messages(quo_run: dict[str, Any], capture: Capture) -> None:
    events = [(t, e) for t, _, e in _v1(quo_run, capture) if t.startswith("message.")]
    received = [e for t, e in events if e.type == "message.received"]
    assert len(received) == 1
    assert received[0].data["direction"] == "inbound"
    assert received[0].data["from"] == CUSTOMER and received[0].data["to"] == LINE
    assert received[0].data["phone_number"] == LINE and received[0].data["text"] == "Hi there"
    assert received[0].data["message_id"].startswith("AC")
    assert received[0].occurred_at is not None
    outcome = {
        e.data["to"]: (t, e.type, e.data["status"])
        for t, e in events
        if e.data["direction"] == "outbound"
    }
    assert outcome[CUSTOMER] == ("message.delivered", "message.delivered", "delivered")
    # v1 has no message.failed: an undelivered text still arrives as message.delivered.
    assert outcome[UNREACHABLE] == ("message.delivered", "message.failed", "undelivered")
    assert FAILING not in outcome  # v1 documents no event for a send failure


def test_v1_calls(quo_run: dict[str, Any], capture: Capture) -> None:
    events = [e for t, _, e in _v1(quo_run, capture) if t.startswith("call.")]
    by_caller: dict[str, list[Any]] = {}
    for event in events:
        caller = event.data.get("from")
        by_caller.setdefault(caller or event.data["call_id"], []).append(event)
    call_ids = {}
    for outcome, caller in CALLERS.items():
        kinds = [e.type for e in by_caller[caller]]
        assert kinds[0] == "call.ringing", (outcome, kinds)
        assert all(e.data["direction"] == "inbound" for e in by_caller[caller])
        call_ids[outcome] = by_caller[caller][0].data["call_id"]
        ended = next(e for e in by_caller[caller] if e.type in ("call.completed", "call.missed"))
        assert ended.type == ("call.completed" if outcome == "answered" else "call.missed")
        assert ended.data["call_id"] == call_ids[outcome]
        if outcome == "answered":
            assert ended.data["duration"] == 30 and "voicemail" not in ended.data
            recording = next(e for e in by_caller[caller] if e.type == "call.recording.completed")
            assert recording.data["recording_url"].startswith("http")
        if outcome == "voicemail":
            assert ended.data["voicemail"] is True and ended.data["recording_url"].startswith(
                "http"
            )
    by_call = {e.data["call_id"]: e for e in events if e.type == "call.summary.completed"}
    assert set(by_call) == {call_ids["answered"], call_ids["voicemail"]}
    assert all(e.data["summary"] and e.data["status"] == "completed" for e in by_call.values())
    transcripts = [e for e in events if e.type == "call.transcript.completed"]
    assert {e.data["call_id"] for e in transcripts} == {call_ids["answered"], call_ids["voicemail"]}
    assert all(":" in e.data["transcript"] for e in transcripts)


def test_v1_delivery_does_not_verify_with_another_subscriptions_key(
    quo_run: dict[str, Any], capture: Capture
) -> None:
    delivery = capture.at("quo-v1/messages")[0]
    with pytest.raises(Unauthorized):
        _check(delivery, quo_run["keys"]["calls"])
    altered = Captured(
        delivery.method,
        delivery.url,
        delivery.path,
        delivery.headers,
        delivery.body.replace(b"Hi there", b"Hi thera"),
    )
    with pytest.raises(Unauthorized):
        _check(altered, quo_run["keys"]["messages"])


def test_dated_live_events(quo_run: dict[str, Any], capture: Capture) -> None:
    found: dict[str, list[Any]] = {}
    for delivery in capture.at("quo-dated/live"):
        verified, event = _check(delivery, quo_run["keys"]["dated"])
        assert verified.scheme == "standard-webhooks"
        assert verified.delivery_id == delivery.headers["webhook-id"]
        assert verified.delivery_id.startswith("msg_") and verified.timestamp is not None
        found.setdefault(verified.payload["type"], []).append(event)
    assert {t: sorted({e.type for e in es}) for t, es in found.items()} == {
        "message.received": ["message.received"],
        "message.delivered": ["message.delivered"],
        "message.undelivered": ["message.failed"],
        "message.failed": ["message.failed"],
        "call.ringing": ["call.ringing"],
        "call.answered": ["call.answered"],
        "call.completed": ["call.completed"],
        "call.missed": ["call.missed"],
        "call.recording.completed": ["call.recording.completed"],
        "call.summary.completed": ["call.summary.completed"],
        "call.transcript.completed": ["call.transcript.completed"],
        "call.voicemail.completed": ["voicemail.received"],
        "contact.updated": ["contact.updated"],
    }
    received = found["message.received"][0].data
    assert (received["from"], received["to"], received["text"]) == (CUSTOMER, LINE, "Hi there")
    failures = found["message.failed"] + found["message.undelivered"]
    failed = {e.data["to"]: e.data for e in failures}
    assert set(failed) == {UNREACHABLE, FAILING}
    assert failed[FAILING]["status"] == "failed" and failed[UNREACHABLE]["status"] == "undelivered"
    ringing = {e.data["from"]: e for e in found["call.ringing"]}
    assert set(ringing) == set(CALLERS.values())
    assert all(e.data["to"] == LINE and e.data["phone_number"] == LINE for e in ringing.values())
    # Dated Quo sends call.missed for both unanswered calls, and call.completed for all three.
    missed = sorted(e.data["from"] for e in found["call.missed"])
    assert missed == sorted([CALLERS["missed"], CALLERS["voicemail"]])
    completed = {e.data["from"]: e.data for e in found["call.completed"]}
    assert completed[CALLERS["answered"]]["status"] == "answered"
    assert completed[CALLERS["missed"]]["status"] == "unanswered"
    assert completed[CALLERS["voicemail"]]["voicemail"] is True
    voicemail = found["call.voicemail.completed"][0].data
    assert voicemail["from"] == CALLERS["voicemail"] and voicemail["duration"] == 30
    assert voicemail["transcript"] and voicemail["recording_url"].startswith("http")
    contact = found["contact.updated"][0].data["contact"]
    assert contact["name"] == "Zoë Park" and contact["phone_numbers"] == [CUSTOMER]


EXPECTED_TEST_EVENTS = {
    **{
        t: t
        for t in EVENT_TYPES
        if not t.startswith(("task.", "contact.deleted", "call.forwarded", "call.menu."))
    },
    "message.undelivered": "message.failed",
    "call.voicemail.completed": "voicemail.received",
    "call.forwarded": "quo.call.forwarded",
    "call.menu.selected": "quo.call.menu.selected",
    "contact.deleted": "quo.contact.deleted",
    **{t: f"quo.{t}" for t in EVENT_TYPES if t.startswith("task.")},
}


def test_dated_test_event_of_every_type(
    quo_run: dict[str, Any], quo_url: str, capture: Capture
) -> None:
    client: httpx.Client = quo_run["client"]
    hook = quo_run["hook_id"]
    for event_type in EVENT_TYPES:
        sent = client.post(
            f"/webhooks/{hook}/events/test", headers=DATED, json={"eventType": event_type}
        )
        assert sent.status_code == 200, sent.text
    client.post("/_sandbox/clock/advance").raise_for_status()
    samples = capture.wait(
        "quo-dated/live", lambda r: sum(b'"EVsample' in d.body for d in r) >= len(EVENT_TYPES)
    )
    seen = {}
    for delivery in samples:
        if b'"EVsample' not in delivery.body:
            continue
        verified, event = _check(delivery, quo_run["keys"]["dated"])
        seen[verified.payload["type"]] = event
        if event.type.startswith("quo."):
            assert event.data["object_id"]
        if event_type_is_call := verified.payload["type"].startswith("call."):
            assert event.data["call_id"].startswith("AC"), verified.payload["type"]
        assert event_type_is_call or "call_id" not in event.data
    assert {t: e.type for t, e in seen.items()} == EXPECTED_TEST_EVENTS
    assert seen["call.summary.completed"].data["summary"] == "The customer asked for a quote."
    assert seen["call.summary.completed"].data["next_steps"] == ["Send the quote."]
    assert seen["call.transcript.completed"].data["transcript"] == "+15555550100: Hi!"
    assert seen["task.created"].data["details"]["title"] == "Call back"
    assert (
        json.loads(json.dumps(seen["call.menu.selected"].data))["details"]["phoneMenuSelectionName"]
        == "Sales"
    )
