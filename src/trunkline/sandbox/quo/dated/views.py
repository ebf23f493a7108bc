"""The dated API's shapes of the shared records (v1 keeps its own serializers).

Renames and opt-ins follow the 2026-03-30 reference: a number's ``number`` is ``phoneNumber``
and its restrictions, users and business hours come only when asked for (``include``); a call
names its ``actorId`` and lists both ends in ``participants``; messages always carry ``media``;
conversations have no ``assignedTo``; contacts are flat (phones, emails and custom values are
properties).
"""

from __future__ import annotations

from typing import Any

from trunkline.sandbox.quo import calllife, directory
from trunkline.sandbox.quo.world import QuoWorld

Doc = dict[str, Any]

DEFAULT_HOURS: Doc = {"enabled": False, "timezone": "America/Los_Angeles", "schedule": None}


def user(doc: Doc) -> Doc:
    return directory.public_user(doc)


def organization(org: Doc) -> Doc:
    return {
        "id": org["id"],
        "name": org["name"],
        "subscriptionStatus": org.get("subscriptionStatus", "active"),
        "createdAt": org["createdAt"],
        "updatedAt": org.get("updatedAt", org["createdAt"]),
    }


NUMBER_FIELDS = (
    "id", "groupId", "name", "formattedNumber", "forward", "portRequestId", "portingStatus",
    "symbol", "createdAt", "updatedAt",
)  # fmt: skip


def phone_number(world: QuoWorld, org: Doc, doc: Doc, include: set[str]) -> Doc:
    body = {name: doc[name] for name in NUMBER_FIELDS}
    body["phoneNumber"] = doc["number"]
    if "restrictions" in include:
        body["restrictions"] = doc["restrictions"]
    if "users" in include:
        body["users"] = directory.public_number(world, org, doc)["users"]
    if "businessHours" in include:
        body["businessHours"] = doc.get("businessHours") or dict(DEFAULT_HOURS)
    return body


# --- calls -----------------------------------------------------------------------------------

CALL_FIELDS = (
    "id", "phoneNumberId", "direction", "status", "answeredAt", "answeredBy", "initiatedBy",
    "completedAt", "createdAt", "updatedAt", "callRoute", "duration", "forwardedFrom",
    "forwardedTo", "aiHandled",
)  # fmt: skip


def call(world: QuoWorld, doc: Doc, include: set[str], base_url: str) -> Doc:
    body = {name: doc[name] for name in CALL_FIELDS}
    body["actorId"] = doc["userId"]
    phone = world.table("phoneNumbers").get(doc["phoneNumberId"])
    workspace_end = {"phoneNumber": phone["number"] if phone else "", "actorId": doc["userId"]}
    body["participants"] = [workspace_end] + [
        {"phoneNumber": number, "actorId": None} for number in doc["participants"]
    ]
    if "summary" in include:
        body["summary"] = summary(world.table("summaries").get(doc["id"]))
    vm = world.table("voicemails").get(doc["id"])
    if "voicemail" in include and vm is not None:
        ready = vm["status"] == "completed"
        body["voicemail"] = {
            "id": vm["id"],
            "status": vm["status"],
            "duration": vm["duration"] if ready else None,
            "recordingUrl": calllife.media_url(base_url, vm) if ready else None,
            "transcript": vm["transcript"],
        }
    return body


def summary(item: Doc | None) -> Doc:
    if item is None:
        return {"status": "absent", "type": None, "summary": None, "nextSteps": None}
    return {
        "status": item["status"],
        "type": "human",
        "summary": item["summary"],
        "nextSteps": item["nextSteps"],
        "jobs": item.get("jobs"),
        "title": None,
    }


def recording(rec: Doc, base_url: str) -> Doc:
    ready = rec["status"] == "completed"
    return {
        "id": rec["id"],
        "status": rec["status"],
        "startTime": rec["startTime"],
        "duration": rec["duration"] if ready else None,
        "url": calllife.media_url(base_url, rec) if ready else None,
        "type": rec["type"],
    }


def transcript(rec: Doc, item: Doc | None) -> Doc:
    """One transcript per recording segment (the sandbox records one segment per call)."""
    if item is None:
        return {"recordingId": rec["id"], "status": "absent", "startTime": rec["startTime"]}
    lines = item["dialogue"]
    return {
        "recordingId": rec["id"],
        "status": item["status"],
        "startTime": rec["startTime"],
        "createdAt": item["createdAt"],
        "duration": item["duration"],
        "dialogue": None if lines is None else [dialogue_line(line) for line in lines],
    }


def dialogue_line(line: Doc) -> Doc:
    return {
        "content": line["content"],
        "start": line["start"],
        "end": line["end"],
        "identifier": line["identifier"],
        "actorId": line["userId"],
    }


# --- messages and conversations --------------------------------------------------------------

MESSAGE_FIELDS = (
    "id", "to", "from", "text", "conversationId", "direction", "status", "createdAt",
    "updatedAt", "phoneNumberId", "userId",
)  # fmt: skip


def message(doc: Doc) -> Doc:
    body = {name: doc[name] for name in MESSAGE_FIELDS}
    body["media"] = list(doc.get("media", []))
    return body


CONVERSATION_FIELDS = (
    "id", "phoneNumberId", "participants", "name", "lastActivityAt", "lastActivityId",
    "mutedUntil", "snoozedUntil", "createdAt", "updatedAt", "deletedAt",
)  # fmt: skip


def conversation(doc: Doc) -> Doc:
    return {name: doc[name] for name in CONVERSATION_FIELDS}


# --- contacts --------------------------------------------------------------------------------


def contact(doc: Doc) -> Doc:
    fields = doc["defaultFields"]
    return {
        "id": doc["id"],
        "createdAt": doc["createdAt"],
        "updatedAt": doc["updatedAt"],
        "actorId": doc["createdByUserId"],
        "externalId": doc["externalId"],
        "source": doc["source"],
        "sourceUrl": doc["sourceUrl"],
        "firstName": fields.get("firstName"),
        "lastName": fields.get("lastName"),
        "company": fields.get("company"),
        "role": fields.get("role"),
    }
