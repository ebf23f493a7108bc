"""Webhooks: create one per family (messages, calls, call summaries, call transcripts), list,
get and delete. The signing ``key`` is returned with the webhook.

Webhooks created in the Quo app are not visible to the API: listing leaves them out and getting
or deleting one answers 400 ``0305400`` (Invalid Version), as Quo documents.
"""

from __future__ import annotations

import base64
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.responses import Response

from trunkline.sandbox.quo import lookup
from trunkline.sandbox.quo.endpoint import Call, data
from trunkline.sandbox.quo.errors import QuoError, bad_request, not_found
from trunkline.sandbox.quo.events import FAMILY_EVENTS
from trunkline.sandbox.quo.timefmt import now_stamp
from trunkline.sandbox.quo.validation import (
    body_prefixed,
    body_string,
    has_prefix,
    is_http_url,
    json_object,
    query_prefixed,
    require_prefix,
)
from trunkline.sandbox.quo.world import QuoWorld

Doc = dict[str, Any]

UI_WEBHOOK = "The public API cannot interact with webhooks that were created via the Quo UI"
PUBLIC_FIELDS = (
    "id", "userId", "orgId", "label", "status", "url", "key", "createdAt", "updatedAt",
    "deletedAt", "events", "resourceIds",
)  # fmt: skip


def public(doc: Doc) -> Doc:
    return {name: doc[name] for name in PUBLIC_FIELDS}


def _events(body: Doc, family: str) -> list[str]:
    allowed = FAMILY_EVENTS[family]
    events = body.get("events")
    if not isinstance(events, list) or not events:
        raise bad_request("/body/events", "events must be a non-empty array", events, "array")
    for index, event in enumerate(events):
        if event not in allowed:
            message = f"events must be among {', '.join(allowed)}"
            raise bad_request(f"/body/events/{index}", message, event)
    return list(dict.fromkeys(events))


def _resource_ids(world: QuoWorld, org: Doc, body: Doc) -> list[str]:
    value = body.get("resourceIds")
    if value is None:
        return ["*"]
    if not isinstance(value, list) or not value:
        message = "resourceIds must be a non-empty array"
        raise bad_request("/body/resourceIds", message, value, "array")
    if value == ["*"]:
        return ["*"]
    for index, ref in enumerate(value):
        if not has_prefix(ref, "PN"):
            message = 'resourceIds must be phone number IDs (PN...) or ["*"]'
            raise bad_request(f"/body/resourceIds/{index}", message, ref)
        lookup.require_phone_number(world, org, ref)
    return list(dict.fromkeys(value))


def _status(body: Doc) -> str:
    status = body.get("status", "enabled")
    if status not in ("enabled", "disabled"):
        raise bad_request("/body/status", "status must be enabled or disabled", status)
    return str(status)


def _signing_key(world: QuoWorld) -> str:
    return base64.b64encode(world.ids.alnum(32).encode("ascii")).decode("ascii")


def creator(family: str) -> Callable[[Call], Awaitable[Response]]:
    async def create_webhook(call: Call) -> Response:
        body = await json_object(call.request)
        world, org = call.world, call.org
        url = body.get("url")
        if not is_http_url(url):
            raise bad_request("/body/url", "url must be an absolute http(s) URL", url)
        events = _events(body, family)
        label = body_string(body, "label")
        user_id = body_prefixed(body, "userId", "US") or org["ownerId"]
        lookup.require_user(world, org, user_id)
        at = now_stamp()
        doc = {
            "id": world.new_id("WH"),
            "userId": user_id,
            "orgId": org["id"],
            "label": label,
            "status": _status(body),
            "url": url,
            "key": _signing_key(world),
            "createdAt": at,
            "updatedAt": at,
            "deletedAt": None,
            "events": events,
            "resourceIds": _resource_ids(world, org, body),
            "family": family,
            "createdVia": "api",
        }
        world.table("webhooks")[doc["id"]] = doc
        world.save()
        return data(public(doc), 201)

    return create_webhook


async def list_webhooks(call: Call) -> Response:
    user_id = query_prefixed(call.query, "userId", "US", required=False)
    if user_id is not None:
        lookup.require_user(call.world, call.org, user_id)
    found = [
        doc
        for doc in call.world.of_org("webhooks", call.org)
        if doc["createdVia"] == "api" and (user_id is None or doc["userId"] == user_id)
    ]
    found.sort(key=lambda d: (d["createdAt"], d["id"]))
    return data([public(d) for d in found])


def _webhook(call: Call) -> Doc:
    webhook_id = call.path("id")
    require_prefix(webhook_id, "WH", "id")
    doc = call.world.find("webhooks", call.org, webhook_id)
    if doc is None:
        raise not_found("Webhook")
    if doc["createdVia"] != "api":
        raise QuoError(400, UI_WEBHOOK, named=True)
    return doc


async def get_webhook(call: Call) -> Response:
    return data(public(_webhook(call)))


async def delete_webhook(call: Call) -> Response:
    doc = _webhook(call)
    del call.world.table("webhooks")[doc["id"]]
    call.world.save()
    return Response(status_code=204)
