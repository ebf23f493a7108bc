"""Calls, messages and conversations on the dated API: workspace-wide lists (every filter
optional), inline call summaries and voicemails, per-segment recordings and transcripts, the
retry of failed texts and the inbox state of conversations."""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse, Response

from trunkline.sandbox.quo import messages
from trunkline.sandbox.quo.dated import views
from trunkline.sandbox.quo.dated.errors import not_found
from trunkline.sandbox.quo.dated.params import (
    check_operators,
    csv_values,
    datetime_param,
    e164_param,
    enum_list,
    enum_param,
    includes,
    page,
    path_id,
    prefixed_param,
)
from trunkline.sandbox.quo.endpoint import Call, data
from trunkline.sandbox.quo.errors import QuoError
from trunkline.sandbox.quo.timefmt import now_stamp

Doc = dict[str, Any]

CALL_STATUSES = (
    "queued", "initiated", "ringing", "in-progress", "completed", "busy", "failed", "no-answer",
    "canceled", "missed", "answered", "forwarded", "abandoned",
)  # fmt: skip
MESSAGE_STATUSES = ("queued", "sent", "delivered", "undelivered", "received", "failed")
DIRECTIONS = ("incoming", "outgoing")
ACTOR = r"^(US|SYU)(.*)$"


def _between(value: str | None, low: str | None, high: str | None, *, strict: bool) -> bool:
    """``[gt]/[lt]`` bounds when ``strict``, ``[gte]/[lte]`` otherwise."""
    if low is None and high is None:
        return True
    if value is None:
        return False
    if strict:
        return (low is None or value > low) and (high is None or value < high)
    return (low is None or value >= low) and (high is None or value <= high)


# --- calls -----------------------------------------------------------------------------------


async def list_calls(call: Call) -> Response:
    query, world, org = call.query, call.world, call.org
    allowed = {"participant[in]", "status[in]", "createdAt[gte]", "createdAt[lte]"}
    check_operators(query, allowed | {"updatedAt[gte]", "updatedAt[lte]"})
    include = includes(query, ("summary", "voicemail"))
    phone_id = prefixed_param(query, "phoneNumberId", "^PN(.*)$")
    actor = prefixed_param(query, "actorId", ACTOR)
    participant = e164_param(query, "participant")
    participants = csv_values(query, "participant[in]")
    direction = enum_param(query, "direction", DIRECTIONS)
    status = enum_param(query, "status", CALL_STATUSES)
    statuses = enum_list(query, "status[in]", CALL_STATUSES)
    created = (datetime_param(query, "createdAt[gte]"), datetime_param(query, "createdAt[lte]"))
    updated = (datetime_param(query, "updatedAt[gte]"), datetime_param(query, "updatedAt[lte]"))
    found = [
        doc
        for doc in world.of_org("calls", org)
        if (phone_id is None or doc["phoneNumberId"] == phone_id)
        and (actor is None or doc["userId"] == actor)
        and (participant is None or participant in doc["participants"])
        and (participants is None or set(participants) & set(doc["participants"]))
        and (direction is None or doc["direction"] == direction)
        and (status is None or doc["status"] == status)
        and (statuses is None or doc["status"] in statuses)
        and _between(doc["createdAt"], *created, strict=False)
        and _between(doc["updatedAt"], *updated, strict=False)
    ]
    render = lambda d: views.call(world, d, include, call.base_url)  # noqa: E731
    return JSONResponse(page(query, found, render))


def _call(call: Call) -> Doc:
    doc = call.world.find("calls", call.org, path_id(call.request, "callId", "AC"))
    if doc is None:
        raise not_found("Call not found")
    return doc


async def get_call(call: Call) -> Response:
    include = includes(call.query, ("summary", "voicemail"))
    return data(views.call(call.world, _call(call), include, call.base_url))


def _by_start(doc: Doc) -> tuple[str, ...]:
    return (doc["startTime"] or "", doc["id"])


def _recordings(call: Call, doc: Doc) -> list[Doc]:
    return [r for r in call.world.table("recordings").values() if r["callId"] == doc["id"]]


async def call_recordings(call: Call) -> Response:
    doc = _call(call)
    render = lambda r: views.recording(r, call.base_url)  # noqa: E731
    body = page(call.query, _recordings(call, doc), render, key=_by_start, descending=False)
    return JSONResponse(body)


async def call_transcripts(call: Call) -> Response:
    doc = _call(call)
    item = call.world.table("transcripts").get(doc["id"])
    render = lambda r: views.transcript(r, item)  # noqa: E731
    body = page(call.query, _recordings(call, doc), render, key=_by_start, descending=False)
    return JSONResponse(body)


# --- messages --------------------------------------------------------------------------------


async def list_messages(call: Call) -> Response:
    query = call.query
    check_operators(query, {"to[all]", "createdAt[gt]", "createdAt[lt]"})
    sender, recipient = query.get("from"), query.get("to")
    recipients = csv_values(query, "to[all]")
    status = enum_param(query, "status", MESSAGE_STATUSES)
    direction = enum_param(query, "direction", DIRECTIONS)
    phone_id = prefixed_param(query, "phoneNumberId", "^PN(.*)$")
    user_id = prefixed_param(query, "userId", "^US(.*)$")
    created = (datetime_param(query, "createdAt[gt]"), datetime_param(query, "createdAt[lt]"))
    found = [
        doc
        for doc in call.world.of_org("messages", call.org)
        if (sender is None or doc["from"] == sender)
        and (recipient is None or recipient in doc["to"])
        and (recipients is None or set(recipients) == set(doc["to"]))
        and (status is None or doc["status"] == status)
        and (direction is None or doc["direction"] == direction)
        and (phone_id is None or doc["phoneNumberId"] == phone_id)
        and (user_id is None or doc["userId"] == user_id)
        and _between(doc["createdAt"], *created, strict=True)
    ]
    return JSONResponse(page(query, found, views.message))


def _message(call: Call) -> Doc:
    doc = call.world.find("messages", call.org, path_id(call.request, "messageId", "AC"))
    if doc is None:
        raise not_found("Message not found")
    return doc


async def get_message(call: Call) -> Response:
    return data(views.message(_message(call)))


async def retry_message(call: Call) -> Response:
    """Only ``failed`` texts; permanent failures (an error code) and undelivered ones: 422."""
    doc = _message(call)
    if doc["status"] != "failed":
        raise QuoError(422, f"Only failed messages can be retried (this one is {doc['status']})")
    if doc.get("errorCode"):
        raise QuoError(422, "The message has permanently failed and cannot be retried")
    messages.retry(call.world, doc)
    return JSONResponse({}, status_code=202)


# --- conversations ---------------------------------------------------------------------------

SORTS = ("createdAt:asc", "createdAt:desc", "updatedAt:asc", "updatedAt:desc")


async def list_conversations(call: Call) -> Response:
    query = call.query
    allowed = {"phoneNumberId[in]", "createdAt[gte]", "createdAt[lte]"}
    check_operators(query, allowed | {"updatedAt[gte]", "updatedAt[lte]"})
    phone_id = prefixed_param(query, "phoneNumberId", "^PN(.*)$")
    phone_ids = csv_values(query, "phoneNumberId[in]")
    created = (datetime_param(query, "createdAt[gte]"), datetime_param(query, "createdAt[lte]"))
    updated = (datetime_param(query, "updatedAt[gte]"), datetime_param(query, "updatedAt[lte]"))
    field, order = (enum_param(query, "sort", SORTS) or "createdAt:desc").split(":")
    found = [
        doc
        for doc in call.world.of_org("conversations", call.org)
        if (phone_id is None or doc["phoneNumberId"] == phone_id)
        and (phone_ids is None or doc["phoneNumberId"] in phone_ids)
        and _between(doc["createdAt"], *created, strict=False)
        and _between(doc["updatedAt"], *updated, strict=False)
    ]

    def key(doc: Doc) -> tuple[str, ...]:
        return (doc[field] or "", doc["id"])

    return JSONResponse(page(query, found, views.conversation, key=key, descending=order == "desc"))


def _conversation(call: Call) -> Doc:
    convo_id = path_id(call.request, "conversationId", "CN")
    doc = call.world.find("conversations", call.org, convo_id)
    if doc is None:
        raise not_found("Conversation not found")
    return doc


def _mark(call: Call, **changes: Any) -> Response:
    doc = _conversation(call)
    doc.update(changes, updatedAt=now_stamp())
    call.world.save()
    return data(views.conversation(doc))


async def mark_read(call: Call) -> Response:
    return _mark(call, unreadCount=0)


async def mark_done(call: Call) -> Response:
    # The inbox state v1 reads too: GET /v1/conversations?excludeInactive=true leaves it out.
    return _mark(call, inboxStatus="done")


async def mark_open(call: Call) -> Response:
    return _mark(call, inboxStatus="open")
