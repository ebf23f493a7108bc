"""Checking what callers send: query parameters, JSON bodies, phone numbers and ids.

Every failure is a :class:`QuoError` 400 carrying an ``errors[]`` item (path, message, value,
schema type), which the operation's family turns into its documented code.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

import phonenumbers
from starlette.datastructures import QueryParams
from starlette.requests import Request

from trunkline.sandbox.quo.errors import QuoError, bad_request
from trunkline.sandbox.quo.timefmt import stamp

E164 = re.compile(r"^\+[1-9]\d{1,14}$")


def is_e164(value: object) -> bool:
    """E.164 shape, and a length the numbering plan of that country allows."""
    if not isinstance(value, str) or not E164.match(value):
        return False
    try:
        return bool(phonenumbers.is_possible_number(phonenumbers.parse(value, None)))
    except phonenumbers.NumberParseException:
        return False


def is_domestic(number: str) -> bool:
    """US/CA (the North American plan) is domestic for Quo's pricing and restrictions."""
    return number.startswith("+1")


def region_of(number: str) -> str:
    """``US``, ``CA`` or ``Intl``: the keys of a phone number's ``restrictions``."""
    if not is_domestic(number):
        return "Intl"
    region = phonenumbers.region_code_for_number(phonenumbers.parse(number, None))
    return "CA" if region == "CA" else "US"


def has_prefix(value: object, prefix: str) -> bool:
    return isinstance(value, str) and value.startswith(prefix)


# --- query strings ---------------------------------------------------------------------------


def query_list(params: QueryParams, name: str) -> list[str]:
    """Array parameters arrive as ``name=a&name=b`` or ``name[]=a&name[]=b``; accept both."""
    return params.getlist(name) + params.getlist(f"{name}[]")


def query_int(
    params: QueryParams, name: str, *, low: int, high: int, default: int | None = None
) -> int:
    raw = params.get(name)
    if raw is None or raw == "":
        if default is None:
            raise bad_request(f"/query/{name}", f"{name} is required", raw, "integer")
        return default
    try:
        value = int(raw)
    except ValueError:
        raise bad_request(f"/query/{name}", f"{name} must be an integer", raw, "integer") from None
    if not low <= value <= high:
        message = f"{name} must be between {low} and {high}"
        raise bad_request(f"/query/{name}", message, value, "integer")
    return value


def query_datetime(params: QueryParams, name: str) -> str | None:
    """An ISO 8601 timestamp, returned in the sandbox's own sortable format."""
    raw = params.get(name)
    if raw is None:
        return None
    parsed = parse_datetime(raw)
    if parsed is None:
        message = f"{name} must be an ISO 8601 date-time"
        raise bad_request(f"/query/{name}", message, raw)
    return stamp(parsed)


def query_bool(params: QueryParams, name: str) -> bool | None:
    raw = params.get(name)
    if raw is None:
        return None
    if raw.lower() in ("true", "false"):
        return raw.lower() == "true"
    raise bad_request(f"/query/{name}", f"{name} must be a boolean", raw, "boolean")


def query_prefixed(params: QueryParams, name: str, prefix: str, *, required: bool) -> str | None:
    raw = params.get(name)
    if raw is None or raw == "":
        if required:
            raise bad_request(f"/query/{name}", f"{name} is required", raw)
        return None
    if not raw.startswith(prefix):
        raise bad_request(f"/query/{name}", f"{name} must start with {prefix}", raw)
    return raw


def parse_datetime(raw: str) -> datetime | None:
    """An aware UTC datetime, or None when ``raw`` is not ISO 8601 (or out of range in UTC)."""
    try:
        parsed = datetime.fromisoformat(raw.strip())
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        return parsed.astimezone(UTC)
    except (ValueError, OverflowError):
        return None


def require_prefix(value: str, prefix: str, name: str) -> None:
    """Path ids: ``AC…`` for activities, ``PN…`` for numbers and so on."""
    if not value.startswith(prefix):
        raise bad_request(f"/params/{name}", f"{name} must start with {prefix}", value)


# --- JSON bodies -----------------------------------------------------------------------------


async def json_object(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        raise QuoError(400, "Request body is required")
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):
        raise QuoError(400, "Request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise bad_request("/body", "Request body must be a JSON object", body, "object")
    return body


def body_string(
    body: dict[str, Any], name: str, *, required: bool = False, max_length: int | None = None
) -> str | None:
    value = body.get(name)
    if value is None:
        if required:
            raise bad_request(f"/body/{name}", f"{name} is required", value)
        return None
    if not isinstance(value, str):
        raise bad_request(f"/body/{name}", f"{name} must be a string", value)
    if max_length is not None and len(value) > max_length:
        raise bad_request(f"/body/{name}", f"{name} must be at most {max_length} characters", value)
    return value


def body_prefixed(body: dict[str, Any], name: str, prefix: str) -> str | None:
    value = body_string(body, name)
    if value is not None and not value.startswith(prefix):
        raise bad_request(f"/body/{name}", f"{name} must start with {prefix}", value)
    return value


def body_array(body: dict[str, Any], name: str, *, required: bool = False) -> list[Any] | None:
    value = body.get(name)
    if value is None:
        if required:
            raise bad_request(f"/body/{name}", f"{name} is required", value, "array")
        return None
    if not isinstance(value, list):
        raise bad_request(f"/body/{name}", f"{name} must be an array", value, "array")
    return value


def is_http_url(value: object) -> bool:
    """Absolute http(s) URL with a host (the spec's ``format: uri`` for callbacks)."""
    return isinstance(value, str) and re.match(r"^https?://[^\s/?#]+[^\s]*$", value) is not None
