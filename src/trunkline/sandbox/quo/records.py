"""How each stored record looks, and the pure functions that build them (used by the seed too).

Stored records hold the public fields under their Quo names plus a few of the sandbox's own
(``orgId``, ``conversationId``, ``segments``...); the serializers in each resource module pick
the documented fields.
"""

from __future__ import annotations

from typing import Any

from trunkline.sandbox.quo import scripts

Doc = dict[str, Any]

UNRESTRICTED = {"CA": "unrestricted", "Intl": "restricted", "US": "unrestricted"}


def is_unreachable(number: str) -> bool:
    """The sandbox's dead numbers: last four digits 0000-0099 (e.g. +1 415 555 0042)."""
    return number[-4:-2] == "00"


PERMANENT_FAILURE_CODE = "30007"


def send_failure(number: str) -> tuple[bool, str | None] | None:
    """Numbers a text fails to (``failed``): last four digits 0980-0989 fail once (a retry
    gets through), 0990-0999 fail for good (with an error code; a retry answers 422)."""
    if number[-4:-1] == "098":
        return True, None
    if number[-4:-1] == "099":
        return False, PERMANENT_FAILURE_CODE
    return None


def message(
    *,
    message_id: str,
    org_id: str,
    phone: Doc,
    customer: str,
    direction: str,
    text: str,
    user_id: str,
    status: str,
    created_at: str,
) -> Doc:
    outgoing = direction == "outgoing"
    return {
        "id": message_id,
        "orgId": org_id,
        "to": [customer] if outgoing else [phone["number"]],
        "from": phone["number"] if outgoing else customer,
        "text": text,
        "phoneNumberId": phone["id"],
        "direction": direction,
        "userId": user_id,
        "status": status,
        "createdAt": created_at,
        "updatedAt": created_at,
        "customer": customer,
    }


def conversation(
    *, conversation_id: str, org_id: str, phone_id: str, customer: str, created_at: str
) -> Doc:
    return {
        "id": conversation_id,
        "orgId": org_id,
        "phoneNumberId": phone_id,
        "participants": [customer],
        "assignedTo": None,
        "createdAt": created_at,
        "deletedAt": None,
        "lastActivityAt": None,
        "lastActivityId": None,
        "mutedUntil": None,
        "name": None,
        "snoozedUntil": None,
        "updatedAt": created_at,
        "inboxStatus": "open",
    }


def call(
    *, call_id: str, org_id: str, phone: Doc, customer: str, user_id: str, created_at: str
) -> Doc:
    """An incoming call, ringing."""
    return {
        "id": call_id,
        "orgId": org_id,
        "answeredAt": None,
        "answeredBy": None,
        "initiatedBy": None,
        "direction": "incoming",
        "status": "ringing",
        "completedAt": None,
        "createdAt": created_at,
        "callRoute": None,
        "duration": 0,
        "forwardedFrom": None,
        "forwardedTo": None,
        "aiHandled": None,
        "phoneNumberId": phone["id"],
        "participants": [customer],
        "updatedAt": created_at,
        "userId": user_id,
    }


def recording(
    *, recording_id: str, org_id: str, call_id: str, duration: int, start: str | None
) -> Doc:
    return {
        "id": recording_id,
        "orgId": org_id,
        "callId": call_id,
        "duration": duration,
        "startTime": start,
        "status": "processing",
        "type": "audio/wav",
        "path": f"/_sandbox/media/{recording_id}.wav",
    }


def voicemail(*, voicemail_id: str, org_id: str, call_id: str, duration: int) -> Doc:
    return {
        "id": voicemail_id,
        "orgId": org_id,
        "callId": call_id,
        "duration": duration,
        "transcript": None,
        "status": "in-progress",
        "path": f"/_sandbox/media/{voicemail_id}.wav",
    }


def transcript(*, org_id: str, call: Doc, phone: Doc, created_at: str, voicemail: bool) -> Doc:
    customer = call["participants"][0]
    duration = int(call["duration"])
    if voicemail:
        lines = scripts.voicemail_dialogue(call["id"], customer=customer, duration=duration)
    else:
        lines = scripts.dialogue(
            call["id"],
            customer=customer,
            agent_number=phone["number"],
            agent_user=call["answeredBy"] or call["userId"],
            duration=duration,
        )
    return {
        "callId": call["id"],
        "orgId": org_id,
        "createdAt": created_at,
        "dialogue": lines,
        "duration": duration,
        "status": "completed",
    }


def summary(*, org_id: str, call_id: str, voicemail: bool) -> Doc:
    topic = scripts.topic_for(call_id)
    lines = list(topic.summary)
    if voicemail:
        lines = ["The caller left a voicemail.", *lines[:1]]
    return {
        "callId": call_id,
        "orgId": org_id,
        "status": "completed",
        "summary": lines,
        "nextSteps": ["Call the customer back.", *topic.next_steps]
        if voicemail
        else list(topic.next_steps),
        "jobs": None,
    }
