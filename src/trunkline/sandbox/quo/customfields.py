"""Contact custom fields: the workspace's definitions (read-only through the API, as in Quo)
and the checking of the values a contact gives them.

A value must fit its definition's type (``multi-select``: list of strings; ``string``,
``address``, ``url``: string; ``boolean``; ``date``: ISO 8601 date-time; ``number``); ``null``
clears it. Anything else is 400 "Invalid Custom Field Item".
"""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from trunkline.sandbox.quo.endpoint import Call, data
from trunkline.sandbox.quo.errors import QuoError, field_error
from trunkline.sandbox.quo.validation import parse_datetime
from trunkline.sandbox.quo.world import QuoWorld

Doc = dict[str, Any]


async def list_definitions(call: Call) -> Response:
    found = sorted(call.world.of_org("customFields", call.org), key=lambda d: d["name"])
    return data([{"name": d["name"], "key": d["key"], "type": d["type"]} for d in found])


def fits(kind: str, value: Any) -> bool:
    if value is None:
        return True
    if kind == "multi-select":
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    if kind in ("string", "address", "url"):
        return isinstance(value, str)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "date":
        return isinstance(value, str) and parse_datetime(value) is not None
    if kind == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    return False


def _invalid(index: int, message: str, value: Any) -> QuoError:
    item = field_error(f"/body/customFields/{index}", message, value, "object")
    return QuoError(400, message, errors=[item], named=True)


def _definition(definitions: list[Doc], item: Doc, index: int) -> Doc:
    for definition in definitions:
        if item.get("id") is not None and definition["id"] == item["id"]:
            return definition
        if item.get("key") is not None and definition["key"] == item["key"]:
            return definition
    raise _invalid(index, "Custom field not found in this workspace", item)


def apply(world: QuoWorld, org: Doc, current: list[Doc], items: Any) -> list[Doc]:
    """The contact's stored values (``[{id, value}]``) after applying the given items."""
    if not isinstance(items, list):
        raise _invalid(0, "customFields must be an array", items)
    definitions = world.of_org("customFields", org)
    values = {entry["id"]: entry["value"] for entry in current}
    for index, item in enumerate(items):
        if not isinstance(item, dict) or "value" not in item:
            raise _invalid(index, "A custom field item needs a key (or id) and a value", item)
        definition = _definition(definitions, item, index)
        if not fits(definition["type"], item["value"]):
            message = f"Value does not fit the custom field type {definition['type']!r}"
            raise _invalid(index, message, item)
        if item["value"] is None:
            values.pop(definition["id"], None)
        else:
            values[definition["id"]] = item["value"]
    return [{"id": field_id, "value": value} for field_id, value in values.items()]


def render(world: QuoWorld, org: Doc, stored: list[Doc]) -> list[Doc]:
    rendered = []
    for entry in stored:
        definition = world.find("customFields", org, entry["id"])
        if definition is None:
            continue
        rendered.append(
            {
                "name": definition["name"],
                "key": definition["key"],
                "id": definition["id"],
                "type": definition["type"],
                "value": entry["value"],
            }
        )
    return rendered
