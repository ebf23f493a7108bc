"""The workspace directory: users and phone numbers (read-only through the API)."""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse, Response

from trunkline.sandbox.quo import lookup
from trunkline.sandbox.quo.endpoint import Call, data
from trunkline.sandbox.quo.errors import not_found
from trunkline.sandbox.quo.pagination import page_body, paginate
from trunkline.sandbox.quo.validation import query_int, query_prefixed, require_prefix
from trunkline.sandbox.quo.world import QuoWorld

Doc = dict[str, Any]

USER_FIELDS = (
    "id", "email", "firstName", "lastName", "pictureUrl", "role", "createdAt", "updatedAt",
)  # fmt: skip
NUMBER_FIELDS = (
    "id", "groupId", "portRequestId", "formattedNumber", "forward", "name", "number",
    "portingStatus", "symbol", "createdAt", "updatedAt", "restrictions",
)  # fmt: skip


def public_user(doc: Doc) -> Doc:
    return {name: doc[name] for name in USER_FIELDS}


def public_number(world: QuoWorld, org: Doc, doc: Doc) -> Doc:
    body = {name: doc[name] for name in NUMBER_FIELDS}
    members = [world.find("users", org, uid) for uid in doc["userIds"]]
    body["users"] = [
        {
            "email": u["email"],
            "firstName": u["firstName"],
            "lastName": u["lastName"],
            "id": u["id"],
            "role": u["role"],
            "groupId": doc["groupId"],
        }
        for u in members
        if u is not None
    ]
    return body


def _by_creation(doc: Doc) -> tuple[str, ...]:
    return (doc["createdAt"], doc["id"])


async def list_users(call: Call) -> Response:
    # Clients in the wild omit maxResults here; Quo's default (10) applies.
    max_results = query_int(call.query, "maxResults", low=1, high=50, default=10)
    users = call.world.of_org("users", call.org)
    page, total, token = paginate(
        users, max_results, call.query.get("pageToken"), key=_by_creation, descending=False
    )
    return JSONResponse(page_body([public_user(u) for u in page], total, token))


async def get_user(call: Call) -> Response:
    user_id = call.path("userId")
    require_prefix(user_id, "US", "userId")
    user = call.world.find("users", call.org, user_id)
    if user is None:
        raise not_found("User")
    return data(public_user(user))


async def list_phone_numbers(call: Call) -> Response:
    user_id = query_prefixed(call.query, "userId", "US", required=False)
    world, org = call.world, call.org
    phones = sorted(world.of_org("phoneNumbers", org), key=_by_creation)
    if user_id is not None:
        lookup.require_user(world, org, user_id)
        phones = [p for p in phones if user_id in p["userIds"]]
    return data([public_number(world, org, p) for p in phones])


async def get_phone_number(call: Call) -> Response:
    phone_id = call.path("phoneNumberId")
    require_prefix(phone_id, "PN", "phoneNumberId")
    phone = call.world.find("phoneNumbers", call.org, phone_id)
    if phone is None:
        raise not_found("Phone number")
    return data(public_number(call.world, call.org, phone))
