"""What the CallRail sandbox really sends (pre-call, answered, post-call, modified, texts in
and out, form submissions) verifies with the company signing key and normalises to the shared
types; the hook the URL was registered for is passed as the hint, as the ingress would."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from trunkline.errors import Unauthorized
from trunkline.events import normalise, verify
from trunkline.sandbox.callrail import SANDBOX

from .conftest import Capture, Captured
from .helpers import declaration

HOOKS = (
    "pre_call_webhook", "answered_call_webhook", "post_call_webhook", "updated_call_webhook",
    "sms_received_webhook", "sms_sent_webhook", "form_captured_webhook",
)  # fmt: skip
CALLERS = {"answered": "+13125550101", "missed": "+13125550102", "voicemail": "+13125550103"}
TEXTER = "+13125550104"


@pytest.fixture(scope="module")
def callrail_run(callrail_url: str, capture: Capture) -> Iterator[dict[str, Any]]:
    capture.clear()
    auth = {"Authorization": f'Token token="{SANDBOX.credentials["api_key"]}"'}
    with httpx.Client(base_url=callrail_url, headers=auth, timeout=15, trust_env=False) as api:
        api.post("/_sandbox/reset").raise_for_status()
        account = api.get("/v3/a.json").json()["accounts"][0]["id"]
        acct = f"/v3/a/{account}"
        trackers = api.get(f"{acct}/trackers.json", params={"per_page": 100}).json()["trackers"]
        tracker = next(t for t in trackers if t.get("sms_enabled") and t["status"] == "active")
        company, number = tracker["company"]["id"], tracker["tracking_numbers"][0]
        config = {hook: [capture.url(f"cr/{hook}")] for hook in HOOKS}
        made = api.post(
            f"{acct}/integrations.json",
            json={"type": "Webhooks", "company_id": company, "config": config},
        )
        assert made.status_code == 201, made.text
        for outcome, caller in CALLERS.items():
            call = {
                "tracking_number": number,
                "customer_phone_number": caller,
                "customer_name": "Pat Doe",
                "outcome": outcome,
                "duration": 40,
            }
            api.post("/_sandbox/calls/inbound", json=call).raise_for_status()
        api.post("/_sandbox/clock/advance").raise_for_status()
        capture.wait("cr/post_call", lambda r: len(r) == 3)
        answered = json_of(capture.at("cr/post_call")[0])["resource_id"]
        api.put(f"{acct}/calls/{answered}.json", json={"note": "Wants a quote"}).raise_for_status()
        api.post(
            "/_sandbox/texts/inbound",
            json={
                "tracking_number": number,
                "customer_phone_number": TEXTER,
                "content": "Open today?",
            },
        ).raise_for_status()
        sent = api.post(
            f"{acct}/text-messages.json",
            json={
                "company_id": company,
                "customer_phone_number": TEXTER,
                "content": "Yes, until 6",
                "tracking_number": number,
            },
        )
        assert sent.status_code == 201, sent.text
        form = {
            "company_id": company,
            "form_url": "https://example.com/contact",
            "form_data": {"name": "Sam", "email": "sam@example.com", "phone": TEXTER},
        }
        api.post("/_sandbox/forms/submit", json=form).raise_for_status()
        for hook in ("updated_call", "sms_received", "sms_sent", "form_captured"):
            capture.wait(f"cr/{hook}", lambda r: len(r) == 1)
        yield {"key": made.json()["signing_key"], "number": number, "company": company}


def json_of(delivery: Captured) -> dict[str, Any]:
    import json

    loaded: dict[str, Any] = json.loads(delivery.body)
    return loaded


def _check(run: dict[str, Any], delivery: Captured, *, hinted: bool = True) -> tuple[Any, Any]:
    verified = verify(
        declaration("callrail"),
        method=delivery.method,
        url=delivery.url,
        headers=delivery.headers,
        body=delivery.body,
        secret=run["key"],
        now=datetime.now(tz=UTC),
    )
    hint = delivery.path.rsplit("/", 1)[-1] if hinted else None
    return verified, normalise("callrail", verified.payload, headers=delivery.headers, hint=hint)


@pytest.mark.parametrize("hinted", [True, False])
def test_calls(callrail_run: dict[str, Any], capture: Capture, hinted: bool) -> None:
    number = callrail_run["number"]
    for outcome, caller in CALLERS.items():
        events = {}
        for hook in ("pre_call", "answered_call", "post_call"):
            for delivery in capture.at(f"cr/{hook}"):
                verified, event = _check(callrail_run, delivery, hinted=hinted)
                if event.data["from"] == caller:
                    events[hook] = event
                    assert (
                        verified.delivery_id
                        == "sha256:" + __import__("hashlib").sha256(delivery.body).hexdigest()
                    )
        ringing = events["pre_call"]
        assert (
            ringing.type == "call.ringing"
            and ringing.data["to"] == number == ringing.data["phone_number"]
        )
        assert ringing.data["direction"] == "inbound" and ringing.data["call_id"].startswith("CAL")
        assert ringing.occurred_at is not None
        ended = events["post_call"]
        if outcome == "answered":
            # Without the hint the answered-call body is indistinguishable from the pre-call one.
            assert events["answered_call"].type == ("call.answered" if hinted else "call.ringing")
            assert ended.type == "call.completed" and ended.data["duration"] == 40
            assert ended.occurred_at is not None and ringing.occurred_at is not None
            assert (ended.occurred_at - ringing.occurred_at).total_seconds() == 40
        else:
            assert "answered_call" not in events
            assert ended.type == "call.missed"
            assert ended.data.get("voicemail", False) is (outcome == "voicemail")
        assert ended.data["call_id"] == ringing.data["call_id"]
        assert ended.delivery_id_fallback == f"callrail:{ended.type}:{ended.data['call_id']}"
        assert ended.data["contact"] == {"name": "Pat Doe", "phone_numbers": [caller]}


@pytest.mark.parametrize("hinted", [True, False])
def test_call_modified_texts_and_forms(
    callrail_run: dict[str, Any], capture: Capture, hinted: bool
) -> None:
    (updated,) = [_check(callrail_run, d, hinted=hinted)[1] for d in capture.at("cr/updated_call")]
    assert updated.type == "callrail.call.updated"
    assert updated.data["details"] == {"changes": ["note"]} and updated.occurred_at is None
    assert updated.delivery_id_fallback.startswith("callrail:callrail.call.updated:sha256:")
    (received,) = [_check(callrail_run, d, hinted=hinted)[1] for d in capture.at("cr/sms_received")]
    assert received.type == "message.received" and received.data["text"] == "Open today?"
    assert received.data["from"] == TEXTER and received.data["to"] == callrail_run["number"]
    assert received.data["direction"] == "inbound" and received.occurred_at is not None
    (sent,) = [_check(callrail_run, d, hinted=hinted)[1] for d in capture.at("cr/sms_sent")]
    assert sent.type == "message.sent" and sent.data["to"] == TEXTER
    assert sent.data["text"].startswith("Yes, until 6") and sent.data["direction"] == "outbound"
    assert sent.data["phone_number"] == callrail_run["number"]
    (form,) = [_check(callrail_run, d, hinted=hinted)[1] for d in capture.at("cr/form_captured")]
    assert form.type == "callrail.form.submitted"
    assert form.data["details"]["form_data"]["email"] == "sam@example.com"
    assert form.data["object_id"] and form.occurred_at is not None


def test_tampered_callrail_delivery_is_refused(
    callrail_run: dict[str, Any], capture: Capture
) -> None:
    delivery = capture.at("cr/post_call")[0]
    altered = Captured(
        delivery.method,
        delivery.url,
        delivery.path,
        delivery.headers,
        delivery.body.replace(b"Pat Doe", b"Pat Dow"),
    )
    with pytest.raises(Unauthorized):
        _check(callrail_run, altered)
    with pytest.raises(Unauthorized):
        _check({"key": "0" * 32}, delivery)
