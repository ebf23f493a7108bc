"""Contacts: create, list, get, update, delete.

``defaultFields`` (first/last name, company, role, emails, phone numbers) plus ``customFields``
from the workspace's definitions. ``source`` defaults to ``public-api`` and may not be one of
Quo's reserved sources; ``externalId`` is unique within a workspace (409 otherwise). On update,
email/phone items with an ``id`` are changed (``value: null`` removes them), others are added.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse, Response

from trunkline.sandbox.quo import customfields, lookup
from trunkline.sandbox.quo.dated import events as dated_events
from trunkline.sandbox.quo.endpoint import Call, data
from trunkline.sandbox.quo.errors import QuoError, bad_request, not_found
from trunkline.sandbox.quo.pagination import page_body, paginate
from trunkline.sandbox.quo.timefmt import now_stamp
from trunkline.sandbox.quo.validation import (
    body_prefixed,
    is_http_url,
    json_object,
    query_int,
    query_list,
)
from trunkline.sandbox.quo.world import QuoWorld

Doc = dict[str, Any]

RESERVED_SOURCES = ("openphone", "device", "csv", "zapier", "google-people", "other")
RESERVED_PREFIXES = ("openphone", "csv")
TEXT_FIELDS = ("company", "firstName", "lastName", "role")
LIST_FIELDS = ("emails", "phoneNumbers")


def public(world: QuoWorld, org: Doc, doc: Doc) -> Doc:
    return {
        "id": doc["id"],
        "externalId": doc["externalId"],
        "source": doc["source"],
        "sourceUrl": doc["sourceUrl"],
        "defaultFields": doc["defaultFields"],
        "customFields": customfields.render(world, org, doc["customFields"]),
        "createdAt": doc["createdAt"],
        "updatedAt": doc["updatedAt"],
        "createdByUserId": doc["createdByUserId"],
    }


# --- checking bodies -------------------------------------------------------------------------


def parse_source(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not 1 <= len(value) <= 72:
        raise bad_request("/body/source", "source must be a string of 1 to 72 characters", value)
    lowered = value.lower()
    if lowered in RESERVED_SOURCES or lowered.startswith(RESERVED_PREFIXES):
        raise bad_request("/body/source", f"source {value!r} is reserved", value)
    return value


def parse_source_url(value: Any) -> str | None:
    if value is None:
        return None
    if not is_http_url(value) or len(value) > 200:
        raise bad_request("/body/sourceUrl", "sourceUrl must be a URL (max 200)", value)
    return str(value)


def _external_id(world: QuoWorld, org: Doc, value: Any, own_id: str | None) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not 1 <= len(value) <= 75:
        message = "externalId must be a string of 1 to 75 characters"
        raise bad_request("/body/externalId", message, value)
    for other in world.of_org("contacts", org):
        if other["externalId"] == value and other["id"] != own_id:
            raise QuoError(409, f"A contact with externalId {value!r} already exists")
    return value


def _default_fields(raw: Any, current: Doc, world: QuoWorld) -> Doc:
    if not isinstance(raw, dict):
        raise bad_request("/body/defaultFields", "defaultFields must be an object", raw, "object")
    fields = dict(current)
    for name in TEXT_FIELDS:
        if name in raw:
            value = raw[name]
            if value is not None and not isinstance(value, str):
                raise bad_request(f"/body/defaultFields/{name}", f"{name} must be a string", value)
            fields[name] = value
    for name in LIST_FIELDS:
        if name in raw:
            fields[name] = _merge_items(name, raw[name], current.get(name, []), world)
    return fields


def _merge_items(name: str, raw: Any, current: list[Doc], world: QuoWorld) -> list[Doc]:
    path = f"/body/defaultFields/{name}"
    if not isinstance(raw, list):
        raise bad_request(path, f"{name} must be an array", raw, "array")
    merged = [dict(item) for item in current]
    for index, item in enumerate(raw):
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            raise bad_request(f"{path}/{index}", "each item needs a name", item, "object")
        value = item.get("value")
        if value is not None and not isinstance(value, str):
            raise bad_request(f"{path}/{index}/value", "value must be a string", value)
        existing = next((m for m in merged if item.get("id") and m["id"] == item["id"]), None)
        if existing is not None and value is None:
            merged.remove(existing)
        elif existing is not None:
            existing.update(name=item["name"], value=value)
        elif value is not None:
            merged.append({"name": item["name"], "value": value, "id": world.ids.alnum(10)})
    return merged


EMPTY_FIELDS: Doc = {
    "company": None,
    "emails": [],
    "firstName": None,
    "lastName": None,
    "phoneNumbers": [],
    "role": None,
}


# --- operations ------------------------------------------------------------------------------


async def create_contact(call: Call) -> Response:
    body = await json_object(call.request)
    world, org = call.world, call.org
    raw_fields = body.get("defaultFields")
    if not isinstance(raw_fields, dict) or "firstName" not in raw_fields:
        message = "defaultFields with a firstName is required"
        raise bad_request("/body/defaultFields", message, raw_fields, "object")
    creator = body_prefixed(body, "createdByUserId", "US") or org["ownerId"]
    lookup.require_user(world, org, creator)
    at = now_stamp()
    doc = {
        "id": world.ids.hex(24),
        "orgId": org["id"],
        "externalId": _external_id(world, org, body.get("externalId"), None),
        "source": parse_source(body.get("source", "public-api")) or "public-api",
        "sourceUrl": parse_source_url(body.get("sourceUrl")),
        "defaultFields": _default_fields(raw_fields, EMPTY_FIELDS, world),
        "customFields": customfields.apply(world, org, [], body.get("customFields", [])),
        "createdAt": at,
        "updatedAt": at,
        "createdByUserId": creator,
    }
    world.table("contacts")[doc["id"]] = doc
    world.save()
    dated_events.contact(world, org, doc, "contact.updated")
    return data(public(world, org, doc), 201)


def _contact(call: Call) -> Doc:
    doc = call.world.find("contacts", call.org, call.path("id"))
    if doc is None:
        raise not_found("Contact")
    return doc


async def get_contact(call: Call) -> Response:
    return data(public(call.world, call.org, _contact(call)))


async def update_contact(call: Call) -> Response:
    doc = _contact(call)
    body = await json_object(call.request)
    world, org = call.world, call.org
    changes: Doc = {}
    if "externalId" in body:
        changes["externalId"] = _external_id(world, org, body["externalId"], doc["id"])
    if "source" in body:
        changes["source"] = parse_source(body["source"])
    if "sourceUrl" in body:
        changes["sourceUrl"] = parse_source_url(body["sourceUrl"])
    if "defaultFields" in body:
        changes["defaultFields"] = _default_fields(
            body["defaultFields"], doc["defaultFields"], world
        )
    if "customFields" in body:
        changes["customFields"] = customfields.apply(
            world, org, doc["customFields"], body["customFields"]
        )
    doc.update(changes, updatedAt=now_stamp())
    world.save()
    dated_events.contact(world, org, doc, "contact.updated")
    return data(public(world, org, doc))


async def delete_contact(call: Call) -> Response:
    doc = _contact(call)
    remove(call.world, call.org, doc)
    return Response(status_code=204)


def remove(world: QuoWorld, org: Doc, doc: Doc) -> None:
    """Delete a contact with its notes (the dated API's) and tell the dated webhooks."""
    del world.table("contacts")[doc["id"]]
    notes = world.table("contactNotes")
    for note_id in [k for k, n in notes.items() if n["contactId"] == doc["id"]]:
        del notes[note_id]
    world.save()
    dated_events.contact(world, org, doc, "contact.deleted")


async def list_contacts(call: Call) -> Response:
    query, world, org = call.query, call.world, call.org
    max_results = query_int(query, "maxResults", low=1, high=50)
    external_ids = set(query_list(query, "externalIds"))
    sources = set(query_list(query, "sources"))
    found = [
        doc
        for doc in world.of_org("contacts", org)
        if (not external_ids or doc["externalId"] in external_ids)
        and (not sources or doc["source"] in sources)
    ]
    page, total, token = paginate(found, max_results, query.get("pageToken"))
    return JSONResponse(page_body([public(world, org, d) for d in page], total, token))
