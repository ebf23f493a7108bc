"""Webhook events: the documented envelope, who receives it, and the signed delivery.

An event goes to every API-created, enabled webhook of the workspace whose ``events`` list it
and whose ``resourceIds`` hold ``"*"`` or the phone number involved. The body is compact JSON
(what the signature covers); the last 200 events stay listed under ``/_sandbox/events``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from trunkline.sandbox.kit import Delivery
from trunkline.sandbox.quo import signing
from trunkline.sandbox.quo.dated import events as dated_events
from trunkline.sandbox.quo.timefmt import epoch_ms, now_stamp
from trunkline.sandbox.quo.world import QuoWorld

Doc = dict[str, Any]

API_VERSION = "v4"
KEEP_EVENTS = 200
KEEP_DELIVERIES = 500

FAMILY_EVENTS = {
    "messages": ("message.received", "message.delivered"),
    "calls": ("call.completed", "call.ringing", "call.recording.completed"),
    "call-summaries": ("call.summary.completed",),
    "call-transcripts": ("call.transcript.completed",),
}


@dataclass
class SentEvent:
    """A delivery attempt series of one event to one webhook (kept in memory)."""

    org_id: str
    event_id: str
    event_type: str
    webhook_id: str
    delivery: Delivery

    def summary(self) -> dict[str, Any]:
        return {
            "eventId": self.event_id,
            "type": self.event_type,
            "webhookId": self.webhook_id,
            **self.delivery.summary(),
        }


def subscribers(world: QuoWorld, org_id: str, event_type: str, phone_id: str | None) -> list[Doc]:
    found = []
    for hook in world.table("webhooks").values():
        if hook["orgId"] != org_id or hook["createdVia"] != "api":
            continue
        if hook["status"] != "enabled" or event_type not in hook["events"]:
            continue
        if "*" in hook["resourceIds"] or phone_id in hook["resourceIds"]:
            found.append(hook)
    return found


def emit(world: QuoWorld, org_id: str, event_type: str, obj: Doc, phone_id: str | None) -> Doc:
    """Record the event and deliver it (signed) to every matching webhook."""
    event_id = world.new_id("EV")
    event = {
        "id": event_id,
        "object": "event",
        "apiVersion": API_VERSION,
        "createdAt": now_stamp(),
        "type": event_type,
        "data": {"object": obj},
    }
    _remember(world, org_id, event)
    body = json.dumps(event, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    for hook in subscribers(world, org_id, event_type, phone_id):
        timestamp = str(epoch_ms())
        headers = {
            "content-type": "application/json",
            signing.HEADER: signing.signature_header(hook["key"], timestamp, body),
        }
        delivery = world.runtime.webhooks.send(hook["url"], body, headers)
        sent: list[SentEvent] = world.sent_events
        sent.append(SentEvent(org_id, event_id, event_type, hook["id"], delivery))
        del sent[:-KEEP_DELIVERIES]
    # The same happening, for the dated API's webhooks (their own shapes and signing).
    dated_events.relay(world, org_id, event_type, obj)
    return event


def _remember(world: QuoWorld, org_id: str, event: Doc) -> None:
    table = world.table("events")
    table[event["id"]] = {**event, "orgId": org_id}
    while len(table) > KEEP_EVENTS:
        table.pop(next(iter(table)))
    world.save()
