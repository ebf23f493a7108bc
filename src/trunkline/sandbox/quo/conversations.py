"""Conversations: one per workspace number and customer, created on first contact (a text sent
or received, or a call). ``excludeInactive`` leaves out conversations marked done (a message
sent with ``setInboxStatus: "done"``) until the customer writes or calls again."""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse, Response

from trunkline.sandbox.quo import lookup
from trunkline.sandbox.quo.endpoint import Call
from trunkline.sandbox.quo.errors import bad_request
from trunkline.sandbox.quo.pagination import page_body, paginate
from trunkline.sandbox.quo.validation import (
    has_prefix,
    is_e164,
    query_bool,
    query_datetime,
    query_int,
    query_list,
    query_prefixed,
)

Doc = dict[str, Any]

PUBLIC_FIELDS = (
    "assignedTo", "createdAt", "deletedAt", "id", "lastActivityAt", "lastActivityId",
    "mutedUntil", "name", "participants", "phoneNumberId", "snoozedUntil", "updatedAt",
)  # fmt: skip


def public(doc: Doc) -> Doc:
    return {name: doc[name] for name in PUBLIC_FIELDS}


def _phone_filter(call: Call) -> set[str] | None:
    """PN ids of the ``phoneNumbers`` filter (or the deprecated ``phoneNumber``), if any."""
    refs = query_list(call.query, "phoneNumbers")
    name = "phoneNumbers"
    if not refs and call.query.get("phoneNumber"):
        refs, name = [call.query["phoneNumber"]], "phoneNumber"
    if not refs:
        return None
    if len(refs) > 100:
        raise bad_request(f"/query/{name}", f"{name} takes at most 100 items", refs, "array")
    ids = set()
    for index, ref in enumerate(refs):
        if not (has_prefix(ref, "PN") or is_e164(ref)):
            message = "each item must be a phone number ID (PN...) or an E.164 number"
            raise bad_request(f"/query/{name}/{index}", message, ref)
        phone = lookup.phone_number(call.world, call.org, ref)
        if phone is not None:
            ids.add(phone["id"])
    return ids


def _user_numbers(call: Call, user_id: str | None) -> set[str] | None:
    if user_id is None:
        return None
    lookup.require_user(call.world, call.org, user_id)
    phones = call.world.of_org("phoneNumbers", call.org)
    return {p["id"] for p in phones if user_id in p["userIds"]}


def _within(value: str | None, after: str | None, before: str | None) -> bool:
    if value is None:
        return after is None and before is None
    return (after is None or value > after) and (before is None or value < before)


async def list_conversations(call: Call) -> Response:
    query = call.query
    max_results = query_int(query, "maxResults", low=1, high=100)
    phones = _phone_filter(call)
    user_phones = _user_numbers(call, query_prefixed(query, "userId", "US", required=False))
    created = (query_datetime(query, "createdAfter"), query_datetime(query, "createdBefore"))
    updated = (query_datetime(query, "updatedAfter"), query_datetime(query, "updatedBefore"))
    exclude_inactive = query_bool(query, "excludeInactive") or False
    found = [
        doc
        for doc in call.world.of_org("conversations", call.org)
        if (phones is None or doc["phoneNumberId"] in phones)
        and (user_phones is None or doc["phoneNumberId"] in user_phones)
        and _within(doc["createdAt"], *created)
        and _within(doc["updatedAt"], *updated)
        and not (exclude_inactive and doc["inboxStatus"] == "done")
    ]
    page, total, token = paginate(found, max_results, query.get("pageToken"))
    return JSONResponse(page_body([public(d) for d in page], total, token))
