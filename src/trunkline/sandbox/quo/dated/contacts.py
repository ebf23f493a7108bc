"""Contacts on the dated API: flat records over the same contacts v1 serves, their shares and
their notes.

A contact made here is a v1 contact with empty phone/email lists (those are properties now);
``(source, externalId)`` must be unique (409). PATCH touches the scalar fields only: an omitted
field is kept, ``null`` clears it. Creating and updating fire ``contact.updated``.
"""

from __future__ import annotations

import re
from typing import Any

from starlette.responses import JSONResponse, Response

from trunkline.sandbox.quo import contacts as v1_contacts
from trunkline.sandbox.quo import lookup
from trunkline.sandbox.quo.dated import events, views
from trunkline.sandbox.quo.dated.errors import bad_value, not_found
from trunkline.sandbox.quo.dated.params import (
    check_operators,
    csv_values,
    json_body,
    page,
    path_id,
    string_field,
)
from trunkline.sandbox.quo.endpoint import Call, data
from trunkline.sandbox.quo.errors import QuoError
from trunkline.sandbox.quo.timefmt import now_stamp
from trunkline.sandbox.quo.world import QuoWorld

Doc = dict[str, Any]

NAME_FIELDS = ("firstName", "lastName", "company", "role")
SCALARS = (*NAME_FIELDS, "externalId", "source", "sourceUrl")
CONTACT_GONE = "The contact was not found"
DUPLICATE = (
    "Failed to create contact because a contact with the same source and external ID already exists"
)
MENTION = re.compile(r"@((?:US|GR|OR)[A-Za-z0-9]+)")


def find_contact(call: Call) -> Doc:
    doc = call.world.find("contacts", call.org, path_id(call.request, "contactId", None))
    if doc is None:
        raise not_found(CONTACT_GONE)
    return doc


def _scalars(world: QuoWorld, org: Doc, body: Doc) -> Doc:
    """The scalar fields present in ``body``, checked (v1's rules for source and sourceUrl)."""
    changes: Doc = {}
    for name in NAME_FIELDS:
        if name in body:
            changes[name] = string_field(body, name)
    if "externalId" in body:
        changes["externalId"] = string_field(body, "externalId", max_length=75)
    if "source" in body:
        changes["source"] = v1_contacts.parse_source(body["source"])
    if "sourceUrl" in body:
        changes["sourceUrl"] = v1_contacts.parse_source_url(body["sourceUrl"])
    return changes


def _check_unique(world: QuoWorld, org: Doc, source: Any, external_id: Any, own: str) -> None:
    if external_id is None:
        return
    for other in world.of_org("contacts", org):
        if other["id"] != own and (other["source"], other["externalId"]) == (source, external_id):
            raise QuoError(409, DUPLICATE)


async def list_contacts(call: Call) -> Response:
    query = call.query
    check_operators(query, {"externalId[in]", "source[in]"})
    external_ids = csv_values(query, "externalId[in]", limit=50)
    sources = csv_values(query, "source[in]", limit=50)
    found = [
        doc
        for doc in call.world.of_org("contacts", call.org)
        if (query.get("externalId") is None or doc["externalId"] == query["externalId"])
        and (external_ids is None or doc["externalId"] in external_ids)
        and (query.get("source") is None or doc["source"] == query["source"])
        and (sources is None or doc["source"] in sources)
    ]
    return JSONResponse(page(query, found, views.contact))


async def create_contact(call: Call) -> Response:
    world, org = call.world, call.org
    body = await json_body(call.request, (*SCALARS, "actorId"))
    if "firstName" not in body:
        raise bad_value("/body/firstName", "Required property", None)
    changes = _scalars(world, org, body)
    actor = string_field(body, "actorId") or org["ownerId"]
    if not actor.startswith("US"):
        raise bad_value("/body/actorId", "Expected string to match '^US(.*)$'", actor)
    lookup.require_user(world, org, actor)
    source = changes.get("source") or "public-api"
    _check_unique(world, org, source, changes.get("externalId"), "")
    at = now_stamp()
    fields = dict(v1_contacts.EMPTY_FIELDS)
    fields.update({k: changes[k] for k in NAME_FIELDS if k in changes})
    doc = {
        "id": world.ids.hex(24),
        "orgId": org["id"],
        "externalId": changes.get("externalId"),
        "source": source,
        "sourceUrl": changes.get("sourceUrl"),
        "defaultFields": fields,
        "customFields": [],
        "createdAt": at,
        "updatedAt": at,
        "createdByUserId": actor,
    }
    world.table("contacts")[doc["id"]] = doc
    world.save()
    events.contact(world, org, doc, "contact.updated")
    return data(views.contact(doc), 201)


async def get_contact(call: Call) -> Response:
    return data(views.contact(find_contact(call)))


async def update_contact(call: Call) -> Response:
    doc = find_contact(call)
    world, org = call.world, call.org
    changes = _scalars(world, org, await json_body(call.request, SCALARS))
    source = changes.get("source", doc["source"])
    _check_unique(world, org, source, changes.get("externalId", doc["externalId"]), doc["id"])
    doc["defaultFields"] = {
        **doc["defaultFields"],
        **{k: changes[k] for k in NAME_FIELDS if k in changes},
    }
    doc.update({k: changes[k] for k in ("externalId", "source", "sourceUrl") if k in changes})
    doc["updatedAt"] = now_stamp()
    world.save()
    events.contact(world, org, doc, "contact.updated")
    return data(views.contact(doc))


async def list_shares(call: Call) -> Response:
    """Contacts made through the API are shared with the whole workspace (its ``OR`` id)."""
    doc = find_contact(call)
    shares = [
        {"id": target, "contactId": doc["id"], "sharedWith": target, "createdAt": doc["createdAt"]}
        for target in doc.get("sharedWith", [call.org["id"]])
    ]
    render = lambda s: {k: s[k] for k in ("contactId", "sharedWith", "createdAt")}  # noqa: E731
    return JSONResponse(page(call.query, shares, render))


# --- notes -----------------------------------------------------------------------------------


def _note_view(note: Doc) -> Doc:
    return {k: note[k] for k in ("id", "text", "media", "createdAt", "updatedAt", "actorId")}


def _note(call: Call, contact: Doc) -> Doc:
    note = call.world.table("contactNotes").get(path_id(call.request, "noteId", None))
    if note is None or note["contactId"] != contact["id"]:
        raise not_found("The note was not found")
    return note


async def _note_text(call: Call) -> tuple[str, list[str]]:
    """The text (1-2000 characters) and the ids of the workspace users, groups or the
    organization it mentions (``@US…``, ``@GR…``, ``@OR…``); unknown ids stay plain text."""
    body = await json_body(call.request, ("text",))
    text = string_field(body, "text", required=True, nullable=False, max_length=2000)
    assert text is not None
    world, org = call.world, call.org
    groups = {p["groupId"] for p in world.of_org("phoneNumbers", org)}
    known = {u["id"] for u in world.of_org("users", org)} | groups | {org["id"]}
    return text, [m for m in dict.fromkeys(MENTION.findall(text)) if m in known]


async def list_notes(call: Call) -> Response:
    contact = find_contact(call)
    notes = [
        n for n in call.world.table("contactNotes").values() if n["contactId"] == contact["id"]
    ]
    return JSONResponse(page(call.query, notes, _note_view))


async def create_note(call: Call) -> Response:
    contact = find_contact(call)
    text, mentions = await _note_text(call)
    at = now_stamp()
    note = {
        "id": call.world.ids.hex(24),
        "orgId": call.org["id"],
        "contactId": contact["id"],
        "text": text,
        "mentions": mentions,
        "media": [],
        "createdAt": at,
        "updatedAt": at,
        "actorId": call.org["ownerId"],
    }
    call.world.table("contactNotes")[note["id"]] = note
    call.world.save()
    return data(_note_view(note))


async def get_note(call: Call) -> Response:
    return data(_note_view(_note(call, find_contact(call))))


async def update_note(call: Call) -> Response:
    note = _note(call, find_contact(call))
    text, mentions = await _note_text(call)
    note.update(text=text, mentions=mentions, updatedAt=now_stamp())
    call.world.save()
    return data(_note_view(note))


async def delete_note(call: Call) -> Response:
    note = _note(call, find_contact(call))
    del call.world.table("contactNotes")[note["id"]]
    call.world.save()
    return Response(status_code=204)
