"""Dated-API webhooks: management, Standard Webhooks signatures (checked by the
``standardwebhooks`` package in a receiver on 127.0.0.1), payloads as the spec documents them,
the retry schedule on a fast sandbox clock, the delivery log, manual retry, tests and rotation.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import pytest
from openapi_schema_validator import OAS31Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from standardwebhooks import Webhook, WebhookVerificationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tests.support.servers import serve_asgi
from trunkline.sandbox.quo import create_app
from trunkline.sandbox.quo.dated.delivery import SCHEDULE

from .conftest import dated_hook
from .helpers import GLOBEX, MAIN_LINE, NORTHWIND, SEED, dated_headers, quo_config, wait_for

SPECS = Path(__file__).resolve().parents[2] / "specs"
SPEED = 50_000.0  # the 27.5 h schedule in about 2 s
DISPATCH = next(p for p in SEED["phoneNumbers"].values() if p["name"] == "Dispatch")
MARIA_CONVO = next(
    c for c in SEED["conversations"].values() if c["participants"] == ["+14155550142"]
)
Json = dict[str, Any]


@cache
def _spec() -> Json:
    spec: Json = json.loads((SPECS / "quo-2026-03-30.derived.openapi.json").read_text())
    return spec


def check_event(body: Json) -> None:
    """The envelope against the spec's schema for its type (``WebhookEvent_<type>``)."""
    name = "WebhookEvent_" + body["type"].replace(".", "_")
    registry: Registry[Any] = Registry().with_resource(
        "urn:spec", Resource.from_contents(_spec(), default_specification=DRAFT202012)
    )
    validator = OAS31Validator({"$ref": f"urn:spec#/components/schemas/{name}"}, registry=registry)
    errors = list(validator.iter_errors(body))
    assert not errors, f"{body['type']}: {errors[0].message} at {list(errors[0].absolute_path)}"


@dataclass
class SignedReceiver:
    """Endpoints ``/hook/<name>`` that verify each delivery with its webhook's ``whsec_`` key."""

    url: str = ""
    keys: dict[str, str] = field(default_factory=dict)
    status: dict[str, int] = field(default_factory=dict)
    received: list[Json] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def of(self, name: str, event_type: str | None = None) -> list[Json]:
        with self.lock:
            items = [r for r in self.received if r["name"] == name]
        return [r for r in items if event_type is None or r["json"]["type"] == event_type]

    def wait(self, name: str, event_type: str, count: int = 1, timeout: float = 8.0) -> list[Json]:
        found: list[Json] = wait_for(
            lambda: (found := self.of(name, event_type)) and len(found) >= count and found,
            timeout,
        )
        return found


@pytest.fixture(scope="module")
def signed() -> Iterator[SignedReceiver]:
    receiver = SignedReceiver()

    async def hook(request: Request) -> Response:
        name = request.path_params["name"]
        raw = await request.body()
        headers = dict(request.headers)
        try:
            Webhook(receiver.keys[name]).verify(raw, headers)
            verified = True
        except (WebhookVerificationError, KeyError):
            verified = False
        entry = {"name": name, "raw": raw, "headers": headers, "verified": verified}
        entry["json"] = json.loads(raw)
        with receiver.lock:
            receiver.received.append(entry)
        return Response(status_code=receiver.status.get(name, 200))

    app = Starlette(routes=[Route("/hook/{name}", hook, methods=["POST"])])
    with serve_asgi(app) as url:
        receiver.url = f"{url}/hook"
        yield receiver


@pytest.fixture(scope="module")
def fast_url() -> Iterator[str]:
    with serve_asgi(create_app(quo_config(speed=SPEED))) as url:
        yield url


@pytest.fixture
def fast(fast_url: str, signed: SignedReceiver) -> Iterator[httpx.Client]:
    """The dated API of a fast-clock sandbox (reset), spec-checked; a fresh receiver log."""
    with signed.lock:
        signed.received.clear()
    signed.status.clear()
    hooks = {"response": [dated_hook()]}
    headers = dated_headers(NORTHWIND["apiKey"])
    with httpx.Client(base_url=fast_url, headers=headers, event_hooks=hooks) as client:
        httpx.post(f"{fast_url}/_sandbox/reset", headers={"Authorization": NORTHWIND["apiKey"]})
        yield client


def subscribe(fast: httpx.Client, signed: SignedReceiver, name: str, **body: Any) -> Json:
    response = fast.post("/webhooks", json={"url": f"{signed.url}/{name}", **body})
    assert response.status_code == 201, response.text
    hook: Json = response.json()["data"]
    signed.keys[name] = hook["key"]
    return hook


def control(fast: httpx.Client, path: str, body: Json | None = None) -> Json:
    response = httpx.post(
        f"{fast.base_url}/_sandbox{path}",
        json=body or {},
        headers={"Authorization": NORTHWIND["apiKey"]},
    )
    response.raise_for_status()
    result: Json = response.json()
    return result


# --- management ------------------------------------------------------------------------------


def test_schedule_is_the_documented_one() -> None:
    assert list(SCHEDULE) == _spec()["x-webhook-delivery"]["retryDelaysSeconds"]


def test_signatures_match_the_published_test_vectors() -> None:
    raw = (SPECS / "quo-2026-03-30.webhook-test-vectors.json").read_text()
    vectors = json.loads(raw)["quo_2026_03_30"]
    for case in vectors["cases"]:
        moment = datetime.fromtimestamp(int(case["webhook_timestamp"]), UTC)
        signed = Webhook(case["secret"]).sign(case["webhook_id"], moment, case["body"])
        assert signed == case["expected_signature"], case["name"]


def test_webhook_management(fast: httpx.Client, signed: SignedReceiver) -> None:
    hook = subscribe(
        fast, signed, "crm", events=["message.received", "contact.updated"], label="CRM"
    )
    assert hook["id"].isdigit() and hook["key"].startswith("whsec_")
    assert hook["apiVersion"] == "2026-03-30" and hook["resourceIds"] == ["*"]
    assert hook["status"] == "enabled" and hook["orgId"] == NORTHWIND["id"]
    path = f"/webhooks/{hook['id']}"
    shown = fast.get(path).json()["data"]
    assert "key" not in shown and shown["label"] == "CRM"
    assert [w["id"] for w in fast.get("/webhooks").json()["data"]] == [hook["id"]]
    # Separate systems: v1 lists neither these nor the other way round.
    v1 = httpx.get(f"{fast.base_url}/v1/webhooks", headers={"Authorization": NORTHWIND["apiKey"]})
    assert hook["id"] not in {w["id"] for w in v1.json()["data"]}
    changes = {"status": "disabled", "resourceIds": [MAIN_LINE["id"]], "label": None}
    patched = fast.patch(path, json=changes).json()["data"]
    assert patched["status"] == "disabled" and patched["resourceIds"] == [MAIN_LINE["id"]]
    assert patched["label"] is None and patched["events"] == hook["events"]
    assert fast.patch(path, json={"resourceIds": None}).json()["data"]["resourceIds"] == ["*"]
    rotated = fast.post(f"{path}/rotate").json()["data"]["key"]
    assert rotated.startswith("whsec_") and rotated != hook["key"]
    for body in (
        {"url": "https://x.example", "events": ["message.sent"]},
        {"url": "https://x.example", "events": []},
        {"url": "not a url", "events": ["message.received"]},
        {"url": "https://x.example", "events": ["call.ringing"], "resourceIds": ["PNnope"]},
        {"url": "https://x.example", "events": ["call.ringing"], "userId": "US1"},
    ):
        assert fast.post("/webhooks", json=body).status_code == 400, body
    assert fast.patch(path, json={}).status_code == 400
    globex = httpx.get(f"{fast.base_url}{path}", headers=dated_headers(GLOBEX["apiKey"]))
    assert globex.status_code == 404
    assert fast.delete(path).status_code == 204
    assert fast.get(path).status_code == 404


# --- deliveries ------------------------------------------------------------------------------


def test_real_events_are_signed_and_documented(fast: httpx.Client, signed: SignedReceiver) -> None:
    events = [
        "message.received", "message.delivered", "call.ringing", "call.answered",
        "call.completed", "call.recording.completed", "call.transcript.completed",
        "call.summary.completed", "contact.updated", "task.created", "task.assigned",
        "task.duedate.removed", "task.deleted",
    ]  # fmt: skip
    hook = subscribe(fast, signed, "all", events=events)
    control(
        fast, "/messages/inbound", {"from": "+14155550142", "to": MAIN_LINE["id"], "text": "hi"}
    )
    httpx.post(
        f"{fast.base_url}/v1/messages",
        json={"from": MAIN_LINE["id"], "to": ["+17185550133"], "content": "on our way"},
        headers={"Authorization": NORTHWIND["apiKey"]},
    ).raise_for_status()
    control(fast, "/calls/inbound", {"from": "+14085550163", "to": MAIN_LINE["id"], "duration": 5})
    contact = fast.post("/contacts", json={"firstName": "Hooked"}).json()["data"]
    task = fast.post(
        "/tasks",
        json={
            "title": "t",
            "description": "d",
            "conversationId": MARIA_CONVO["id"],
            "dueDate": "2026-10-10T16:00:00Z",
            "assignedTo": NORTHWIND["ownerId"],
        },
    ).json()["data"]
    fast.delete(f"/tasks/{task['taskId']}/due-date").raise_for_status()
    fast.delete(f"/tasks/{task['taskId']}").raise_for_status()
    for event_type in events:
        # A receiver slowed by a busy machine may see a retry of the same message too.
        deliveries = signed.wait("all", event_type)
        assert {d["headers"]["webhook-id"] for d in deliveries} == {
            deliveries[0]["headers"]["webhook-id"]
        }, event_type
        delivery = deliveries[0]
        assert delivery["verified"], event_type
        body = delivery["json"]
        check_event(body)
        assert body["id"].startswith("EV") and body["apiVersion"] == "2026-03-30"
        assert body["data"]["context"]["orgId"] == NORTHWIND["id"]
        assert delivery["headers"]["webhook-id"].startswith("msg_")
        assert abs(int(delivery["headers"]["webhook-timestamp"]) - time.time()) < 60
    [updated] = signed.of("all", "contact.updated")
    assert updated["json"]["data"]["resource"]["id"] == contact["id"]
    [received] = signed.of("all", "message.received")
    assert received["json"]["data"]["resource"]["direction"] == "incoming"
    assert received["json"]["data"]["context"]["contacts"]["lookupStatus"] == "matched"

    def settled() -> list[Json]:
        # The sandbox records "success" once the receiver's answer is back, after the receiver
        # has seen the delivery: wait for that state rather than sampling it.
        url = f"/webhooks/{hook['id']}/events"
        log: list[Json] = fast.get(url, params={"limit": 50}).json()["data"]
        return log if {d["status"] for d in log} == {"success"} else []

    log = wait_for(settled)
    assert len(log) == len(events)
    by_id = {d["id"]: d for d in log}
    assert by_id[updated["headers"]["webhook-id"]]["resourceId"] == contact["id"]
    assert by_id[updated["headers"]["webhook-id"]]["eventId"] == updated["json"]["id"]


def test_resource_filter_and_disabled_webhooks(fast: httpx.Client, signed: SignedReceiver) -> None:
    events = ["message.received", "contact.updated"]
    subscribe(fast, signed, "dispatch", events=events, resourceIds=[DISPATCH["id"]])
    subscribe(fast, signed, "off", events=events, status="disabled")
    subscribe(fast, signed, "main", events=events, resourceIds=[MAIN_LINE["id"]])
    control(fast, "/messages/inbound", {"from": "+14155550142", "to": MAIN_LINE["id"], "text": "x"})
    fast.post("/contacts", json={"firstName": "Everyone"}).raise_for_status()
    signed.wait("main", "message.received")
    signed.wait("dispatch", "contact.updated")  # contact events ignore resourceIds
    time.sleep(0.3)
    assert signed.of("dispatch", "message.received") == []
    assert signed.of("off") == []


def test_retries_follow_the_schedule_then_fail_and_manual_retry(
    fast: httpx.Client, signed: SignedReceiver
) -> None:
    hook = subscribe(fast, signed, "down", events=["contact.updated"])
    signed.status["down"] = 503
    contact = fast.post("/contacts", json={"firstName": "Retry"}).json()["data"]
    log_path = f"/webhooks/{hook['id']}/events"
    [first] = wait_for(lambda: fast.get(log_path).json()["data"])
    saw_sending = False

    def failed() -> bool:
        nonlocal saw_sending
        [entry] = fast.get(log_path).json()["data"]
        saw_sending = saw_sending or (entry["status"] == "sending" and entry["nextAttemptAt"])
        return bool(entry["status"] == "failed")

    wait_for(failed, timeout=10)
    assert saw_sending
    detail = fast.get(f"{log_path}/{first['id']}").json()["data"]
    attempts = detail["attempts"]
    assert len(attempts) == len(SCHEDULE) == 8
    assert {a["triggerType"] for a in attempts} == {"scheduled"}
    assert {a["responseStatusCode"] for a in attempts} == {503}
    assert all(a["status"] == "failed" for a in attempts)
    deliveries = signed.of("down", "contact.updated")
    assert len(deliveries) == 8 and all(d["verified"] for d in deliveries)
    assert {d["headers"]["webhook-id"] for d in deliveries} == {first["id"]}  # same id each time
    assert {d["json"]["id"] for d in deliveries} == {detail["requestBody"]["id"]}
    times = [datetime.fromisoformat(a["timestamp"].replace("Z", "+00:00")) for a in attempts]
    span = (times[0] - times[-1]).total_seconds()  # attempts are most recent first
    assert span >= 0.9 * sum(SCHEDULE) / SPEED
    last_gap = (times[0] - times[1]).total_seconds()
    assert last_gap >= 0.8 * SCHEDULE[-1] / SPEED > 50 * SCHEDULE[1] / SPEED
    failed_only = fast.get(log_path, params={"status": "failed"}).json()["data"]
    assert [d["id"] for d in failed_only] == [first["id"]]
    assert fast.get(log_path, params={"resourceId": contact["id"]}).json()["data"]
    assert fast.get(log_path, params={"eventType": "contact.deleted"}).json()["data"] == []

    signed.status["down"] = 200
    retried = fast.post(f"{log_path}/{first['id']}/retry")
    assert retried.status_code == 202 and retried.json() == {}
    wait_for(
        lambda: (
            fast.get(f"{log_path}/{first['id']}").json()["data"]["attempts"][0]["status"]
            == "success"
        )
    )
    detail = fast.get(f"{log_path}/{first['id']}").json()["data"]
    assert len(detail["attempts"]) == 9 and detail["attempts"][0]["triggerType"] == "manual"
    assert fast.get(log_path).json()["data"][0]["status"] == "success"
    assert fast.get(f"{log_path}/msg_nope").status_code == 404


def test_test_events_and_key_rotation(fast: httpx.Client, signed: SignedReceiver) -> None:
    hook = subscribe(fast, signed, "tests", events=["message.received"])
    old_key = hook["key"]
    path = f"/webhooks/{hook['id']}"
    for event_type in ("message.received", "call.completed", "task.updated", "contact.deleted"):
        sample = fast.post(f"{path}/events/test", json={"eventType": event_type})
        assert sample.status_code == 200
        body = sample.json()
        assert body["type"] == event_type and "data" in body and body["id"].startswith("EVsample")
        check_event(body)
        [got] = signed.wait("tests", event_type)
        assert got["verified"] and got["json"] == body
    log = fast.get(f"{path}/events").json()["data"]
    assert len(log) == 4 and all(d["eventId"] is None and d["resourceId"] is None for d in log)
    assert fast.post(f"{path}/events/test", json={"eventType": "nope"}).status_code == 400

    new_key = fast.post(f"{path}/rotate").json()["data"]["key"]
    signed.keys["tests"] = new_key
    fast.post(f"{path}/events/test", json={"eventType": "message.delivered"}).raise_for_status()
    [after] = signed.wait("tests", "message.delivered")
    assert after["verified"]  # signed with the new key
    with pytest.raises(WebhookVerificationError):
        Webhook(old_key).verify(after["raw"], after["headers"])


def test_failed_texts_fire_message_failed(fast: httpx.Client, signed: SignedReceiver) -> None:
    subscribe(fast, signed, "texts", events=["message.failed", "message.undelivered"])
    for to in ("+14155550991", "+14155550042"):
        httpx.post(
            f"{fast.base_url}/v1/messages",
            json={"from": MAIN_LINE["id"], "to": [to], "content": "hello"},
            headers={"Authorization": NORTHWIND["apiKey"]},
        ).raise_for_status()
    [failed] = signed.wait("texts", "message.failed")
    [undelivered] = signed.wait("texts", "message.undelivered")
    for got in (failed, undelivered):
        assert got["verified"]
        check_event(got["json"])
    assert failed["json"]["data"]["resource"]["errorCode"] == "30007"
    assert undelivered["json"]["data"]["resource"]["status"] == "undelivered"
