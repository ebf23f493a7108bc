"""What the Twilio sandbox really sends (status callbacks, SmsUrl, recording callbacks, a GET
callback) verifies with the catalogue's declaration and normalises to the shared types."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from trunkline.errors import Unauthorized
from trunkline.events import normalise, verify
from trunkline.sandbox.twilio import SANDBOX

from .conftest import Capture, Captured
from .helpers import declaration

SID, TOKEN = SANDBOX.credentials["account_sid"], SANDBOX.credentials["auth_token"]
BASE = f"/2010-04-01/Accounts/{SID}"
OURS, CUSTOMER, DEAD, NO_ANSWER = "+14155552671", "+14155557100", "+14155550042", "+14155550007"
SENDER = "+12065550400"


@pytest.fixture(scope="module")
def twilio_run(twilio_url: str, capture: Capture) -> Iterator[None]:
    capture.clear()
    with httpx.Client(base_url=twilio_url, auth=(SID, TOKEN), timeout=15, trust_env=False) as api:
        api.post("/_sandbox/reset").raise_for_status()
        numbers = api.get(f"{BASE}/IncomingPhoneNumbers.json", params={"PhoneNumber": OURS}).json()
        number_sid = numbers["incoming_phone_numbers"][0]["sid"]
        api.post(
            f"{BASE}/IncomingPhoneNumbers/{number_sid}.json",
            data={"SmsUrl": capture.url("tw/sms-in")},
        ).raise_for_status()
        for to in (CUSTOMER, DEAD):
            api.post(
                f"{BASE}/Messages.json",
                data={
                    "To": to,
                    "From": OURS,
                    "Body": "Your order shipped",
                    "StatusCallback": capture.url(f"tw/sms-status?to={to}"),
                },
            ).raise_for_status()
        api.post(
            "/_sandbox/inbound/sms", json={"from": SENDER, "to": OURS, "body": "Where is it?"}
        ).raise_for_status()
        api.post(
            f"{BASE}/Calls.json",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            content=urlencode(
                [
                    ("To", "+14155557102"),
                    ("From", OURS),
                    ("Twiml", "<Response><Say>Hi</Say></Response>"),
                    ("StatusCallback", capture.url("tw/call-events")),
                    *[
                        ("StatusCallbackEvent", e)
                        for e in ("initiated", "ringing", "answered", "completed")
                    ],
                    ("Record", "true"),
                    ("RecordingStatusCallback", capture.url("tw/recording")),
                ]
            ),
        ).raise_for_status()
        api.post(
            f"{BASE}/Calls.json",
            data={
                "To": NO_ANSWER,
                "From": OURS,
                "Twiml": "<Response/>",
                "StatusCallback": capture.url("tw/call-get?x=1"),
                "StatusCallbackMethod": "GET",
            },
        ).raise_for_status()
        for _ in range(5):
            api.post("/_sandbox/clock/advance", json={"wait_for_webhooks": True}).raise_for_status()
        capture.wait("tw/recording", lambda r: len(r) >= 1)
        capture.wait("tw/sms-status", lambda r: len(r) >= 6)
        yield


def _check(delivery: Captured, secret: str = TOKEN) -> tuple[Any, Any]:
    verified = verify(
        declaration("twilio"),
        method=delivery.method,
        url=delivery.url,
        headers=delivery.headers,
        body=delivery.body,
        secret=secret,
        now=datetime.now(tz=UTC),
    )
    assert verified.delivery_id == delivery.headers["i-twilio-idempotency-token"]
    return verified, normalise("twilio", verified.payload, headers=delivery.headers)


def test_outbound_message_statuses(twilio_run: None, capture: Capture) -> None:
    by_to: dict[str, list[Any]] = {}
    for delivery in capture.at("tw/sms-status"):
        _, event = _check(delivery)
        by_to.setdefault(event.data["to"], []).append(event)
    assert [e.type for e in by_to[CUSTOMER]] == [
        "twilio.message.sending",
        "message.sent",
        "message.delivered",
    ]
    assert [e.type for e in by_to[DEAD]] == [
        "twilio.message.sending",
        "message.sent",
        "message.failed",
    ]
    failed = by_to[DEAD][-1]
    assert failed.data["error_code"] == "30003" and failed.data["status"] == "undelivered"
    delivered = by_to[CUSTOMER][-1]
    assert delivered.data["direction"] == "outbound" and delivered.data["from"] == OURS
    assert delivered.data["phone_number"] == OURS and delivered.data["message_id"].startswith("SM")
    assert delivered.delivery_id_fallback == f"twilio:{delivered.data['message_id']}:delivered"


def test_inbound_sms(twilio_run: None, capture: Capture) -> None:
    received = [_check(d)[1] for d in capture.at("tw/sms-in")]
    texts = [e for e in received if e.data.get("from") == SENDER]
    assert len(texts) == 1 and texts[0].type == "message.received"
    assert texts[0].data["direction"] == "inbound" and texts[0].data["text"] == "Where is it?"
    assert texts[0].data["to"] == OURS == texts[0].data["phone_number"]


def test_call_progress_recording_and_get_callback(twilio_run: None, capture: Capture) -> None:
    events = [_check(d)[1] for d in capture.at("tw/call-events")]
    assert [e.type for e in events] == [
        "twilio.call.initiated",
        "call.ringing",
        "call.answered",
        "call.completed",
    ]
    assert all(e.occurred_at is not None and e.data["direction"] == "outbound" for e in events)
    assert events[-1].data["duration"] == 20
    assert len({e.delivery_id_fallback for e in events}) == 4
    recording = [_check(d)[1] for d in capture.at("tw/recording")]
    assert [e.type for e in recording] == ["call.recording.completed"]
    assert recording[0].data["call_id"] == events[0].data["call_id"]
    assert (
        recording[0].data["recording_url"].startswith("http") and recording[0].data["duration"] > 0
    )
    got = capture.wait("tw/call-get", lambda r: len(r) == 1)
    assert got[0].method == "GET" and got[0].body == b""
    _, missed = _check(got[0])
    assert missed.type == "call.missed" and missed.data["status"] == "no-answer"
    assert missed.data["to"] == NO_ANSWER and missed.data["duration"] == 0


def test_sandbox_deliveries_refused_when_tampered(twilio_run: None, capture: Capture) -> None:
    delivery = capture.at("tw/sms-in")[0]
    with pytest.raises(Unauthorized):
        _check(delivery, secret="0" * 32)
    moved = Captured(
        delivery.method,
        delivery.url.replace("sms-in", "sms-out"),
        delivery.path,
        delivery.headers,
        delivery.body,
    )
    with pytest.raises(Unauthorized):
        _check(moved)
    altered = Captured(
        delivery.method,
        delivery.url,
        delivery.path,
        delivery.headers,
        delivery.body.replace(b"Where", b"There"),
    )
    with pytest.raises(Unauthorized):
        _check(altered)
