"""Samples for ``POST /webhooks/{id}/events/test``: one made-up event of each type, in the
payload shape of real events, with the caller's workspace ids in its context.

The sample's id is fixed (``EVsample…``) and so are the ids of its made-up resource, as Quo
documents for test events.
"""

from __future__ import annotations

from typing import Any

from trunkline.sandbox.quo.dated import events
from trunkline.sandbox.quo.timefmt import now_stamp
from trunkline.sandbox.quo.world import QuoWorld

Doc = dict[str, Any]

SAMPLE_ID = "EVsample00000000000000000000000000"
CALL_ID = "ACsample00000000000000000000000000"
MESSAGE_ID = "ACsample00000000000000000000000001"
TASK_ID = "TKsample00000000000000000000000000"
CONTACT_ID = "000000000000000000sample"
CUSTOMER = "+15555550100"


def encode(body: Doc) -> str:
    return events.encode(body)


def _workspace(world: QuoWorld, org: Doc) -> tuple[str | None, str, str]:
    phones = world.of_org("phoneNumbers", org)
    if not phones:
        return None, "+15555550199", org["ownerId"]
    return phones[0]["id"], phones[0]["number"], org["ownerId"]


def _message(org: Doc, event_type: str, phone: tuple[str | None, str, str]) -> tuple[Doc, Doc]:
    phone_id, number, user = phone
    incoming = event_type == "message.received"
    status = {"message.received": "received", "message.delivered": "delivered"}.get(
        event_type, event_type.split(".")[1]
    )
    resource: Doc = {
        "id": MESSAGE_ID,
        "direction": "incoming" if incoming else "outgoing",
        "text": "Hello from the Quo sandbox",
        "status": status,
        "createdAt": now_stamp(),
    }
    if event_type != "message.failed":
        resource["media"] = []
    if event_type in ("message.failed", "message.undelivered"):
        resource["errorCode"] = "30007" if event_type == "message.undelivered" else None
    context = {
        "orgId": org["id"],
        "phoneNumberId": phone_id,
        "conversationId": "CNsample00000000000000000000000000",
        "userId": user,
        "contacts": {"ids": [], "lookupStatus": "none"},
        "senderIdentifier": CUSTOMER if incoming else number,
        "recipientIdentifiers": [number] if incoming else [CUSTOMER],
    }
    return resource, context


def _call(world: QuoWorld, org: Doc, event_type: str, phone: tuple[str | None, str, str]) -> Doc:
    """A made-up finished call record, fed to the real payload builders."""
    phone_id, _number, user = phone
    at = now_stamp()
    return {
        "id": CALL_ID,
        "orgId": org["id"],
        "phoneNumberId": phone_id,
        "conversationId": "CNsample00000000000000000000000000",
        "direction": "incoming",
        "status": "missed"
        if event_type in ("call.missed", "call.voicemail.completed")
        else "completed",
        "participants": [CUSTOMER],
        "userId": user,
        "answeredAt": at,
        "answeredBy": user,
        "completedAt": at,
        "createdAt": at,
        "updatedAt": at,
        "duration": 42,
        "baseUrl": "",
    }


def _call_resource(world: QuoWorld, call: Doc, event_type: str) -> Doc:
    if event_type == "call.summary.completed":
        return {
            "callId": call["id"],
            "processingStatus": "completed",
            "summary": ["The customer asked for a quote."],
            "nextSteps": ["Send the quote."],
            "fromPhoneNumber": CUSTOMER,
            "handledByAiAgent": False,
            "answeredByUserId": call["answeredBy"],
            "jobs": [],
        }
    if event_type == "call.transcript.completed":
        line = {"userId": None, "identifier": CUSTOMER, "content": "Hi!", "start": 0.5, "end": 1.5}
        return {
            "callId": call["id"],
            "createdAt": call["createdAt"],
            "duration": call["duration"],
            "processingStatus": "completed",
            "dialogue": [line],
        }
    if event_type == "call.voicemail.completed":
        return {**events.voicemail_resource(world, call), "transcript": "Please call me back."}
    if event_type == "call.forwarded":
        return {
            "id": call["id"],
            "createdAt": call["createdAt"],
            "updatedAt": call["updatedAt"],
            "forwardedFrom": CUSTOMER,
            "forwardedTo": "+15555550142",
        }
    if event_type == "call.menu.selected":
        return {
            "id": call["id"],
            "createdAt": call["createdAt"],
            "updatedAt": call["updatedAt"],
            "phoneMenuSelection": "1",
            "phoneMenuSelectionName": "Sales",
            "statusReason": "phone-menu-dial",
        }
    return events.call_resource(world, call, event_type)


def _contact(org: Doc) -> Doc:
    at = now_stamp()
    return {
        "id": CONTACT_ID,
        "firstName": "Sample",
        "lastName": "Contact",
        "company": None,
        "role": None,
        "location": None,
        "source": "public-api",
        "externalId": None,
        "emails": [{"value": "sample@example.com", "type": "email"}],
        "phoneNumbers": [{"value": CUSTOMER, "type": "phone-number"}],
        "customFields": [],
        "createdAt": at,
        "updatedAt": at,
    }


TASK_EXTRAS: dict[str, Doc] = {
    "task.created": {"title": "Call back", "description": "About the quote", "dueDate": None},
    "task.updated": {"updatedFields": {"title": {"isUpdated": True, "updatedValue": "Call"}}},
    "task.assigned": {"assignedTo": ""},
    "task.unassigned": {"unassignedFrom": ""},
    "task.overdue": {"dueDate": "2026-01-01T16:00:00.000Z"},
    "task.duedate.updated": {"updatedDueDate": "2026-01-02T16:00:00.000Z"},
}


def sample(world: QuoWorld, org: Doc, event_type: str) -> Doc:
    phone = _workspace(world, org)
    link: str | None = events.APP_URL
    if event_type.startswith("message."):
        resource, context = _message(org, event_type, phone)
    elif event_type.startswith("call."):
        call = _call(world, org, event_type, phone)
        resource = _call_resource(world, call, event_type)
        ringing = event_type == "call.ringing"
        context = events.call_context(world, org, call, ringing=ringing)
    elif event_type.startswith("contact."):
        resource = _contact(org)
        context = {"orgId": org["id"], "userId": org["ownerId"], "sharedWithIds": [org["id"]]}
    else:
        extra = {
            k: (v or org["ownerId"]) if k in ("assignedTo", "unassignedFrom") else v
            for k, v in TASK_EXTRAS.get(event_type, {}).items()
        }
        resource = {"id": TASK_ID, **extra}
        context = {
            "orgId": org["id"],
            "actorId": org["ownerId"],
            "phoneNumberId": phone[0],
            "conversationId": None,
            "activityId": None,
            "phoneNumberGroupId": None,
        }
        link = None
    return events.envelope(SAMPLE_ID, event_type, resource, context, link)
