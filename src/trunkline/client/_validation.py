"""Checking an action's input against its JSON Schema, without a JSON Schema library (the SDK
needs only httpx and pydantic).

Only the keywords below are understood, and an action whose input uses any other fails when it
is loaded (``Action`` checks ``unsupported``), so nothing is silently skipped. ``format`` is an
annotation, as in JSON Schema's default (jsonschema does not assert it either). Messages follow
jsonschema's wording.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

ANNOTATIONS = frozenset({"description", "title", "format", "default", "examples"})
KEYWORDS = frozenset(
    {
        "type",
        "const",
        "enum",
        "pattern",
        "minLength",
        "maxLength",
        "minimum",
        "maximum",
        "minItems",
        "maxItems",
        "items",
        "properties",
        "required",
        "additionalProperties",
        "anyOf",
        "oneOf",
    }
)
_TYPES: dict[str, type | tuple[type, ...]] = {
    "string": str,
    "integer": int,
    "number": (int, float),
    "boolean": bool,
    "array": list,
    "object": dict,
}


def unsupported(schema: Any) -> set[str]:
    """Keywords in ``schema`` (and its sub-schemas) that ``problems`` would not check."""
    if not isinstance(schema, dict):
        return set()
    found = set(schema) - KEYWORDS - ANNOTATIONS
    subs = [schema.get("items"), *schema.get("properties", {}).values()]
    for sub in [*subs, *schema.get("anyOf", []), *schema.get("oneOf", [])]:
        found |= unsupported(sub)
    return found


def first_problem(schema: dict[str, Any], value: Any) -> str | None:
    """``path: message`` for the first problem (shallowest path first), or None."""
    found = sorted(problems(schema, value, ()), key=lambda p: len(p[0]))
    if not found:
        return None
    path, message = found[0]
    return f"{'/'.join(str(p) for p in path) or 'input'}: {message}"


def problems(
    schema: dict[str, Any], value: Any, path: tuple[str | int, ...]
) -> Iterator[tuple[tuple[str | int, ...], str]]:
    kind = schema.get("type")
    if isinstance(kind, str) and not _is(kind, value):
        yield path, f"{value!r} is not of type {kind!r}"
        return
    if "const" in schema and value != schema["const"]:
        yield path, f"{schema['const']!r} was expected"
    if "enum" in schema and value not in schema["enum"]:
        yield path, f"{value!r} is not one of {schema['enum']!r}"
    yield from _alternatives(schema, value, path)
    if isinstance(value, str):
        yield from _string(schema, value, path)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            yield path, f"{value!r} is less than the minimum of {schema['minimum']!r}"
        if "maximum" in schema and value > schema["maximum"]:
            yield path, f"{value!r} is greater than the maximum of {schema['maximum']!r}"
    elif isinstance(value, list):
        yield from _array(schema, value, path)
    elif isinstance(value, dict):
        yield from _object(schema, value, path)


def _alternatives(
    schema: dict[str, Any], value: Any, path: tuple[str | int, ...]
) -> Iterator[tuple[tuple[str | int, ...], str]]:
    if "anyOf" in schema and not any(_valid(sub, value) for sub in schema["anyOf"]):
        yield path, f"{value!r} is not valid under any of the given schemas"
    if "oneOf" in schema:
        matching = sum(_valid(sub, value) for sub in schema["oneOf"])
        if matching == 0:
            yield path, f"{value!r} is not valid under any of the given schemas"
        elif matching > 1:
            yield path, f"{value!r} is valid under each of more than one of the given schemas"


def _valid(schema: dict[str, Any], value: Any) -> bool:
    return next(problems(schema, value, ()), None) is None


def _is(kind: str, value: Any) -> bool:
    if kind in ("integer", "number") and isinstance(value, bool):
        return False
    if kind == "integer" and isinstance(value, float):
        return value.is_integer()
    expected = _TYPES.get(kind)
    return expected is None or isinstance(value, expected)


def _string(
    schema: dict[str, Any], value: str, path: tuple[str | int, ...]
) -> Iterator[tuple[tuple[str | int, ...], str]]:
    if "pattern" in schema and not re.search(schema["pattern"], value):
        yield path, f"{value!r} does not match {schema['pattern']!r}"
    if "minLength" in schema and len(value) < schema["minLength"]:
        yield path, f"{value!r} is too short"
    if "maxLength" in schema and len(value) > schema["maxLength"]:
        yield path, f"{value!r} is too long"


def _array(
    schema: dict[str, Any], value: list[Any], path: tuple[str | int, ...]
) -> Iterator[tuple[tuple[str | int, ...], str]]:
    if "minItems" in schema and len(value) < schema["minItems"]:
        yield path, f"{value!r} should be non-empty" if not value else f"{value!r} is too short"
    if "maxItems" in schema and len(value) > schema["maxItems"]:
        yield path, f"{value!r} is too long"
    items = schema.get("items")
    if isinstance(items, dict):
        for index, item in enumerate(value):
            yield from problems(items, item, (*path, index))


def _object(
    schema: dict[str, Any], value: dict[str, Any], path: tuple[str | int, ...]
) -> Iterator[tuple[tuple[str | int, ...], str]]:
    properties: dict[str, Any] = schema.get("properties", {})
    for name in schema.get("required", []):
        if name not in value:
            yield path, f"{name!r} is a required property"
    extra = [k for k in value if k not in properties]
    if extra and schema.get("additionalProperties", True) is False:
        listed = ", ".join(repr(k) for k in extra)
        verb = "was" if len(extra) == 1 else "were"
        yield path, f"Additional properties are not allowed ({listed} {verb} unexpected)"
    for name, sub in properties.items():
        if name in value:
            yield from problems(sub, value[name], (*path, name))
