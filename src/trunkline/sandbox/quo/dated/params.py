"""Reading dated requests: cursor pages, bracketed filter operators, ``include``, path ids and
bodies that allow no unknown properties.

Pages are ``limit`` (1-50, default 10) and ``after`` (the previous ``nextCursor``). The cursor
holds the sort key of the last item handed out, so items created while a client walks the
pages are neither repeated nor skipped.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable, Iterable
from typing import Any

from starlette.datastructures import QueryParams
from starlette.requests import Request

from trunkline.sandbox.quo.dated.errors import bad_value, invalid
from trunkline.sandbox.quo.errors import QuoError
from trunkline.sandbox.quo.timefmt import stamp
from trunkline.sandbox.quo.validation import is_e164, parse_datetime

Doc = dict[str, Any]
SortKey = Callable[[Doc], tuple[str, ...]]

MAX_LIMIT = 50
DEFAULT_LIMIT = 10
OPERATOR = re.compile(r"^([A-Za-z]+)\[([A-Za-z]+)\]$")


def by_creation(doc: Doc) -> tuple[str, ...]:
    return (doc["createdAt"], doc["id"])


# --- pages -----------------------------------------------------------------------------------


def limit_of(query: QueryParams) -> int:
    raw = query.get("limit")
    if raw is None or raw == "":
        return DEFAULT_LIMIT
    try:
        value = int(raw)
    except ValueError:
        raise bad_value("/query/limit", "Expected integer", raw, "integer") from None
    if not 1 <= value <= MAX_LIMIT:
        message = f"Expected integer between 1 and {MAX_LIMIT}"
        raise invalid("/query/limit", message, value, {"type": "integer", "maximum": MAX_LIMIT})
    return value


def _encode(key: tuple[str, ...]) -> str:
    raw = json.dumps(list(key), separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str) -> tuple[str, ...]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (ValueError, binascii.Error, UnicodeEncodeError, RecursionError):
        value = None
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise bad_value("/query/after", "Invalid cursor", cursor)
    return tuple(value)


def page(
    query: QueryParams,
    items: Iterable[Doc],
    render: Callable[[Doc], Doc],
    *,
    key: SortKey = by_creation,
    descending: bool = True,
) -> dict[str, Any]:
    """``{data, nextCursor}``: one page of ``items`` in ``key`` order after the ``after`` cursor."""
    limit = limit_of(query)
    ordered = sorted(items, key=key, reverse=descending)
    after = query.get("after")
    if after:
        cursor = _decode(after)
        if ordered and len(cursor) != len(key(ordered[0])):
            raise bad_value("/query/after", "Invalid cursor", after)
        ordered = [d for d in ordered if (key(d) < cursor if descending else key(d) > cursor)]
    chunk = ordered[:limit]
    more = len(ordered) > limit
    return {
        "data": [render(d) for d in chunk],
        "nextCursor": _encode(key(chunk[-1])) if more and chunk else None,
    }


# --- filters ---------------------------------------------------------------------------------


def check_operators(query: QueryParams, allowed: set[str]) -> None:
    """Every ``field[op]`` in the query must be one this endpoint supports (else 400)."""
    for name in query:
        match = OPERATOR.match(name)
        if match is None:
            if "[" in name and not name.endswith("[]"):
                raise bad_value(f"/query/{name}", "Unsupported filter operator", query[name])
            continue
        if name not in allowed:
            message = f"Unsupported filter operator [{match.group(2)}] for {match.group(1)}"
            raise bad_value(f"/query/{name}", message, query[name])


def csv_values(query: QueryParams, name: str, *, limit: int = 100) -> list[str] | None:
    raw = query.get(name)
    if raw is None:
        return None
    values = [v.strip() for v in raw.split(",") if v.strip()]
    if not values:
        raise bad_value(f"/query/{name}", "Expected a comma-separated list", raw)
    if len(values) > limit:
        raise bad_value(f"/query/{name}", f"At most {limit} values", raw)
    return values


def datetime_param(query: QueryParams, name: str) -> str | None:
    raw = query.get(name)
    if raw is None:
        return None
    parsed = parse_datetime(raw)
    if parsed is None:
        schema = {"type": "string", "format": "date-time"}
        raise invalid(f"/query/{name}", "Expected date-time", raw, schema)
    return stamp(parsed)


def enum_param(query: QueryParams, name: str, allowed: Iterable[str]) -> str | None:
    raw = query.get(name)
    if raw is None:
        return None
    options = list(allowed)
    if raw not in options:
        message = f"Value must be one of: {', '.join(options)}"
        raise invalid(f"/query/{name}", message, raw, {"type": "string", "enum": options})
    return raw


def enum_list(query: QueryParams, name: str, allowed: Iterable[str]) -> set[str] | None:
    values = csv_values(query, name)
    if values is None:
        return None
    options = list(allowed)
    for value in values:
        if value not in options:
            message = f"Value must be one of: {', '.join(options)}"
            raise invalid(f"/query/{name}", message, value, {"type": "string", "enum": options})
    return set(values)


def prefixed_param(query: QueryParams, name: str, pattern: str) -> str | None:
    raw = query.get(name)
    if raw is None:
        return None
    if not re.match(pattern, raw):
        raise pattern_error(f"/query/{name}", pattern, raw)
    return raw


def e164_param(query: QueryParams, name: str) -> str | None:
    raw = query.get(name)
    if raw is None:
        return None
    if not is_e164(raw):
        raise pattern_error(f"/query/{name}", r"^\+[1-9]\d{1,14}$", raw)
    return raw


def includes(query: QueryParams, allowed: tuple[str, ...]) -> set[str]:
    """``include=a,b``: opt-in sections, each from ``allowed``, no duplicates."""
    raw = query.get("include")
    if raw is None or raw == "":
        return set()
    values = [v.strip() for v in raw.split(",")]
    message = f"Value must be one of: {', '.join(allowed)}"
    for value in values:
        if value not in allowed:
            raise invalid("/include", message, value, {"type": "array"})
    if len(set(values)) != len(values):
        raise invalid("/include", "Expected unique items", raw, {"type": "array"})
    return set(values)


# --- ids and bodies --------------------------------------------------------------------------


def pattern_error(path: str, pattern: str, value: Any) -> QuoError:
    message = f"Expected string to match '{pattern}'"
    return invalid(path, message, value, {"type": "TemplateLiteral", "pattern": pattern})


def path_id(request: Request, name: str, prefix: str | None) -> str:
    """A path id, checked against its documented ``^XX(.*)$`` pattern."""
    value = str(request.path_params[name])
    if prefix is not None and not value.startswith(prefix):
        raise pattern_error(f"/{name}", f"^{prefix}(.*)$", value)
    return value


async def json_body(request: Request, allowed: Iterable[str] | None = None) -> Doc:
    """The JSON object body; with ``allowed``, unknown properties are a 400 (the spec's
    ``additionalProperties: false``)."""
    raw = await request.body()
    if not raw.strip():
        raise bad_value("/body", "Expected a JSON object", None, "object")
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):
        raise bad_value("/body", "Request body is not valid JSON", None, "object") from None
    if not isinstance(body, dict):
        raise bad_value("/body", "Expected a JSON object", body, "object")
    if allowed is not None:
        known = set(allowed)
        for name in body:
            if name not in known:
                raise bad_value(f"/body/{name}", "Unexpected property", body[name], "never")
    return body


async def optional_json_body(request: Request) -> Doc:
    raw = await request.body()
    if not raw.strip():
        return {}
    return await json_body(request)


def string_field(
    body: Doc, name: str, *, required: bool = False, nullable: bool = True, max_length: int = 0
) -> str | None:
    if name not in body or (body[name] is None and nullable and not required):
        if required:
            raise bad_value(f"/body/{name}", "Required property", None)
        return None
    value = body[name]
    if not isinstance(value, str):
        raise bad_value(f"/body/{name}", "Expected string", value)
    if max_length and not 1 <= len(value) <= max_length:
        message = f"Expected string of 1 to {max_length} characters"
        raise bad_value(f"/body/{name}", message, value)
    return value
