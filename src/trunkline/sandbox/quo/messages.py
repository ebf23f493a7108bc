"""Messages: send (202, queued), list one conversation's messages, get one; and their life.

A sent message is charged per segment up front (nothing is sent and nothing charged when the
credits do not cover it: 402), then moves ``queued`` -> ``sent`` -> ``delivered`` on the clock,
or ``undelivered`` for the sandbox's unreachable numbers; the final step fires
``message.delivered``. Inbound texts (played through the control API) fire ``message.received``.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse, Response

from trunkline.sandbox.quo import events, lookup, records
from trunkline.sandbox.quo.dated import events as dated_events
from trunkline.sandbox.quo.endpoint import Call, data
from trunkline.sandbox.quo.errors import NOT_ENOUGH_CREDITS, QuoError, bad_request, not_found
from trunkline.sandbox.quo.pagination import page_body, paginate
from trunkline.sandbox.quo.segments import segment
from trunkline.sandbox.quo.timefmt import now_stamp
from trunkline.sandbox.quo.validation import (
    body_array,
    body_prefixed,
    body_string,
    has_prefix,
    is_e164,
    json_object,
    query_datetime,
    query_int,
    query_list,
    query_prefixed,
    region_of,
    require_prefix,
)
from trunkline.sandbox.quo.world import QuoWorld

Doc = dict[str, Any]

SEND_DELAY = 1.0
DELIVER_DELAY = 2.0

PUBLIC_FIELDS = (
    "id", "to", "from", "text", "phoneNumberId", "direction", "userId", "status", "createdAt",
    "updatedAt",
)  # fmt: skip


def public(doc: Doc) -> Doc:
    body = {name: doc[name] for name in PUBLIC_FIELDS}
    # v1 has no "failed" status (the dated API added it): v1 shows such texts undelivered.
    if body["status"] == "failed":
        body["status"] = "undelivered"
    return body


EVENT_FIELDS = (
    "from", "to", "direction", "text", "status", "createdAt", "userId", "phoneNumberId",
)  # fmt: skip


def event_object(world: QuoWorld, org: Doc, doc: Doc) -> Doc:
    """The message as webhook payloads carry it (``object``, ``conversationId``, contacts),
    keys in the order of Quo's webhooks guide."""
    body = {"id": doc["id"], "object": "message"}
    body.update({name: doc[name] for name in EVENT_FIELDS})
    body["conversationId"] = doc.get("conversationId")
    body["contactIds"] = lookup.contact_ids_for(world, org, doc["customer"])
    return body


# --- sending ---------------------------------------------------------------------------------


def _content(body: Doc) -> str:
    content = body_string(body, "content", required=True)
    assert content is not None
    if not 1 <= len(content) <= 1600:
        raise bad_request("/body/content", "content must be 1 to 1600 characters", content)
    if not content.strip():
        raise bad_request("/body/content", "content must not be only whitespace", content)
    return content


def _sender(body: Doc) -> str:
    sender = body.get("from", body.get("phoneNumberId"))
    if not (has_prefix(sender, "PN") or is_e164(sender)):
        message = "from must be a phone number ID (PN...) or an E.164 phone number"
        raise bad_request("/body/from", message, sender)
    return str(sender)


def _recipient(body: Doc) -> str:
    to = body_array(body, "to", required=True)
    assert to is not None
    if len(to) != 1:
        raise bad_request("/body/to", "to must contain exactly one phone number", to, "array")
    if not is_e164(to[0]):
        raise bad_request("/body/to/0", "to must be an E.164 phone number", to[0])
    return str(to[0])


def _check_allowed(org: Doc, phone: Doc, recipient: str) -> None:
    region = region_of(recipient)
    if phone["restrictions"]["messaging"][region] == "restricted":
        raise QuoError(403, f"Messaging to {recipient} is restricted for this phone number")
    if region == "US" and not org["a2pApproved"]:
        raise QuoError(400, "The organization is not approved for A2P", named=True)


async def send_message(call: Call) -> Response:
    body = await json_object(call.request)
    content, sender, recipient = _content(body), _sender(body), _recipient(body)
    user_id = body_prefixed(body, "userId", "US")
    inbox = body.get("setInboxStatus")
    if inbox is not None and inbox != "done":
        raise bad_request("/body/setInboxStatus", "setInboxStatus must be 'done'", inbox)
    world, org = call.world, call.org
    phone = lookup.require_phone_number(world, org, sender)
    acting = lookup.acting_user(world, org, phone, user_id)
    _check_allowed(org, phone, recipient)
    parts = segment(content)
    if org["creditsCents"] < parts.price_cents:
        raise QuoError(402, NOT_ENOUGH_CREDITS)
    org["creditsCents"] -= parts.price_cents
    doc = _store(world, org, phone, recipient, content, acting, "outgoing", "queued")
    doc.update(segments=parts.segments, encoding=parts.encoding, priceCents=parts.price_cents)
    lookup.touch_conversation(world, doc, inbox=inbox or "open")
    world.save()
    schedule_delivery(world, doc["id"])
    return data(public(doc), 202)


def _store(
    world: QuoWorld,
    org: Doc,
    phone: Doc,
    customer: str,
    text: str,
    user_id: str,
    direction: str,
    status: str,
) -> Doc:
    at = now_stamp()
    doc = records.message(
        message_id=world.new_id("AC"),
        org_id=org["id"],
        phone=phone,
        customer=customer,
        direction=direction,
        text=text,
        user_id=user_id,
        status=status,
        created_at=at,
    )
    doc["conversationId"] = lookup.conversation_for(world, org, phone, customer, at)["id"]
    world.table("messages")[doc["id"]] = doc
    return doc


def schedule_delivery(world: QuoWorld, message_id: str) -> None:
    """queued -> sent -> delivered/undelivered (resumable: it reads the current status)."""

    def advance() -> None:
        doc = world.table("messages").get(message_id)
        if doc is None or doc["status"] in ("delivered", "undelivered", "failed"):
            return
        if doc["status"] == "queued":
            failure = None if doc.get("retried") else records.send_failure(doc["customer"])
            if failure is not None:
                _fail(world, doc, failure[1])
                return
            _set_status(world, doc, "sent")
            world.later(DELIVER_DELAY, advance)
            return
        final = "undelivered" if records.is_unreachable(doc["customer"]) else "delivered"
        _set_status(world, doc, final)
        org = world.workspace(doc["orgId"])
        if org is not None:
            obj = event_object(world, org, doc)
            events.emit(world, org["id"], "message.delivered", obj, doc["phoneNumberId"])

    doc = world.table("messages").get(message_id)
    delay = SEND_DELAY if doc is not None and doc["status"] == "queued" else DELIVER_DELAY
    world.later(delay, advance)


def _fail(world: QuoWorld, doc: Doc, error_code: str | None) -> None:
    """Sending failed: the dated API's ``failed`` (v1 documents no event for it)."""
    doc["errorCode"] = error_code
    _set_status(world, doc, "failed")
    org = world.workspace(doc["orgId"])
    if org is not None:
        dated_events.message(world, org, doc, "message.failed")


def retry(world: QuoWorld, doc: Doc) -> None:
    """Queue a failed text again (once it is retried, the sandbox lets it through)."""
    doc.update(retried=True, errorCode=None)
    _set_status(world, doc, "queued")
    schedule_delivery(world, doc["id"])


def _set_status(world: QuoWorld, doc: Doc, status: str) -> None:
    doc["status"] = status
    doc["updatedAt"] = now_stamp()
    world.save()


def receive(world: QuoWorld, org: Doc, phone: Doc, customer: str, text: str) -> Doc:
    """A customer texts a workspace number: store it, reopen the conversation, notify."""
    owner = lookup.number_owner(world, org, phone)
    doc = _store(world, org, phone, customer, text, owner, "incoming", "delivered")
    lookup.touch_conversation(world, doc, inbox="open")
    world.save()
    events.emit(world, org["id"], "message.received", event_object(world, org, doc), phone["id"])
    return doc


# --- reading ---------------------------------------------------------------------------------


async def list_messages(call: Call) -> Response:
    query, world, org = call.query, call.world, call.org
    phone_id = query_prefixed(query, "phoneNumberId", "PN", required=True)
    participants = _participants(query_list(query, "participants"))
    max_results = query_int(query, "maxResults", low=1, high=100)
    user_id = query_prefixed(query, "userId", "US", required=False)
    after = query_datetime(query, "createdAfter")
    before = query_datetime(query, "createdBefore") or query_datetime(query, "since")
    assert phone_id is not None
    phone = lookup.require_phone_number(world, org, phone_id)
    if user_id is not None:
        lookup.require_user(world, org, user_id)
    found = [
        doc
        for doc in world.of_org("messages", org)
        if doc["phoneNumberId"] == phone["id"]
        and {doc["customer"]} == participants
        and (user_id is None or doc["userId"] == user_id)
        and (after is None or doc["createdAt"] > after)
        and (before is None or doc["createdAt"] < before)
    ]
    page, total, token = paginate(found, max_results, query.get("pageToken"))
    return JSONResponse(page_body([public(d) for d in page], total, token))


def _participants(values: list[str]) -> set[str]:
    if not values:
        raise bad_request("/query/participants", "participants is required", None, "array")
    for index, value in enumerate(values):
        if not is_e164(value):
            message = "participants must be E.164 phone numbers"
            raise bad_request(f"/query/participants/{index}", message, value)
    return set(values)


async def get_message(call: Call) -> Response:
    message_id = call.path("id")
    require_prefix(message_id, "AC", "id")
    doc = call.world.find("messages", call.org, message_id)
    if doc is None:
        raise not_found("Message")
    return data(public(doc))
