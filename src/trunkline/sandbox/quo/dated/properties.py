"""Contact properties: the dated API's view of a contact's phone numbers, emails and custom
field values (v1 keeps them in ``defaultFields`` and ``customFields``; both see the same data).

A property's id is the phone/email item's id, or for a custom value the id of the workspace's
field definition (a contact holds one value per field). Creating a custom property names its
field: an existing field of that name (or key) and type is used, an unknown name creates the
workspace field (it then shows in ``GET /v1/contact-custom-fields``). ``type`` never changes.
"""

from __future__ import annotations

import re
from typing import Any

from starlette.responses import JSONResponse, Response

from trunkline.sandbox.quo import customfields
from trunkline.sandbox.quo.dated import events
from trunkline.sandbox.quo.dated.contacts import find_contact
from trunkline.sandbox.quo.dated.errors import bad_value, not_found
from trunkline.sandbox.quo.dated.params import json_body, page, path_id, string_field
from trunkline.sandbox.quo.endpoint import Call, data
from trunkline.sandbox.quo.timefmt import now_stamp
from trunkline.sandbox.quo.world import QuoWorld

Doc = dict[str, Any]

LISTS = {"phone-number": "phoneNumbers", "email": "emails"}
DEFAULT_NAMES = {"phone-number": "phone", "email": "email"}
CUSTOM_TYPES = ("string", "multi-select", "boolean", "date", "number", "address", "url")


def _times(contact: Doc, prop_id: str) -> tuple[str, str]:
    stored = contact.get("propertyTimes", {}).get(prop_id)
    if stored is None:
        return contact["createdAt"], contact["updatedAt"]
    return stored[0], stored[1]


def _view(prop: Doc, contact: Doc) -> Doc:
    created, updated = _times(contact, prop["id"])
    return {
        "id": prop["id"],
        "type": prop["type"],
        "createdAt": created,
        "updatedAt": updated,
        "name": prop["name"],
        "value": prop["value"],
    }


def properties(world: QuoWorld, org: Doc, contact: Doc) -> list[Doc]:
    """Every property of ``contact`` as ``{id, type, name, value}``."""
    found = []
    for kind, field in LISTS.items():
        for item in contact["defaultFields"].get(field, []):
            found.append(
                {"id": item["id"], "type": kind, "name": item["name"], "value": item["value"]}
            )
    for entry in customfields.render(world, org, contact["customFields"]):
        found.append(
            {
                "id": entry["id"],
                "type": entry["type"],
                "name": entry["name"],
                "value": entry["value"],
            }
        )
    return found


def _stamp(world: QuoWorld, org: Doc, contact: Doc, prop_id: str, *, created: bool) -> None:
    at = now_stamp()
    times = contact.setdefault("propertyTimes", {})
    first = at if created else _times(contact, prop_id)[0]
    times[prop_id] = [first, at]
    contact["updatedAt"] = at
    world.save()
    events.contact(world, org, contact, "contact.updated")


def _list_value(kind: str, value: Any) -> str:
    if not isinstance(value, str) or not 1 <= len(value) <= 255:
        raise bad_value("/body/value", "Expected string of 1 to 255 characters", value)
    if kind == "email" and "@" not in value:
        raise bad_value("/body/value", "Expected an email address", value)
    return value


def _custom_value(kind: str, value: Any) -> Any:
    if value is None or not customfields.fits(kind, value):
        raise bad_value("/body/value", f"Value does not fit the property type {kind!r}", value)
    return value


def _definition(world: QuoWorld, org: Doc, kind: str, name: str | None) -> Doc:
    if not name:
        raise bad_value("/body/name", "Custom properties need a name", name)
    for definition in world.of_org("customFields", org):
        if name.lower() in (definition["name"].lower(), definition["key"]):
            if definition["type"] != kind:
                message = f"Property {name!r} has type {definition['type']!r}"
                raise bad_value("/body/type", message, kind)
            return definition
    definition = {
        "id": world.ids.hex(24),
        "orgId": org["id"],
        "name": name,
        "key": re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or world.ids.hex(8),
        "type": kind,
    }
    world.table("customFields")[definition["id"]] = definition
    return definition


async def list_properties(call: Call) -> Response:
    contact = find_contact(call)
    kind = call.query.get("type")
    found = [
        p for p in properties(call.world, call.org, contact) if kind is None or p["type"] == kind
    ]

    def key(prop: Doc) -> tuple[str, ...]:
        return (_times(contact, prop["id"])[0], prop["id"])

    render = lambda p: _view(p, contact)  # noqa: E731
    return JSONResponse(page(call.query, found, render, key=key, descending=False))


async def create_property(call: Call) -> Response:
    contact = find_contact(call)
    world, org = call.world, call.org
    body = await json_body(call.request, ("type", "name", "value"))
    kind = string_field(body, "type", required=True, nullable=False)
    name = string_field(body, "name")
    if "value" not in body:
        raise bad_value("/body/value", "Required property", None)
    if kind in LISTS:
        item = {
            "name": name or DEFAULT_NAMES[kind],
            "value": _list_value(kind, body["value"]),
            "id": world.ids.alnum(10),
        }
        contact["defaultFields"][LISTS[kind]].append(item)
        prop_id = item["id"]
    elif kind in CUSTOM_TYPES:
        definition = _definition(world, org, kind, name)
        if any(entry["id"] == definition["id"] for entry in contact["customFields"]):
            message = f"The contact already has a {definition['name']!r} property"
            raise bad_value("/body/name", message, name)
        value = _custom_value(kind, body["value"])
        contact["customFields"].append({"id": definition["id"], "value": value})
        prop_id = definition["id"]
    else:
        allowed = ", ".join((*LISTS, *CUSTOM_TYPES))
        raise bad_value("/body/type", f"Value must be one of: {allowed}", kind)
    _stamp(world, org, contact, prop_id, created=True)
    return data(_view(_find(call, contact, prop_id), contact))


def _find(call: Call, contact: Doc, prop_id: str) -> Doc:
    for prop in properties(call.world, call.org, contact):
        if prop["id"] == prop_id:
            return prop
    raise not_found("The property was not found")


def _target(call: Call) -> tuple[Doc, Doc]:
    contact = find_contact(call)
    return contact, _find(call, contact, path_id(call.request, "propertyId", None))


async def get_property(call: Call) -> Response:
    contact, prop = _target(call)
    return data(_view(prop, contact))


async def update_property(call: Call) -> Response:
    contact, prop = _target(call)
    body = await json_body(call.request, ("name", "value"))
    if prop["type"] in LISTS:
        item = next(
            i for i in contact["defaultFields"][LISTS[prop["type"]]] if i["id"] == prop["id"]
        )
        if "name" in body:
            item["name"] = string_field(body, "name") or DEFAULT_NAMES[prop["type"]]
        if "value" in body:
            item["value"] = _list_value(prop["type"], body["value"])
    else:
        name = string_field(body, "name")
        if name is not None and name != prop["name"]:
            message = "A custom property's name is its workspace field's and cannot change"
            raise bad_value("/body/name", message, name)
        if "value" in body:
            value = _custom_value(prop["type"], body["value"])
            for entry in contact["customFields"]:
                if entry["id"] == prop["id"]:
                    entry["value"] = value
    _stamp(call.world, call.org, contact, prop["id"], created=False)
    return data(_view(_find(call, contact, prop["id"]), contact))


async def delete_property(call: Call) -> Response:
    contact, prop = _target(call)
    if prop["type"] in LISTS:
        field = LISTS[prop["type"]]
        items = contact["defaultFields"][field]
        contact["defaultFields"][field] = [i for i in items if i["id"] != prop["id"]]
    else:
        contact["customFields"] = [e for e in contact["customFields"] if e["id"] != prop["id"]]
    contact.get("propertyTimes", {}).pop(prop["id"], None)
    contact["updatedAt"] = now_stamp()
    call.world.save()
    events.contact(call.world, call.org, contact, "contact.updated")
    return Response(status_code=204)
