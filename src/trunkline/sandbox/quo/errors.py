"""Quo's documented error body, with the 7-character codes of each resource family.

Every 4xx/5xx body is flat::

    {"message": "...", "code": "0200402", "status": 402, "docs": "https://openphone.com/docs",
     "title": "Not Enough Credits", "description": "...", "trace": "...", "errors": [...]}

``code`` is two digits of resource, two of variant, then the HTTP status. The spec pins ``code``,
``title`` and (for the named errors) ``description`` per operation and status, so a family (the
resource an operation belongs to) fixes them and only ``message`` and ``errors`` vary.

A 400 carries its family's named title ("A2P Registration Not Approved", "Too Many
Participants"...) only when it is raised for that reason (``QuoError(..., named=True)``);
malformed input gets the generic ``<resource>00400`` "Bad Request" (see docs/sandboxes/quo.md).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any

from starlette.responses import JSONResponse

DOCS_URL = "https://openphone.com/docs"

GENERIC_TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    402: "Payment Required",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    429: "Too Many Requests",
    500: "Unknown",
}

NOT_PHONE_NUMBER_USER = "Not Phone Number User"
NOT_ENOUGH_CREDITS = "The organization does not have enough prepaid credits to send the message"


@dataclass(frozen=True)
class Named:
    """A documented, non-generic error: its variant digits, title and description."""

    variant: str
    title: str
    description: str


@dataclass(frozen=True)
class Family:
    name: str
    resource: str
    named: dict[int, Named] = field(default_factory=dict)

    def named_for(self, status: int, named: bool) -> Named | None:
        """The named error of ``status``; a 400 is named only when raised for its reason."""
        if status == 400 and not named:
            return None
        return self.named.get(status)

    def code(self, status: int, named: bool = True) -> str:
        if self.named_for(status, named) is not None:
            return f"{self.resource}{self.named[status].variant}{status}"
        # Every documented 500 uses variant 01; everything generic uses 00.
        variant = "01" if status == 500 else "00"
        return f"{self.resource}{variant}{status}"

    def title(self, status: int, named: bool = True) -> str:
        found = self.named_for(status, named)
        if found is not None:
            return found.title
        return GENERIC_TITLES.get(status, "Error")


def _npnu(variant: str) -> Named:
    return Named(variant, NOT_PHONE_NUMBER_USER, NOT_PHONE_NUMBER_USER)


CALLS = Family(
    "calls",
    "01",
    {400: Named("01", "Too Many Participants", "Too Many Participants"), 403: _npnu("01")},
)
MESSAGES = Family(
    "messages",
    "02",
    {
        400: Named("06", "A2P Registration Not Approved", "A2P Registration Not Approved"),
        402: Named("00", "Not Enough Credits", NOT_ENOUGH_CREDITS),
        403: _npnu("02"),
    },
)
WEBHOOKS = Family("webhooks", "03", {400: Named("05", "Invalid Version", "Invalid Version")})
PHONE_NUMBERS = Family("phone-numbers", "04")
CALL_SUMMARIES = Family("call-summaries", "05")
CALL_TRANSCRIPTS = Family("call-transcripts", "06")
CUSTOM_FIELDS = Family("contact-custom-fields", "07")
CONTACTS = Family(
    "contacts",
    "08",
    {
        400: Named("01", "Invalid Custom Field Item", "Invalid Custom Field Item"),
        403: _npnu("01"),
    },
)
RECORDINGS = Family("call-recordings", "09")
CONVERSATIONS = Family("conversations", "10", {403: _npnu("01")})
USERS = Family("users", "11")
VOICEMAILS = Family("call-voicemails", "12")

FAMILIES_BY_SEGMENT = {
    f.name: f
    for f in (
        CALLS,
        MESSAGES,
        WEBHOOKS,
        PHONE_NUMBERS,
        CALL_SUMMARIES,
        CALL_TRANSCRIPTS,
        CUSTOM_FIELDS,
        CONTACTS,
        RECORDINGS,
        CONVERSATIONS,
        USERS,
        VOICEMAILS,
    )
}


def family_for_path(path: str) -> Family | None:
    """The family of a ``/v1/<resource>/...`` path, for routes that did not match."""
    parts = path.strip("/").split("/")
    if len(parts) >= 2 and parts[0] == "v1":
        return FAMILIES_BY_SEGMENT.get(parts[1])
    return None


class QuoError(Exception):
    """Raised by handlers; rendered with the family of the operation that raised it."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
        named: bool = False,
    ) -> None:
        super().__init__(message)
        self.named = named
        self.status = status
        self.message = message
        self.errors = errors
        self.headers = headers or {}


def error_body(family: Family, exc: QuoError) -> dict[str, Any]:
    body: dict[str, Any] = {
        "message": exc.message,
        "code": family.code(exc.status, exc.named),
        "status": exc.status,
        "docs": DOCS_URL,
        "title": family.title(exc.status, exc.named),
        "trace": str(secrets.randbits(62)),
    }
    if exc.errors:
        body["errors"] = exc.errors
    named = family.named_for(exc.status, exc.named)
    if named is not None:
        body["description"] = named.description
    return body


def error_response(family: Family, exc: QuoError) -> JSONResponse:
    return JSONResponse(error_body(family, exc), status_code=exc.status, headers=exc.headers)


def field_error(path: str, message: str, value: Any, type_name: str) -> dict[str, Any]:
    """One ``errors[]`` item, as the spec documents them."""
    return {"path": path, "message": message, "value": value, "schema": {"type": type_name}}


def bad_request(path: str, message: str, value: Any, type_name: str = "string") -> QuoError:
    return QuoError(400, message, errors=[field_error(path, message, value, type_name)])


def not_found(what: str) -> QuoError:
    return QuoError(404, f"{what} not found")
