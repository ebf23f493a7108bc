"""Dated-API webhook events: the envelope, who gets it, and the payloads the sandbox's own
life produces (texts, calls, contacts, tasks).

``{id, apiVersion, createdAt, type, data: {resource, context, links: {quo}}}``; ``id`` is the
event's id, shared by every webhook that receives it and stable across retries. A webhook
receives an event it lists in ``events`` while ``enabled``; for ``message.*`` and ``call.*``
its ``resourceIds`` must also hold ``"*"`` or the phone number involved (contact and task
events are workspace-wide). These webhooks never see v1 events and v1 webhooks never see these.
"""

from __future__ import annotations

import json
from typing import Any

from trunkline.sandbox.quo import customfields, lookup
from trunkline.sandbox.quo.dated import delivery
from trunkline.sandbox.quo.dated.errors import VERSION
from trunkline.sandbox.quo.timefmt import now_stamp
from trunkline.sandbox.quo.world import QuoWorld

Doc = dict[str, Any]

APP_URL = "https://my.quo.com"
FILTERED_PREFIXES = ("message.", "call.")


def envelope(event_id: str, event_type: str, resource: Doc, context: Doc, link: str | None) -> Doc:
    return {
        "id": event_id,
        "apiVersion": VERSION,
        "createdAt": now_stamp(),
        "type": event_type,
        "data": {"resource": resource, "context": context, "links": {"quo": link}},
    }


def encode(body: Doc) -> str:
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False)


def subscribers(world: QuoWorld, org_id: str, event_type: str, phone_id: str | None) -> list[Doc]:
    found = []
    for hook in world.table("datedWebhooks").values():
        if hook["orgId"] != org_id or hook["status"] != "enabled":
            continue
        if event_type not in hook["events"]:
            continue
        scoped = event_type.startswith(FILTERED_PREFIXES)
        if scoped and "*" not in hook["resourceIds"] and phone_id not in hook["resourceIds"]:
            continue
        found.append(hook)
    return found


def publish(
    world: QuoWorld,
    org_id: str,
    event_type: str,
    resource: Doc,
    context: Doc,
    *,
    resource_id: str,
    phone_id: str | None = None,
    link: str | None = None,
) -> Doc | None:
    """Send the event to every subscribed webhook; None when nobody subscribes."""
    hooks = subscribers(world, org_id, event_type, phone_id)
    if not hooks:
        return None
    event = envelope(world.new_id("EV"), event_type, resource, context, link)
    body = encode(event)
    for hook in hooks:
        delivery.create(world, hook, event, body, event_id=event["id"], resource_id=resource_id)
    return event


# --- messages --------------------------------------------------------------------------------


def contact_lookup(world: QuoWorld, org: Doc, number: str) -> Doc:
    ids = lookup.contact_ids_for(world, org, number)
    return {"ids": ids, "lookupStatus": "matched" if ids else "none"}


def message_context(world: QuoWorld, org: Doc, doc: Doc) -> Doc:
    return {
        "orgId": org["id"],
        "phoneNumberId": doc["phoneNumberId"],
        "conversationId": doc.get("conversationId"),
        "userId": doc["userId"],
        "contacts": contact_lookup(world, org, doc["customer"]),
        "senderIdentifier": doc["from"],
        "recipientIdentifiers": list(doc["to"]),
    }


def message(world: QuoWorld, org: Doc, doc: Doc, event_type: str) -> None:
    resource: Doc = {
        "id": doc["id"],
        "direction": doc["direction"],
        "text": doc["text"],
        "status": doc["status"],
        "createdAt": doc["createdAt"],
    }
    if event_type != "message.failed":
        resource["media"] = list(doc.get("media", []))
    if event_type in ("message.failed", "message.undelivered"):
        resource["errorCode"] = doc.get("errorCode")
    link = f"{APP_URL}/inbox/{doc['phoneNumberId']}/c/{doc.get('conversationId')}"
    publish(
        world,
        org["id"],
        event_type,
        resource,
        message_context(world, org, doc),
        resource_id=doc["id"],
        phone_id=doc["phoneNumberId"],
        link=link,
    )


# --- calls -----------------------------------------------------------------------------------

CALL_STATUS = {"completed": "answered", "missed": "unanswered"}


def call_context(world: QuoWorld, org: Doc, call: Doc, *, ringing: bool = False) -> Doc:
    phone = world.table("phoneNumbers").get(call["phoneNumberId"]) or {}
    context: Doc = {
        "orgId": org["id"],
        "phoneNumberId": call["phoneNumberId"],
        "conversationId": call.get("conversationId"),
        "userId": call["userId"],
        "participants": {
            "workspace": [phone.get("number", "")],
            "external": list(call["participants"]),
            "resolution": "available",
        },
    }
    if not ringing:
        shared = len(phone.get("userIds", [])) > 1
        context["phoneNumberType"] = "shared" if shared else "private"
        context["contacts"] = contact_lookup(world, org, call["participants"][0])
    return context


def call_resource(world: QuoWorld, call: Doc, event_type: str) -> Doc:
    base = {"id": call["id"], "createdAt": call["createdAt"], "updatedAt": call["updatedAt"]}
    if event_type == "call.ringing":
        return {**base, "direction": call["direction"]}
    if event_type == "call.answered":
        return {
            **base,
            "direction": call["direction"],
            "answeredAt": call["answeredAt"],
            "answeredByUserId": call["answeredBy"],
        }
    if event_type == "call.missed":
        return base
    timing = {
        "direction": call["direction"],
        "answeredAt": call["answeredAt"],
        "completedAt": call["completedAt"],
        "duration": call["duration"],
    }
    if event_type == "call.completed":
        status = CALL_STATUS.get(call["status"], "unknown")
        has_voicemail = call["id"] in world.table("voicemails")
        return {**base, **timing, "status": status, "hasVoicemail": has_voicemail}
    recordings = [r for r in world.table("recordings").values() if r["callId"] == call["id"]]
    base_url = call.get("baseUrl", "")
    return {
        **base,
        **timing,
        "recordings": [
            {
                "id": r["id"],
                "duration": r["duration"],
                "startTime": r["startTime"],
                "type": r["type"],
                "url": f"{base_url}{r['path']}",
            }
            for r in recordings
            if r["status"] == "completed"
        ],
    }


def call(world: QuoWorld, call_doc: Doc, event_type: str) -> None:
    org = world.workspace(call_doc["orgId"])
    if org is None:
        return
    if event_type == "call.summary.completed":
        resource = summary_resource(world, call_doc)
    elif event_type == "call.transcript.completed":
        resource = transcript_resource(world, call_doc)
    elif event_type == "call.voicemail.completed":
        resource = voicemail_resource(world, call_doc)
    else:
        resource = call_resource(world, call_doc, event_type)
    ringing = event_type == "call.ringing"
    publish(
        world,
        org["id"],
        event_type,
        resource,
        call_context(world, org, call_doc, ringing=ringing),
        resource_id=call_doc["id"],
        phone_id=call_doc["phoneNumberId"],
        link=f"{APP_URL}/inbox/{call_doc['phoneNumberId']}/c/{call_doc.get('conversationId')}",
    )


def summary_resource(world: QuoWorld, call_doc: Doc) -> Doc:
    item = world.table("summaries").get(call_doc["id"]) or {}
    return {
        "callId": call_doc["id"],
        "processingStatus": item.get("status", "absent"),
        "summary": item.get("summary"),
        "nextSteps": item.get("nextSteps"),
        "fromPhoneNumber": call_doc["participants"][0],
        "handledByAiAgent": False,
        "answeredByUserId": call_doc["answeredBy"],
        "jobs": [],
    }


def transcript_resource(world: QuoWorld, call_doc: Doc) -> Doc:
    item = world.table("transcripts").get(call_doc["id"]) or {}
    lines = item.get("dialogue")
    return {
        "callId": call_doc["id"],
        "createdAt": item.get("createdAt") or call_doc["createdAt"],
        "duration": item.get("duration"),
        "processingStatus": item.get("status", "absent"),
        "dialogue": None
        if lines is None
        else [
            {
                "userId": line["userId"],
                "identifier": line["identifier"],
                "content": line["content"],
                "start": line["start"],
                "end": line["end"],
            }
            for line in lines
        ],
    }


def voicemail_resource(world: QuoWorld, call_doc: Doc) -> Doc:
    vm = world.table("voicemails").get(call_doc["id"]) or {}
    phone = world.table("phoneNumbers").get(call_doc["phoneNumberId"]) or {}
    path = vm.get("path")
    return {
        "id": vm.get("id", call_doc["id"]),
        "voicemailId": vm.get("id"),
        "callId": call_doc["id"],
        "direction": call_doc["direction"],
        "duration": vm.get("duration"),
        "from": call_doc["participants"][0],
        "to": phone.get("number"),
        "transcript": vm.get("transcript"),
        "recordingUrl": f"{call_doc.get('baseUrl', '')}{path}" if path else None,
        "createdAt": call_doc["completedAt"] or call_doc["createdAt"],
        "updatedAt": call_doc["updatedAt"],
    }


# --- the v1 lifecycle's events, relayed ------------------------------------------------------


def relay(world: QuoWorld, org_id: str, v1_type: str, obj: Doc) -> None:
    """What a v1 event (``messages``/``calllife``) means for dated webhooks."""
    org = world.workspace(org_id)
    if org is None:
        return
    if v1_type.startswith("message."):
        doc = world.table("messages").get(obj["id"])
        if doc is None:
            return
        dated_type = v1_type
        if v1_type == "message.delivered" and doc["status"] == "undelivered":
            dated_type = "message.undelivered"
        message(world, org, doc, dated_type)
        return
    call_doc = world.table("calls").get(obj.get("callId") or obj.get("id") or "")
    if call_doc is None:
        return
    call(world, call_doc, v1_type)
    if v1_type == "call.completed" and call_doc["status"] == "missed":
        call(world, call_doc, "call.missed")


# --- contacts and tasks ----------------------------------------------------------------------


def contact_resource(world: QuoWorld, org: Doc, doc: Doc) -> Doc:
    fields = doc["defaultFields"]
    return {
        "id": doc["id"],
        "firstName": fields.get("firstName"),
        "lastName": fields.get("lastName"),
        "company": fields.get("company"),
        "role": fields.get("role"),
        "location": None,
        "source": doc["source"],
        "externalId": doc["externalId"],
        "emails": [{"value": e["value"], "type": "email"} for e in fields.get("emails", [])],
        "phoneNumbers": [
            {"value": p["value"], "type": "phone-number"} for p in fields.get("phoneNumbers", [])
        ],
        "customFields": customfields.render(world, org, doc["customFields"]),
        "createdAt": doc["createdAt"],
        "updatedAt": doc["updatedAt"],
    }


def contact(world: QuoWorld, org: Doc, doc: Doc, event_type: str) -> None:
    """``contact.updated`` (creation too: Quo has no contact.created) or ``contact.deleted``."""
    context = {"orgId": org["id"], "userId": doc["createdByUserId"], "sharedWithIds": [org["id"]]}
    publish(
        world,
        org["id"],
        event_type,
        contact_resource(world, org, doc),
        context,
        resource_id=doc["id"],
        link=f"{APP_URL}/contacts/{doc['id']}",
    )


def task(world: QuoWorld, doc: Doc, event_type: str, extra: Doc | None = None) -> None:
    context = {
        "orgId": doc["orgId"],
        "actorId": doc["createdBy"],
        "phoneNumberId": doc["phoneNumberId"],
        "conversationId": doc["conversationId"],
        "activityId": doc["activityId"],
        "phoneNumberGroupId": doc["phoneNumberGroupId"],
    }
    resource = {"id": doc["taskId"], **(extra or {})}
    publish(world, doc["orgId"], event_type, resource, context, resource_id=doc["taskId"])
