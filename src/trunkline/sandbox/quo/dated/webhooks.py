"""Dated-API webhooks: create (the ``whsec_`` key is shown once), list, get, update, delete,
rotate the key; the delivery log, a delivery's attempts, manual retry and test events.

Ids are numeric strings. These webhooks are their own system: ``GET /webhooks`` lists neither
v1 webhooks nor the ones made in the Quo app, and ``/v1/webhooks`` does not list these.
The payload version (``apiVersion``) is the one requested at creation and never changes.
"""

from __future__ import annotations

import base64
import secrets
from typing import Any

from starlette.responses import JSONResponse, Response

from trunkline.sandbox.quo.dated import delivery, samples
from trunkline.sandbox.quo.dated.errors import VERSION, bad_value, invalid, not_found
from trunkline.sandbox.quo.dated.params import (
    check_operators,
    csv_values,
    datetime_param,
    enum_param,
    json_body,
    page,
    string_field,
)
from trunkline.sandbox.quo.endpoint import Call, data
from trunkline.sandbox.quo.errors import QuoError
from trunkline.sandbox.quo.timefmt import now_stamp
from trunkline.sandbox.quo.validation import is_http_url
from trunkline.sandbox.quo.world import QuoWorld

Doc = dict[str, Any]

TABLE = "datedWebhooks"
LIMIT = 50
EVENT_TYPES = (
    "message.received", "message.delivered", "message.failed", "message.undelivered",
    "call.ringing", "call.answered", "call.completed", "call.missed", "call.forwarded",
    "call.menu.selected", "call.recording.completed", "call.transcript.completed",
    "call.summary.completed", "call.voicemail.completed", "contact.updated", "contact.deleted",
    "task.created", "task.updated", "task.deleted", "task.completed", "task.reopened",
    "task.assigned", "task.unassigned", "task.overdue", "task.linked", "task.unlinked",
    "task.duedate.updated", "task.duedate.removed",
)  # fmt: skip
FIELDS = (
    "id", "orgId", "label", "status", "url", "createdAt", "updatedAt", "events", "resourceIds",
    "apiVersion",
)  # fmt: skip
DELIVERY_FIELDS = (
    "id", "eventId", "resourceId", "eventType", "status", "nextAttemptAt", "createdAt",
)  # fmt: skip
STATUSES = ("success", "pending", "sending", "failed")


def view(doc: Doc) -> Doc:
    return {name: doc[name] for name in FIELDS}


def new_key() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode("ascii")


def _next_id(world: QuoWorld) -> str:
    meta = world.state.meta
    meta["nextWebhookId"] = int(meta.get("nextWebhookId", 1000)) + 1
    return str(meta["nextWebhookId"])


# --- checking bodies -------------------------------------------------------------------------


def _url(value: Any) -> str:
    if not is_http_url(value):
        raise invalid("/body/url", "Expected an absolute http(s) URL", value, {"format": "uri"})
    return str(value)


def _events(value: Any) -> list[str]:
    if not isinstance(value, list) or not value:
        raise bad_value("/body/events", "Expected a non-empty array", value, "array")
    for index, event in enumerate(value):
        if event not in EVENT_TYPES:
            message = "Value must be a known event type"
            raise invalid(f"/body/events/{index}", message, event, {"enum": list(EVENT_TYPES)})
    return list(dict.fromkeys(value))


def _resource_ids(world: QuoWorld, org: Doc, value: Any, *, clearable: bool) -> list[str]:
    """PN ids of this workspace, or ``["*"]``; on update ``null`` and ``[]`` also mean all."""
    if clearable and (value is None or value == []):
        return ["*"]
    if not isinstance(value, list) or not value:
        raise bad_value("/body/resourceIds", 'Expected PN ids or ["*"]', value, "array")
    if value == ["*"]:
        return ["*"]
    for index, ref in enumerate(value):
        if not isinstance(ref, str) or world.find("phoneNumbers", org, ref) is None:
            message = 'Expected a phone number id (PN...) of this workspace, or ["*"]'
            raise bad_value(f"/body/resourceIds/{index}", message, ref)
    return list(dict.fromkeys(value))


def _status(value: Any) -> str:
    if value not in ("enabled", "disabled"):
        raise invalid("/body/status", "Value must be one of: enabled, disabled", value, {})
    return str(value)


# --- webhooks --------------------------------------------------------------------------------


async def create_webhook(call: Call) -> Response:
    world, org = call.world, call.org
    allowed = ("url", "events", "resourceIds", "status", "label")
    body = await json_body(call.request, allowed)
    if "url" not in body:
        raise bad_value("/body/url", "Required property", None)
    url, events = _url(body["url"]), _events(body.get("events"))
    ids = (
        _resource_ids(world, org, body["resourceIds"], clearable=False)
        if "resourceIds" in body
        else ["*"]
    )
    status = _status(body.get("status", "enabled"))
    label = string_field(body, "label", max_length=255)
    if len(world.of_org(TABLE, org)) >= LIMIT:
        raise QuoError(400, f"A workspace can have at most {LIMIT} webhooks")
    at = now_stamp()
    doc = {
        "id": _next_id(world),
        "orgId": org["id"],
        "label": label,
        "status": status,
        "url": url,
        "createdAt": at,
        "updatedAt": at,
        "events": events,
        "resourceIds": ids,
        "apiVersion": VERSION,
        "key": new_key(),
    }
    world.table(TABLE)[doc["id"]] = doc
    world.save()
    return data({**view(doc), "key": doc["key"]}, 201)


async def list_webhooks(call: Call) -> Response:
    found = sorted(call.world.of_org(TABLE, call.org), key=lambda d: int(d["id"]))
    return data([view(d) for d in found])


def find_webhook(call: Call) -> Doc:
    webhook_id = str(call.request.path_params["webhookId"])
    if not webhook_id.isdigit():
        message = "Expected string to match '^[0-9]+$'"
        schema = {"type": "String", "pattern": "^[0-9]+$"}
        exc = invalid("/webhookId", message, webhook_id, schema)
        exc.message = f"/webhookId: {message}"
        raise exc
    doc = call.world.find(TABLE, call.org, webhook_id)
    if doc is None:
        raise not_found(f"Webhook with ID {webhook_id} not found")
    return doc


async def get_webhook(call: Call) -> Response:
    return data(view(find_webhook(call)))


async def update_webhook(call: Call) -> Response:
    doc = find_webhook(call)
    world, org = call.world, call.org
    body = await json_body(call.request, ("url", "events", "resourceIds", "status", "label"))
    if not body:
        raise bad_value("/body", "Expected at least one property", body, "object")
    changes: Doc = {}
    if "url" in body:
        changes["url"] = _url(body["url"])
    if "events" in body:
        changes["events"] = _events(body["events"])
    if "resourceIds" in body:
        changes["resourceIds"] = _resource_ids(world, org, body["resourceIds"], clearable=True)
    if "status" in body:
        changes["status"] = _status(body["status"])
    if "label" in body:
        changes["label"] = string_field(body, "label", max_length=255)
    doc.update(changes, updatedAt=now_stamp())
    world.save()
    return data(view(doc))


async def delete_webhook(call: Call) -> Response:
    doc = find_webhook(call)
    del call.world.table(TABLE)[doc["id"]]
    call.world.save()
    return Response(status_code=204)


async def rotate_key(call: Call) -> Response:
    """A new key signs every attempt from now on; the old one stops at once."""
    doc = find_webhook(call)
    doc.update(key=new_key(), updatedAt=now_stamp())
    call.world.save()
    return data({"key": doc["key"]})


# --- deliveries ------------------------------------------------------------------------------


def _deliveries(call: Call, hook: Doc) -> list[Doc]:
    table = call.world.table(delivery.TABLE)
    return [d for d in table.values() if d["webhookId"] == hook["id"]]


async def list_deliveries(call: Call) -> Response:
    hook = find_webhook(call)
    query = call.query
    check_operators(query, {"eventType[in]", "createdAt[gt]", "createdAt[lt]"})
    status = enum_param(query, "status", STATUSES)
    one_type = enum_param(query, "eventType", EVENT_TYPES)
    # The deprecated names filter alongside their replacements (never silently dropped).
    type_sets = [csv_values(query, "eventType[in]"), csv_values(query, "eventTypes")]
    resource_id = query.get("resourceId")
    afters = [datetime_param(query, "createdAt[gt]"), datetime_param(query, "createdAfter")]
    befores = [datetime_param(query, "createdAt[lt]"), datetime_param(query, "createdBefore")]
    found = [
        d
        for d in _deliveries(call, hook)
        if (status is None or d["status"] == status)
        and (one_type is None or d["eventType"] == one_type)
        and all(types is None or d["eventType"] in types for types in type_sets)
        and (resource_id is None or d["resourceId"] == resource_id)
        and all(after is None or d["createdAt"] > after for after in afters)
        and all(before is None or d["createdAt"] < before for before in befores)
    ]
    render = lambda d: {k: d[k] for k in DELIVERY_FIELDS}  # noqa: E731
    return JSONResponse(page(query, found, render))


def _delivery(call: Call, hook: Doc) -> Doc:
    delivery_id = str(call.request.path_params["deliveryId"])
    found = call.world.table(delivery.TABLE).get(delivery_id)
    if found is None or found["webhookId"] != hook["id"]:
        raise not_found(f"Delivery with ID {delivery_id} not found")
    return found


async def get_delivery(call: Call) -> Response:
    found = _delivery(call, find_webhook(call))
    body = {k: found[k] for k in ("id", "eventId", "resourceId", "eventType", "createdAt")}
    body.update(requestBody=found["requestBody"], attempts=found["attempts"])
    return data(body)


async def retry_delivery(call: Call) -> Response:
    delivery.retry(call.world, _delivery(call, find_webhook(call)))
    return JSONResponse({}, status_code=202)


async def send_test(call: Call) -> Response:
    """A real, signed sample of ``eventType``, sent now (also to a disabled webhook) and
    returned as is; the delivery has no event or resource id."""
    hook = find_webhook(call)
    body = await json_body(call.request, ("eventType",))
    event_type = body.get("eventType")
    if event_type not in EVENT_TYPES:
        path = "/body/eventType"
        raise invalid(path, "Value must be a known event type", event_type, {"enum": []})
    sample = samples.sample(call.world, call.org, event_type)
    raw = samples.encode(sample)
    delivery.create(call.world, hook, sample, raw, event_id=None, resource_id=None)
    return JSONResponse(sample)
