"""Dated-API webhook deliveries: Standard Webhooks signing, the documented retry schedule and
the delivery log behind ``GET /webhooks/{id}/events``.

One delivery is one event for one webhook; its id (``msg_…``) is the ``webhook-id`` header and
stays the same across attempts. Each attempt is signed afresh (``webhook-timestamp`` is the send
time) with the webhook's current ``whsec_`` key. Any 2xx acknowledges; otherwise the next attempt
follows the schedule (immediately, +5 s, +5 min, +30 min, +2 h, +5 h, +10 h, +10 h) on the
sandbox clock, so ``speed`` shortens it. After the eighth failure the delivery is ``failed``.
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import httpx
from standardwebhooks import Webhook

from trunkline.sandbox.kit import utcnow
from trunkline.sandbox.quo.timefmt import now_stamp, stamp
from trunkline.sandbox.quo.world import QuoWorld

Doc = dict[str, Any]

SCHEDULE = (0.0, 5.0, 300.0, 1800.0, 7200.0, 18000.0, 36000.0, 36000.0)
KEEP = 1000
BODY_LIMIT = 1000
TABLE = "webhookDeliveries"


def headers_for(key: str, delivery_id: str, body: str) -> dict[str, str]:
    """The three Standard Webhooks headers, signed now."""
    moment = utcnow()
    return {
        "content-type": "application/json",
        "webhook-id": delivery_id,
        "webhook-timestamp": str(int(moment.timestamp())),
        "webhook-signature": Webhook(key).sign(delivery_id, moment, body),
    }


def create(
    world: QuoWorld,
    hook: Doc,
    envelope: Doc,
    body: str,
    *,
    event_id: str | None,
    resource_id: str | None,
) -> Doc:
    """Log a delivery of ``body`` to ``hook`` and put its first attempt on the clock."""
    doc = {
        "id": "msg_" + world.ids.alnum(22),
        "orgId": hook["orgId"],
        "webhookId": hook["id"],
        "eventId": event_id,
        "resourceId": resource_id,
        "eventType": envelope["type"],
        "status": "pending",
        "nextAttemptAt": now_stamp(),
        "createdAt": now_stamp(),
        "requestBody": envelope,
        "body": body,
        "attempts": [],
        "nextIndex": 0,
    }
    table = world.table(TABLE)
    table[doc["id"]] = doc
    _trim(table)
    world.save()
    _schedule(world, doc["id"], 0)
    return doc


def retry(world: QuoWorld, delivery: Doc) -> None:
    """A manual attempt, now and once (``triggerType: manual``)."""
    world.later(0, lambda: world.spawn(_attempt(world, delivery["id"], None)))


def resume(world: QuoWorld) -> None:
    """After a restart, put deliveries that were still going back on the clock."""
    for doc in world.table(TABLE).values():
        if doc["status"] in ("pending", "sending") and doc["nextIndex"] < len(SCHEDULE):
            _schedule(world, doc["id"], doc["nextIndex"])


def _schedule(world: QuoWorld, delivery_id: str, index: int) -> None:
    world.later(SCHEDULE[index], lambda: world.spawn(_attempt(world, delivery_id, index)))


def _trim(table: dict[str, Doc]) -> None:
    finished = [k for k, d in table.items() if d["status"] in ("success", "failed")]
    for key in finished[: max(0, len(table) - KEEP)]:
        del table[key]


async def _attempt(world: QuoWorld, delivery_id: str, index: int | None) -> None:
    """One POST. ``index`` is the scheduled attempt's place in the schedule (None: manual)."""
    doc = world.table(TABLE).get(delivery_id)
    if doc is None or (index is not None and doc["status"] in ("success", "failed")):
        return
    hook = world.table("datedWebhooks").get(doc["webhookId"])
    if hook is None:  # deleted meanwhile: nothing left to deliver to
        doc.update(status="failed", nextAttemptAt=None)
        world.save()
        return
    attempt = await _post(world, hook, doc, "manual" if index is None else "scheduled")
    doc["attempts"].insert(0, attempt)
    if attempt["status"] == "success":
        doc.update(status="success", nextAttemptAt=None)
    elif index is not None and index + 1 < len(SCHEDULE):
        delay = SCHEDULE[index + 1]
        at = utcnow() + timedelta(seconds=delay / world.runtime.clock.speed)
        doc.update(status="sending", nextAttemptAt=stamp(at), nextIndex=index + 1)
        _schedule(world, delivery_id, index + 1)
    elif index is not None:
        doc.update(status="failed", nextAttemptAt=None, nextIndex=len(SCHEDULE))
    # A failed manual attempt leaves the status alone (scheduled attempts may still come).
    world.save()


async def _post(world: QuoWorld, hook: Doc, doc: Doc, trigger: str) -> Doc:
    headers = headers_for(hook["key"], doc["id"], doc["body"])
    started = time.monotonic()
    code, text = 0, None
    try:
        response = await world.http().post(
            hook["url"], content=doc["body"].encode("utf-8"), headers=headers
        )
        code, text = response.status_code, response.text[:BODY_LIMIT]
    except httpx.HTTPError as exc:
        text = f"{type(exc).__name__}: {exc}"[:BODY_LIMIT]
    return {
        "id": "atmpt_" + world.ids.alnum(22),
        "timestamp": now_stamp(),
        "status": "success" if 200 <= code < 300 else "failed",
        "responseStatusCode": code,
        "responseBody": text,
        "responseDurationMs": round((time.monotonic() - started) * 1000),
        "triggerType": trigger,
        "url": hook["url"],
    }
