"""Signed webhooks: post-call (and the other call events), texts and forms, verified here with
an independent HMAC-SHA1 implementation and CallRail's published test vector."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from pathlib import Path
from typing import Any

import httpx

from tests.sandbox.callrail.conftest import Receiver
from trunkline.sandbox.callrail.signing import signature

VECTORS = Path(__file__).resolve().parents[2] / "specs" / "webhook-test-vectors.json"
CALL_EVENTS = (
    "pre_call_webhook",
    "answered_call_webhook",
    "post_call_webhook",
    "updated_call_webhook",
)
OTHER_EVENTS = (
    "sms_received_webhook",
    "sms_sent_webhook",
    "form_captured_webhook",
    "post_outbound_call_webhook",
)


def verify(signing_key: str, body: bytes, header: str) -> bool:
    """What a receiver does: recompute base64(HMAC-SHA1(key, raw body)) and compare."""
    expected = base64.b64encode(
        hmac.new(signing_key.encode(), body, hashlib.sha1).digest()
    ).decode()
    return hmac.compare_digest(expected, header)


def test_signature_matches_callrails_published_vector() -> None:
    case = json.loads(VECTORS.read_text("utf-8"))["callrail"]["cases"][0]
    body = case["body"].encode()
    assert len(body) == case["body_length_bytes"]
    assert signature(case["signing_key"], body) == case["expected"]
    assert verify(case["signing_key"], body, case["expected"])


def subscribe(api: httpx.Client, acct: str, company_id: str, receiver: Receiver) -> str:
    config = {event: [f"{receiver.url}/{event}"] for event in CALL_EVENTS + OTHER_EVENTS}
    created = api.post(
        f"{acct}/integrations.json",
        json={"type": "Webhooks", "company_id": company_id, "config": config},
    )
    assert created.status_code == 201
    body = created.json()
    assert (
        body["type"] == "Webhooks" and body["state"] == "active" and len(body["signing_key"]) == 32
    )
    fetched = api.get(
        f"{acct}/integrations/{body['id']}.json", params={"fields": "signing_key"}
    ).json()
    assert fetched["signing_key"] == body["signing_key"]
    return str(body["signing_key"])


def first_company(api: httpx.Client, acct: str) -> dict[str, Any]:
    return api.get(f"{acct}/companies.json", params={"sort": "name"}).json()["companies"][0]


def tracking_number(api: httpx.Client, acct: str, company_id: str) -> str:
    trackers = api.get(f"{acct}/trackers.json", params={"company_id": company_id}).json()[
        "trackers"
    ]
    return str(trackers[0]["tracking_numbers"][0])


def test_inbound_call_sends_signed_post_call_webhook(
    api: httpx.Client, control: httpx.Client, acct: str, receiver: Receiver
) -> None:
    company = first_company(api, acct)
    key = subscribe(api, acct, company["id"], receiver)
    number = tracking_number(api, acct, company["id"])
    started = control.post(
        "/_sandbox/calls/inbound",
        json={
            "tracking_number": number,
            "customer_phone_number": "+13125550188",
            "customer_name": "Pat Doe",
            "outcome": "answered",
            "duration": 184,
        },
    )
    assert started.status_code == 201
    call = started.json()
    assert call["call_type"] == "in_progress" and call["answered"] is None
    control.post("/_sandbox/clock/advance").raise_for_status()

    assert [
        len(receiver.of(e))
        for e in ("pre_call_webhook", "answered_call_webhook", "post_call_webhook")
    ] == [1, 1, 1]
    post = receiver.of("post_call_webhook")[0]
    assert post["headers"]["content-type"] == "application/json"
    assert verify(key, post["body"], post["headers"]["signature"])
    assert not verify(key, post["body"] + b" ", post["headers"]["signature"])
    payload = json.loads(post["body"])
    assert payload["resource_id"] == call["id"] and isinstance(payload["id"], int)
    assert payload["company_resource_id"] == company["id"]
    assert payload["answered"] is True and payload["duration"] == 184
    assert payload["call_type"] == "answered" and payload["recording"]
    assert payload["transcription"] and payload["customer_name"] == "Pat Doe"
    assert post["query"]["callernum"] == "+13125550188"

    fetched = api.get(f"{acct}/calls/{call['id']}.json", params={"fields": "call_type"}).json()
    assert fetched["call_type"] == "answered" and fetched["duration"] == 184
    pre = json.loads(receiver.of("pre_call_webhook")[0]["body"])
    assert pre["call_type"] == "in_progress"

    deliveries = control.get("/_sandbox/webhooks/deliveries").json()["deliveries"]
    assert {d["event"] for d in deliveries} == {
        "pre_call_webhook",
        "answered_call_webhook",
        "post_call_webhook",
    }
    assert all(d["delivered"] and d["status"] == 200 and d["attempts"] == 1 for d in deliveries)


def test_missed_call_and_voicemail_outcomes(
    api: httpx.Client, control: httpx.Client, acct: str, receiver: Receiver
) -> None:
    company = first_company(api, acct)
    subscribe(api, acct, company["id"], receiver)
    number = tracking_number(api, acct, company["id"])
    for outcome in ("missed", "voicemail"):
        control.post(
            "/_sandbox/calls/inbound",
            json={
                "tracking_number": number,
                "customer_phone_number": "+14045550177",
                "outcome": outcome,
                "duration": 20,
            },
        ).raise_for_status()
    control.post("/_sandbox/clock/advance").raise_for_status()
    posts = [json.loads(hit["body"]) for hit in receiver.of("post_call_webhook")]
    assert sorted(p["call_type"] for p in posts) == ["missed", "voicemail"]
    assert receiver.of("answered_call_webhook") == []
    voicemail = next(p for p in posts if p["call_type"] == "voicemail")
    assert voicemail["voicemail"] is True and voicemail["answered"] is False
    missed = next(p for p in posts if p["call_type"] == "missed")
    assert missed["recording"] is None
    second = next(p for p in posts if p["first_call"] is False)
    assert second["prior_calls"] == 1


def test_call_modified_webhook_lists_changes(
    api: httpx.Client, control: httpx.Client, acct: str, receiver: Receiver
) -> None:
    company = first_company(api, acct)
    key = subscribe(api, acct, company["id"], receiver)
    call = api.get(
        f"{acct}/calls.json", params={"company_id": company["id"], "direction": "inbound"}
    ).json()["calls"][0]
    api.put(
        f"{acct}/calls/{call['id']}.json", json={"note": "Booked", "tags": ["Appointment Booked"]}
    ).raise_for_status()
    control.post("/_sandbox/clock/advance").raise_for_status()  # also waits for deliveries
    hit = receiver.of("updated_call_webhook")[0]
    assert verify(key, hit["body"], hit["headers"]["signature"])
    payload = json.loads(hit["body"])
    assert payload["changes"] == ["note", "tags"] and payload["note"] == "Booked"


def test_texts_and_forms_send_their_webhooks(
    api: httpx.Client, control: httpx.Client, acct: str, receiver: Receiver
) -> None:
    company = first_company(api, acct)
    key = subscribe(api, acct, company["id"], receiver)
    number = tracking_number(api, acct, company["id"])
    inbound = control.post(
        "/_sandbox/texts/inbound",
        json={
            "tracking_number": number,
            "customer_phone_number": "+12065550123",
            "content": "Are you open Saturday?",
        },
    )
    assert inbound.status_code == 201
    sent = api.post(
        f"{acct}/text-messages.json",
        json={
            "company_id": company["id"],
            "tracking_number": number,
            "customer_phone_number": "+12065550123",
            "content": "Yes, 9 to 1!",
        },
    )
    assert sent.status_code == 201
    form = control.post(
        "/_sandbox/forms/submit",
        json={
            "company_id": company["id"],
            "form_url": "https://www.brightsmile.example/book",
            "form_data": {"name": "Kim Lee", "phone": "(206) 555-0123"},
        },
    )
    assert form.status_code == 201
    control.post("/_sandbox/clock/advance").raise_for_status()
    received = receiver.of("sms_received_webhook")[0]
    sent_hook = receiver.of("sms_sent_webhook")[0]
    captured = receiver.of("form_captured_webhook")[0]
    for hit in (received, sent_hook, captured):
        assert verify(key, hit["body"], hit["headers"]["signature"])
    received_body = json.loads(received["body"])
    assert (
        received_body["content"] == "Are you open Saturday?"
        and received_body["conversation_id"] == inbound.json()["conversation_id"]
    )
    assert received_body["source_number"] == "206-555-0123"
    assert json.loads(sent_hook["body"])["agent"] == "Avery Quinn"
    captured_body = json.loads(captured["body"])
    assert (
        captured_body["form_data"]["name"] == "Kim Lee"
        and captured_body["resource_id"] == form.json()["id"]
    )
    assert form.json()["person_id"].startswith("PER")


def test_disabled_integration_sends_nothing(
    api: httpx.Client, control: httpx.Client, acct: str, receiver: Receiver
) -> None:
    company = first_company(api, acct)
    subscribe(api, acct, company["id"], receiver)
    integration = api.get(f"{acct}/integrations.json", params={"company_id": company["id"]}).json()[
        "integrations"
    ][0]
    api.put(
        f"{acct}/integrations/{integration['id']}.json", json={"state": "disabled"}
    ).raise_for_status()
    number = tracking_number(api, acct, company["id"])
    control.post(
        "/_sandbox/calls/inbound",
        json={"tracking_number": number, "customer_phone_number": "+14045550177"},
    ).raise_for_status()
    control.post("/_sandbox/clock/advance").raise_for_status()
    assert receiver.hits == []


def test_failed_delivery_is_not_retried(
    api: httpx.Client, control: httpx.Client, acct: str
) -> None:
    company = first_company(api, acct)
    config = {"post_call_webhook": ["http://127.0.0.1:9/unreachable"]}
    api.post(
        f"{acct}/integrations.json",
        json={"type": "Webhooks", "company_id": company["id"], "config": config},
    ).raise_for_status()
    number = tracking_number(api, acct, company["id"])
    control.post(
        "/_sandbox/calls/inbound",
        json={"tracking_number": number, "customer_phone_number": "+14045550177"},
    ).raise_for_status()
    control.post("/_sandbox/clock/advance").raise_for_status()
    deliveries = control.get("/_sandbox/webhooks/deliveries").json()["deliveries"]
    assert len(deliveries) == 1
    assert (
        deliveries[0]["attempts"] == 1 and not deliveries[0]["delivered"] and deliveries[0]["error"]
    )
