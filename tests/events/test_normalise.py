"""Normalising payloads no sandbox sends: RingCentral notifications (built around the sandbox's
own message and call shapes), the published provider samples, odd and partial payloads."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Any

import pytest

from trunkline.errors import InvalidRequest
from trunkline.events import normalise
from trunkline.events.normalise import SHARED_TYPES
from trunkline.sandbox.ringcentral.resources import message_json

from .helpers import vectors

VECTORS = vectors()


def _rc(event: str, body: dict[str, Any], uuid: str | None = "u-1") -> Any:
    payload = {
        "event": event,
        "timestamp": "2026-04-13T12:00:00.000Z",
        "subscriptionId": "s-1",
        "ownerId": "101",
        "body": body,
    }
    if uuid:
        payload["uuid"] = uuid
    return normalise("ringcentral", payload)


def _rc_message(status: str, direction: str = "Outbound", kind: str = "SMS") -> dict[str, Any]:
    record = {
        "id": "1234567890123",
        "extensionId": "101",
        "text": "See you at 3",
        "from": {"phoneNumber": "+16505550100", "name": "Ana"},
        "to": [{"phoneNumber": "+14155557100"}],
        "status": status,
        "conversationId": "55",
        "createdAt": time.time(),
        "updatedAt": time.time(),
    }
    shown = message_json(record, "https://platform.example")
    shown.update(direction=direction, type=kind)
    return shown


@pytest.mark.parametrize(
    ("status", "direction", "kind", "expected"),
    [
        ("Received", "Inbound", "SMS", "message.received"),
        ("Queued", "Outbound", "SMS", "ringcentral.message.queued"),
        ("Sent", "Outbound", "SMS", "message.sent"),
        ("Delivered", "Outbound", "SMS", "message.delivered"),
        ("DeliveryFailed", "Outbound", "SMS", "message.failed"),
        ("SendingFailed", "Outbound", "SMS", "message.failed"),
        ("Received", "Inbound", "VoiceMail", "voicemail.received"),
    ],
)
def test_ringcentral_messages(status: str, direction: str, kind: str, expected: str) -> None:
    event = _rc(
        "/restapi/v1.0/account/~/extension/101/message-store/instant?type=SMS",
        _rc_message(status, direction, kind),
    )
    assert event.type == expected
    assert event.data["message_id"] == "1234567890123"
    assert event.data["text"] == "See you at 3"
    assert event.data["direction"] == direction.lower()
    ours = "+14155557100" if direction == "Inbound" else "+16505550100"
    assert event.data["phone_number"] == ours
    assert event.delivery_id_fallback == "ringcentral:u-1"


def _session(code: str, missed: bool = False, direction: str = "Inbound") -> dict[str, Any]:
    return {
        "sequence": 3,
        "sessionId": "S1",
        "telephonySessionId": "TS1",
        "eventTime": "2026-04-13T12:00:05.000Z",
        "parties": [
            {
                "id": "p1",
                "direction": direction,
                "missedCall": missed,
                "from": {"phoneNumber": "+14155557100"},
                "to": {"phoneNumber": "+16505550100", "extensionId": "101"},
                "status": {"code": code, "rcc": False},
            }
        ],
    }


@pytest.mark.parametrize(
    ("code", "missed", "expected"),
    [
        ("Setup", False, "call.ringing"),
        ("Proceeding", False, "call.ringing"),
        ("Answered", False, "call.answered"),
        ("Disconnected", False, "call.completed"),
        ("Disconnected", True, "call.missed"),
        ("VoiceMail", False, "call.missed"),
        ("Hold", False, "ringcentral.call.hold"),
    ],
)
def test_ringcentral_telephony_sessions(code: str, missed: bool, expected: str) -> None:
    event = _rc("/restapi/v1.0/account/~/extension/101/telephony/sessions", _session(code, missed))
    assert event.type == expected
    assert event.data["call_id"] == "TS1" and event.data["status"] == code.lower()
    assert event.data["from"] == "+14155557100" and event.data["phone_number"] == "+16505550100"
    assert event.occurred_at == datetime(2026, 4, 13, 12, 0, 5, tzinfo=UTC)


def test_ringcentral_message_store_changes_and_others() -> None:
    store = "/restapi/v1.0/account/~/extension/101/message-store"
    vm = {
        "changes": [
            {"type": "SMS", "newCount": 0},
            {"type": "VoiceMail", "newCount": 1, "newMessageIds": [777]},
        ]
    }
    event = _rc(store, vm)
    assert event.type == "voicemail.received" and event.data == {"message_id": "777"}
    sms = _rc(store, {"changes": [{"type": "SMS", "newCount": 1, "newMessageIds": [1]}]}, uuid=None)
    assert sms.type == "ringcentral.message-store.changed"
    assert sms.delivery_id_fallback.startswith(
        "ringcentral:ringcentral.message-store.changed:sha256:"
    )
    assert _rc("/restapi/v1.0/account/~/extension/101/presence", {}).type == "ringcentral.presence"


def test_callrail_published_sample_is_a_missed_voicemail() -> None:
    payload = json.loads(VECTORS["callrail"]["cases"][0]["body"])
    event = normalise("callrail", payload)
    assert event.type == "call.missed"
    assert event.data["voicemail"] is True and event.data["duration"] == 13
    assert event.data["from"] == "+12148654559" and event.data["to"] == "+14045558514"
    assert event.data["recording_url"].startswith("https://app.callrail.com/calls/766970532")
    assert event.data["call_id"] == "766970532" and event.data["status"] == "voicemail"
    assert event.occurred_at == datetime(2018, 2, 19, 18, 41, 13, 236000, tzinfo=UTC)
    assert "transcript" not in event.data  # empty strings are left out
    assert normalise("callrail", payload, hint="post_call_webhook").type == "call.missed"
    assert normalise("callrail", payload, hint="updated-call").type == "callrail.call.updated"
    assert normalise("callrail", payload, hint="no_such_hook").type == "call.missed"


def test_quo_legacy_published_sample() -> None:
    payload = json.loads(VECTORS["openphone"]["cases"][0]["body"])
    event = normalise("quo", payload)
    assert event.type == "message.received"
    assert event.data == {
        "direction": "inbound",
        "from": "+19876543210",
        "to": "+15555555555",
        "phone_number": "+15555555555",
        "text": "Hello, world!",
        "message_id": "AC24a8b8321c4f4cf2be110f4250793d51",
        "status": "delivered",
        "contact_ids": ["6824dfb69aee85c132b7dg65"],
    }
    assert event.occurred_at == datetime(2022, 1, 23, 16, 55, 52, 557000, tzinfo=UTC)


@pytest.mark.parametrize("case", VECTORS["quo_2026_03_30"]["cases"], ids=lambda c: c["name"])
def test_quo_dated_vector_bodies(case: dict[str, Any]) -> None:
    payload = json.loads(case["body"])
    event = normalise("quo", payload, headers={"webhook-timestamp": case["webhook_timestamp"]})
    if "type" not in payload:
        assert event.type == "quo.unknown"
        assert event.occurred_at == datetime.fromtimestamp(int(case["webhook_timestamp"]), tz=UTC)
        return
    expected = {
        "message.received": "message.received",
        "call.completed": "call.completed",
        "task.created": "quo.task.created",
    }[payload["type"]]
    assert event.type == expected
    if expected == "call.completed":
        assert event.data["from"] == "+15550000002" and event.data["to"] == "+15550000001"
        assert event.data["duration"] == 55 and event.data["status"] == "answered"
        assert "voicemail" not in event.data
    if expected == "quo.task.created":
        assert event.data["details"]["title"] == "Rappeler Zoë ☎"


def test_quo_v1_status_refinements() -> None:
    def v1(kind: str, obj: dict[str, Any]) -> str:
        return normalise("quo", {"id": "EV1", "type": kind, "data": {"object": obj}}).type

    assert v1("message.delivered", {"status": "undelivered"}) == "message.failed"
    assert v1("message.delivered", {"status": "delivered"}) == "message.delivered"
    assert v1("call.completed", {"status": "completed"}) == "call.completed"
    assert v1("call.completed", {"status": "no-answer"}) == "call.missed"
    assert v1("call.completed", {"status": "completed", "voicemail": {"url": "u"}}) == "call.missed"
    assert v1("call.ringing", {"status": "ringing"}) == "call.ringing"


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        (
            {
                "SmsStatus": "received",
                "MessageSid": "SM1",
                "Body": "hi",
                "NumMedia": "1",
                "MediaUrl0": "https://m/1",
            },
            "message.received",
        ),
        ({"MessageStatus": "accepted", "MessageSid": "SM1"}, "twilio.message.accepted"),
        ({"CallStatus": "busy", "CallSid": "CA1", "Direction": "outbound-api"}, "call.missed"),
        ({"CallStatus": "canceled", "CallSid": "CA1"}, "call.missed"),
        ({"CallStatus": "queued", "CallSid": "CA1"}, "twilio.call.queued"),
        (
            {"CallSid": "CA1", "RecordingSid": "RE1", "RecordingStatus": "absent"},
            "twilio.recording.absent",
        ),
        (
            {
                "CallSid": "CA1",
                "TranscriptionSid": "TR1",
                "TranscriptionStatus": "completed",
                "TranscriptionText": "hello",
            },
            "call.transcript.completed",
        ),
        ({"AccountSid": "AC1"}, "twilio.webhook"),
    ],
)
def test_twilio_families(fields: dict[str, Any], expected: str) -> None:
    event = normalise("twilio", fields)
    assert event.type == expected
    if expected == "message.received":
        assert event.data["media"] == ["https://m/1"] and event.data["text"] == "hi"
    if expected == "call.transcript.completed":
        assert event.data["transcript"] == "hello" and event.data["call_id"] == "CA1"
    if fields.get("Direction") == "outbound-api":
        assert event.data["direction"] == "outbound"


def test_twilio_repeated_field_keeps_the_first_value() -> None:
    event = normalise(
        "twilio", {"MessageSid": ["SM1", "SM2"], "SmsStatus": "received", "From": "+14155550123"}
    )
    assert event.data["message_id"] == "SM1"


def test_every_type_is_shared_or_namespaced_and_data_has_no_empties() -> None:
    payloads = [
        (
            "quo",
            {"type": "message.received", "data": {"object": {"text": "", "to": [], "from": None}}},
        ),
        (
            "quo",
            {"type": "integration.created", "data": {"resource": {"id": "IN1"}, "context": {}}},
        ),
        ("quo", {}),
        ("callrail", {}),
        ("twilio", {}),
        ("ringcentral", {}),
    ]
    for app, payload in payloads:
        event = normalise(app, payload)
        assert event.type in SHARED_TYPES or event.type.startswith(f"{app}.")
        assert all(v not in (None, "", [], {}) for v in event.data.values()), event
        assert event.delivery_id_fallback.startswith(f"{app}:")


def test_unknown_app_is_refused() -> None:
    with pytest.raises(InvalidRequest, match="no webhook normaliser"):
        normalise("zoom", {})


def test_phone_numbers_and_times_are_normalised() -> None:
    payload = {
        "source_number": "(404) 555-8514",
        "destination_number": "404-555-0100",
        "content": "x",
        "timestamp": "2026-04-13T08:00:00-04:00",
    }
    event = normalise("callrail", payload)
    assert (event.data["from"], event.data["to"]) == ("+14045558514", "+14045550100")
    assert event.occurred_at == datetime(2026, 4, 13, 12, 0, tzinfo=UTC)
    odd = normalise(
        "callrail", {**payload, "source_number": "shortcode 12", "timestamp": "yesterday"}
    )
    assert odd.data["from"] == "shortcode 12" and odd.occurred_at is None
    twilio = normalise(
        "twilio",
        {"CallSid": "CA1", "CallStatus": "ringing", "Timestamp": "Mon, 13 Apr 2026 12:00:00 +0000"},
    )
    assert twilio.occurred_at == datetime(2026, 4, 13, 12, 0, tzinfo=UTC)
