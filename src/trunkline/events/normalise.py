"""Map a verified provider payload to one event shape shared by every provider.

``normalise(app, payload, headers=..., hint=...) -> Normalised(type, occurred_at, data,
delivery_id_fallback)``. Pure: the payload is what :func:`trunkline.events.schemes.verify`
returned (a JSON object, or Twilio's form fields).

Types
=====

==============================  ===============================================================
shared type                     from
==============================  ===============================================================
``message.received``            Quo message.received; Twilio SmsStatus received; CallRail text
                                received; RingCentral inbound SMS
``message.sent``                Twilio sent; CallRail text sent; RingCentral Sent
``message.delivered``           Quo message.delivered; Twilio delivered; RingCentral Delivered
``message.failed``              Quo message.failed/.undelivered (and v1 message.delivered whose
                                status is undelivered); Twilio undelivered/failed; RingCentral
                                DeliveryFailed/SendingFailed
``call.ringing``                Quo call.ringing; Twilio ringing; CallRail pre-call;
                                RingCentral Setup/Proceeding
``call.answered``               Quo (dated) call.answered; Twilio in-progress; CallRail
                                answered-call; RingCentral Answered
``call.completed``              Quo call.completed (v1: answered ones); Twilio completed;
                                CallRail post-call answered; RingCentral Disconnected
``call.missed``                 Quo call.missed, v1 call.completed that was missed or went to
                                voicemail; Twilio no-answer/busy/failed/canceled; CallRail
                                post-call unanswered or voicemail; RingCentral missed/VoiceMail
``call.recording.completed``    Quo; Twilio RecordingStatus completed
``call.transcript.completed``   Quo; Twilio TranscriptionStatus completed
``call.summary.completed``      Quo
``voicemail.received``          Quo (dated) call.voicemail.completed; RingCentral new voicemail
``contact.updated``             Quo (dated; creation fires it too)
==============================  ===============================================================

Anything else keeps a namespaced name: ``callrail.form.submitted``, ``callrail.call.updated``,
``quo.task.created``, ``quo.contact.deleted``, ``quo.call.forwarded``, ``twilio.call.queued``,
``ringcentral.message-store.changed``... A missed call is ``call.missed`` everywhere; Quo's
dated API also sends ``call.completed`` (``status: unanswered``) for it, kept as it is.

Data
====

One shape for every provider; keys that do not apply are left out (never null or empty).

=======================  =========  ==========================================================
key                      type       meaning
=======================  =========  ==========================================================
``direction``            str        ``inbound`` (to the business) or ``outbound``
``from``, ``to``         str        the parties, E.164 where recognisable (``to``: the first
                                    recipient)
``phone_number``         str        the business's own number involved, E.164
``text``                 str        message body
``media``                list[str]  media URLs of a message
``message_id``           str        the provider's message id
``call_id``              str        the provider's call id
``recording_id``         str        the provider's recording id
``status``               str        the provider's own status word, lower case
``error_code``           str        the provider's delivery error code
``duration``             int        seconds (of the call, recording or voicemail)
``recording_url``        str        the recording (or voicemail audio)
``voicemail``            bool       the caller left a voicemail
``transcript``           str        ``speaker: words`` lines
``summary``              str        summary lines
``next_steps``           list[str]  suggested next steps
``contact``              dict       ``{id, name, company, role, phone_numbers, emails}`` (what
                                    is known)
``contact_ids``          list[str]  the provider's contacts matched to the other party
``object_id``            str        namespaced types: the id of what the event is about
``details``              dict       namespaced types: the provider's fields worth keeping
=======================  =========  ==========================================================
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import phonenumbers

from trunkline.errors import InvalidRequest

Payload = Mapping[str, Any]
Data = dict[str, Any]

SHARED_TYPES = frozenset(
    {
        "message.received",
        "message.sent",
        "message.delivered",
        "message.failed",
        "call.ringing",
        "call.answered",
        "call.completed",
        "call.missed",
        "call.recording.completed",
        "call.transcript.completed",
        "call.summary.completed",
        "voicemail.received",
        "contact.updated",
    }
)


@dataclass(frozen=True)
class Normalised:
    """``delivery_id_fallback`` identifies the event when the delivery carries no identity of
    its own (the caller prefers :attr:`Verified.delivery_id`)."""

    type: str
    occurred_at: datetime | None
    data: Data
    delivery_id_fallback: str


Normaliser = Callable[[Payload, Mapping[str, str], str | None], Normalised]
Getter = Callable[[str], str | None]


def normalise(
    app: str,
    payload: Payload,
    *,
    headers: Mapping[str, str] | None = None,
    hint: str | None = None,
) -> Normalised:
    """``hint`` names the event when the payload cannot (CallRail sends the same call body to
    its pre-call and answered-call webhooks): the hook the URL was registered for, such as
    ``answered_call``. ``headers`` are the delivery's (Quo's ``webhook-timestamp`` dates an
    envelope without ``createdAt``)."""
    normaliser = NORMALISERS.get(app)
    if normaliser is None:
        raise InvalidRequest(f"no webhook normaliser for app {app!r}")
    lower = {k.lower(): v for k, v in (headers or {}).items()}
    return normaliser(payload, lower, hint)


# --- Quo: v1 (data.object) and the dated API (data.resource + data.context) ------------------

QUO_TYPES = {
    "message.received": "message.received",
    "message.delivered": "message.delivered",
    "message.failed": "message.failed",
    "message.undelivered": "message.failed",
    "call.ringing": "call.ringing",
    "call.answered": "call.answered",
    "call.completed": "call.completed",
    "call.missed": "call.missed",
    "call.recording.completed": "call.recording.completed",
    "call.summary.completed": "call.summary.completed",
    "call.transcript.completed": "call.transcript.completed",
    "call.voicemail.completed": "voicemail.received",
    "contact.updated": "contact.updated",
}
QUO_DIRECTIONS = {"incoming": "inbound", "outgoing": "outbound"}
QUO_FAILED_MESSAGE = frozenset({"undelivered", "failed"})
QUO_MISSED_CALL = frozenset({"missed", "no-answer", "busy", "canceled", "abandoned", "failed"})


def _quo(payload: Payload, headers: Mapping[str, str], _hint: str | None) -> Normalised:
    provider_type = _text(payload.get("type")) or "unknown"
    envelope = payload.get("data")
    body = envelope if isinstance(envelope, dict) else {}
    dated = isinstance(body.get("resource"), dict)
    obj = _dict(body.get("resource") if dated else body.get("object"))
    context = _dict(body.get("context"))
    kind = QUO_TYPES.get(provider_type, f"quo.{provider_type}")
    if not dated:
        kind = _quo_v1_refined(kind, obj)
    data = _quo_data(kind, provider_type, obj, context)
    occurred = _when(payload.get("createdAt")) or _epoch(headers.get("webhook-timestamp"))
    event_id = _text(payload.get("id"))
    fallback = f"quo:{event_id}" if event_id else _fallback("quo", kind, payload)
    return Normalised(kind, occurred, data, fallback)


def _quo_v1_refined(kind: str, obj: Data) -> str:
    """v1 has no message.failed or call.missed: the status says so."""
    status = _text(obj.get("status"))
    if kind == "message.delivered" and status in QUO_FAILED_MESSAGE:
        return "message.failed"
    if kind == "call.completed" and (status in QUO_MISSED_CALL or obj.get("voicemail")):
        return "call.missed"
    return kind


def _quo_data(kind: str, provider_type: str, obj: Data, context: Data) -> Data:
    family = provider_type.split(".", 1)[0]
    data = QUO_FAMILIES[family](obj, context) if family in QUO_FAMILIES else {}
    if kind not in SHARED_TYPES:  # namespaced: keep what the shared shape has no key for
        data["object_id"] = _text(obj.get("id")) or _text(obj.get("callId"))
        data["details"] = _without(obj, "id", "object")
    return _clean(data)


def _quo_message(obj: Data, context: Data) -> Data:
    direction = QUO_DIRECTIONS.get(_text(obj.get("direction")) or "")
    sender = obj.get("from", context.get("senderIdentifier"))
    recipients = obj.get("to", context.get("recipientIdentifiers"))
    media = [m.get("url") for m in _list(obj.get("media")) if isinstance(m, dict)]
    data = _parties(direction, sender, _first(recipients))
    data.update(
        text=obj.get("text"),
        media=[m for m in media if m],
        message_id=_text(obj.get("id")),
        status=_lower(obj.get("status")),
        error_code=_text(obj.get("errorCode")),
        contact_ids=obj.get("contactIds") or _dict(context.get("contacts")).get("ids"),
    )
    return _clean(data)


def _quo_call(obj: Data, context: Data) -> Data:
    direction = QUO_DIRECTIONS.get(_text(obj.get("direction")) or "")
    participants = _dict(context.get("participants"))
    ours = _first(participants.get("workspace"))
    theirs = _first(participants.get("external")) or _first(obj.get("participants"))
    sender, recipient = (ours, theirs) if direction == "outbound" else (theirs, ours)
    data = _parties(direction, obj.get("from") or sender, obj.get("to") or recipient)
    recordings = _list(obj.get("media")) or _list(obj.get("recordings"))
    voicemail = _dict(obj.get("voicemail"))
    data.update(
        call_id=_text(obj.get("callId")) or _text(obj.get("id")),
        status=_lower(obj.get("status")) or _lower(obj.get("processingStatus")),
        duration=_seconds(obj.get("duration")),
        recording_url=obj.get("recordingUrl")
        or voicemail.get("url")
        or _first([r.get("url") for r in recordings if isinstance(r, dict)]),
        voicemail=True if voicemail or obj.get("hasVoicemail") else None,
        transcript=_text(obj.get("transcript")) or _dialogue(obj.get("dialogue")),
        summary=_lines(obj.get("summary")),
        next_steps=obj.get("nextSteps") or None,
        contact_ids=obj.get("contactIds") or _dict(context.get("contacts")).get("ids"),
    )
    return _clean(data)


def _quo_contact(obj: Data) -> Data:
    name = " ".join(p for p in (obj.get("firstName"), obj.get("lastName")) if p)
    fields = _dict(obj.get("defaultFields"))  # v1 contact shape, should it ever be sent
    phones = _list(obj.get("phoneNumbers") or fields.get("phoneNumbers"))
    emails = _list(obj.get("emails") or fields.get("emails"))
    return _clean(
        {
            "id": _text(obj.get("id")),
            "name": name or None,
            "company": obj.get("company"),
            "role": obj.get("role"),
            "phone_numbers": [_e164(p.get("value")) for p in phones if isinstance(p, dict)],
            "emails": [e.get("value") for e in emails if isinstance(e, dict)],
        }
    )


def _quo_contact_data(obj: Data, _context: Data) -> Data:
    return _clean({"contact": _quo_contact(obj)})


QUO_FAMILIES: dict[str, Callable[[Data, Data], Data]] = {
    "message": _quo_message,
    "call": _quo_call,
    "contact": _quo_contact_data,
}


def _dialogue(lines: Any) -> str | None:
    said = []
    for line in _list(lines):
        if isinstance(line, dict) and line.get("content"):
            who = line.get("identifier") or line.get("userId") or "unknown"
            said.append(f"{who}: {line['content']}")
    return "\n".join(said) or None


# --- Twilio: form callbacks (messages, calls, recordings, transcriptions) ---------------------

TWILIO_MESSAGE = {
    "received": "message.received",
    "sent": "message.sent",
    "delivered": "message.delivered",
    "undelivered": "message.failed",
    "failed": "message.failed",
}
TWILIO_CALL = {
    "ringing": "call.ringing",
    "in-progress": "call.answered",
    "completed": "call.completed",
    "no-answer": "call.missed",
    "busy": "call.missed",
    "failed": "call.missed",
    "canceled": "call.missed",
}
TWILIO_RECORDING = {"completed": "call.recording.completed"}
TWILIO_TRANSCRIPTION = {"completed": "call.transcript.completed"}


def _twilio(payload: Payload, _headers: Mapping[str, str], _hint: str | None) -> Normalised:
    def get(name: str) -> str | None:
        return _text(_one(payload.get(name)))  # a repeated form field keeps its first value

    for family, sid_field, status_field, table, build in TWILIO_FAMILIES:
        status = _lower(get(status_field))
        if status:
            kind = table.get(status, f"twilio.{family}.{status}")
            parts = [p for p in (get(sid_field), status, get("SequenceNumber")) if p]
            return Normalised(
                kind, _when(get("Timestamp")), build(get), "twilio:" + ":".join(parts)
            )
    kind = "twilio.webhook"
    return Normalised(kind, None, {}, _fallback("twilio", kind, payload))


def _twilio_message(get: Getter) -> Data:
    status = (get("MessageStatus") or get("SmsStatus") or "").lower()
    direction = "inbound" if status == "received" else "outbound"
    media_count = _seconds(get("NumMedia")) or 0
    media = [get(f"MediaUrl{i}") for i in range(min(media_count, 10))]
    data = _parties(direction, get("From"), get("To"))
    data.update(
        text=get("Body"),
        media=[m for m in media if m],
        message_id=get("MessageSid") or get("SmsSid"),
        status=status,
        error_code=_error_code(get("ErrorCode")),
    )
    return _clean(data)


def _twilio_call(get: Getter) -> Data:
    direction = "inbound" if (get("Direction") or "inbound") == "inbound" else "outbound"
    data = _parties(direction, get("From") or get("Caller"), get("To") or get("Called"))
    data.update(
        call_id=get("CallSid"),
        status=_lower(get("CallStatus")),
        duration=_seconds(get("CallDuration")),
        recording_url=get("RecordingUrl"),
        error_code=_error_code(get("ErrorCode")),
    )
    return _clean(data)


def _twilio_recording(get: Getter) -> Data:
    return _clean(
        {
            "call_id": get("CallSid"),
            "recording_id": get("RecordingSid"),
            "recording_url": get("RecordingUrl"),
            "duration": _seconds(get("RecordingDuration")),
            "status": _lower(get("RecordingStatus")),
            "error_code": _error_code(get("ErrorCode")),
        }
    )


def _twilio_transcription(get: Getter) -> Data:
    return _clean(
        {
            "call_id": get("CallSid"),
            "recording_id": get("RecordingSid"),
            "recording_url": get("RecordingUrl"),
            "transcript": get("TranscriptionText"),
            "status": _lower(get("TranscriptionStatus")),
        }
    )


def _error_code(value: str | None) -> str | None:
    return None if value in (None, "", "0") else value


# Which callback it is: the first family whose status field is present (order matters: a
# recording callback also carries CallSid, a call callback never RecordingStatus).
TWILIO_FAMILIES: tuple[tuple[str, str, str, dict[str, str], Callable[[Getter], Data]], ...] = (
    ("recording", "RecordingSid", "RecordingStatus", TWILIO_RECORDING, _twilio_recording),
    (
        "transcription",
        "TranscriptionSid",
        "TranscriptionStatus",
        TWILIO_TRANSCRIPTION,
        _twilio_transcription,
    ),
    ("call", "CallSid", "CallStatus", TWILIO_CALL, _twilio_call),
    ("message", "MessageSid", "MessageStatus", TWILIO_MESSAGE, _twilio_message),
    ("message", "MessageSid", "SmsStatus", TWILIO_MESSAGE, _twilio_message),
)


# --- CallRail: the payload names no event; the hook (hint) or the shape does -------------------

CALLRAIL_HOOKS = {
    "pre_call": "call.ringing",
    "answered_call": "call.answered",
    "post_call": "post_call",
    "post_outbound_call": "post_call",
    "updated_call": "callrail.call.updated",
    "updated_outbound_call": "callrail.call.updated",
    "call_modified": "callrail.call.updated",
    "sms_received": "message.received",
    "sms_sent": "message.sent",
    "text_message_received": "message.received",
    "text_message_sent": "message.sent",
    "form_captured": "callrail.form.submitted",
    "form_submission": "callrail.form.submitted",
}
CALLRAIL_FORM_DETAILS = (
    "form_url", "form_data", "form_name", "landing_page_url", "referrer", "referring_url",
    "source", "medium", "campaign", "lead_status", "person_resource_id", "company_resource_id",
)  # fmt: skip


def _callrail(payload: Payload, _headers: Mapping[str, str], hint: str | None) -> Normalised:
    kind = CALLRAIL_HOOKS.get(_hook_name(hint)) or _callrail_shape(payload)
    if kind == "post_call":
        answered = payload.get("answered") is True
        kind = "call.completed" if answered and not payload.get("voicemail") else "call.missed"
    object_id = _text(payload.get("resource_id")) or _text(payload.get("id"))
    if kind.startswith("message."):
        data, occurred = _callrail_text(payload, kind), _when(payload.get("timestamp"))
    elif kind == "callrail.form.submitted":
        details = {k: payload[k] for k in CALLRAIL_FORM_DETAILS if payload.get(k) is not None}
        data = _clean({"object_id": object_id, "details": details})
        occurred = _when(payload.get("submitted_at"))
    else:
        data, occurred = _callrail_call(payload, kind)
    fallback = f"callrail:{kind}:{object_id}"
    if kind == "callrail.call.updated" or not object_id:
        fallback = _fallback("callrail", kind, payload)  # updates repeat per call
    return Normalised(kind, occurred, data, fallback)


def _hook_name(hint: str | None) -> str:
    name = (hint or "").strip().lower().replace("-", "_")
    return name.removesuffix("_webhook")


def _callrail_shape(payload: Payload) -> str:
    if "form_data" in payload:
        return "callrail.form.submitted"
    if "content" in payload and "source_number" in payload:
        return "message.sent" if "agent" in payload else "message.received"
    if "changes" in payload:
        return "callrail.call.updated"
    if payload.get("answered") is None or payload.get("call_type") == "in_progress":
        return "call.ringing"
    return "post_call"


def _callrail_call(payload: Payload, kind: str) -> tuple[Data, datetime | None]:
    inbound = (_text(payload.get("direction")) or "inbound") == "inbound"
    customer = payload.get("customer_phone_number") or payload.get("callernum")
    ours = payload.get("tracking_phone_number") or payload.get("trackingnum")
    business = payload.get("business_phone_number") or ours
    data = _parties(
        "inbound" if inbound else "outbound",
        *((customer, ours) if inbound else (business, customer)),
    )
    duration = _seconds(payload.get("duration"))
    data.update(
        phone_number=_e164(ours),
        call_id=_text(payload.get("resource_id")) or _text(payload.get("id")),
        status=_lower(payload.get("call_type")),
        duration=duration,
        recording_url=payload.get("recording") or None,
        voicemail=True if payload.get("voicemail") else None,
        transcript=_callrail_transcript(payload),
        summary=_text(payload.get("call_summary")),
        contact=_clean({"name": payload.get("customer_name"), "phone_numbers": [_e164(customer)]}),
    )
    if kind == "callrail.call.updated":
        data["details"] = {"changes": payload.get("changes")}
    started = _when(payload.get("start_time"))
    occurred = started
    if kind in ("call.completed", "call.missed") and started and duration:
        occurred = started + timedelta(seconds=duration)
    return _clean(data), None if kind == "callrail.call.updated" else occurred


def _callrail_transcript(payload: Payload) -> str | None:
    lines = payload.get("conversational_transcript")
    if isinstance(lines, list) and lines:
        said = [f"{x.get('speaker')}: {x.get('phrase')}" for x in lines if isinstance(x, dict)]
        return "\n".join(said) or None
    return _text(lines) or _text(payload.get("transcription"))


def _callrail_text(payload: Payload, kind: str) -> Data:
    inbound = kind == "message.received"
    data = _parties(
        "inbound" if inbound else "outbound",
        payload.get("source_number"),
        payload.get("destination_number"),
    )
    data.update(
        text=payload.get("content"),
        media=[m for m in _list(payload.get("media_urls")) if isinstance(m, str) and m],
        message_id=_text(payload.get("resource_id")) or _text(payload.get("id")),
    )
    return _clean(data)


# --- RingCentral: subscription notifications {uuid, event, timestamp, body} ------------------

RC_MESSAGE_STATUS = {
    "received": "message.received",
    "sent": "message.sent",
    "delivered": "message.delivered",
    "deliveryfailed": "message.failed",
    "sendingfailed": "message.failed",
}
RC_CALL_STATUS = {
    "setup": "call.ringing",
    "proceeding": "call.ringing",
    "answered": "call.answered",
    "disconnected": "call.completed",
    "voicemail": "call.missed",
}


def _ringcentral(payload: Payload, _headers: Mapping[str, str], _hint: str | None) -> Normalised:
    path = (_text(payload.get("event")) or "").split("?")[0]
    body = _dict(payload.get("body"))
    if "/telephony/sessions" in path:
        kind, data = _rc_call(body)
    elif "/message-store" in path and isinstance(body.get("changes"), list):
        kind, data = _rc_store_change(body)
    elif "/message-store" in path:
        kind, data = _rc_message(body)
    else:
        leaf = path.rstrip("/").rsplit("/", 1)[-1] or "notification"
        kind, data = f"ringcentral.{leaf}", {}
    occurred = _when(body.get("eventTime")) or _when(payload.get("timestamp"))
    uuid = _text(payload.get("uuid"))
    fallback = f"ringcentral:{uuid}" if uuid else _fallback("ringcentral", kind, payload)
    return Normalised(kind, occurred, data, fallback)


def _rc_message(message: Data) -> tuple[str, Data]:
    inbound = _text(message.get("direction")) == "Inbound"
    status = (_text(message.get("messageStatus")) or "").lower()
    if message.get("type") == "VoiceMail" and inbound:
        kind = "voicemail.received"
    else:
        kind = RC_MESSAGE_STATUS.get(status, f"ringcentral.message.{status or 'changed'}")
    sender = _dict(message.get("from")).get("phoneNumber")
    recipient = _dict(_first(message.get("to"))).get("phoneNumber")
    data = _parties("inbound" if inbound else "outbound", sender, recipient)
    data.update(
        text=message.get("subject"),
        message_id=_text(message.get("id")),
        status=status or None,
    )
    return kind, _clean(data)


def _rc_store_change(body: Data) -> tuple[str, Data]:
    """A message-store change names new message ids only; a new voicemail is worth a type."""
    for change in body["changes"]:
        new = _seconds(change.get("newCount")) if isinstance(change, dict) else None
        if new and change.get("type") == "VoiceMail":
            ids = _list(change.get("newMessageIds"))
            return "voicemail.received", _clean({"message_id": _text(_first(ids))})
    return "ringcentral.message-store.changed", _clean({"details": {"changes": body["changes"]}})


def _rc_call(body: Data) -> tuple[str, Data]:
    party = _dict(_first(body.get("parties")))
    code = (_text(_dict(party.get("status")).get("code")) or "").lower()
    kind = RC_CALL_STATUS.get(code, f"ringcentral.call.{code or 'changed'}")
    if kind == "call.completed" and party.get("missedCall"):
        kind = "call.missed"
    direction = "outbound" if party.get("direction") == "Outbound" else "inbound"
    sender = _dict(party.get("from")).get("phoneNumber")
    recipient = _dict(party.get("to")).get("phoneNumber")
    data = _parties(direction, sender, recipient)
    data.update(
        call_id=_text(body.get("telephonySessionId")) or _text(body.get("sessionId")),
        status=code or None,
    )
    return kind, _clean(data)


NORMALISERS: dict[str, Normaliser] = {
    "quo": _quo,
    "twilio": _twilio,
    "callrail": _callrail,
    "ringcentral": _ringcentral,
}


# --- small helpers ----------------------------------------------------------------------------


def _parties(direction: str | None, sender: Any, recipient: Any) -> Data:
    sender, recipient = _e164(sender), _e164(recipient)
    ours = recipient if direction == "inbound" else sender if direction == "outbound" else None
    return {"direction": direction, "from": sender, "to": recipient, "phone_number": ours}


def _e164(value: Any) -> str | None:
    """``(404) 555-8514`` and ``404-555-8514`` become ``+14045558514``; anything else stays."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    try:
        number = phonenumbers.parse(text, None if text.startswith("+") else "US")
    except phonenumbers.NumberParseException:
        return text
    if not phonenumbers.is_possible_number(number):
        return text
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


def _when(value: Any) -> datetime | None:
    """ISO 8601 (``Z`` or an offset) or RFC 2822, as UTC; naive times are taken as UTC."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        try:
            moment = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _epoch(value: str | None) -> datetime | None:
    if not value or not value.isdigit():
        return None
    return datetime.fromtimestamp(int(value), tz=UTC)


def _seconds(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _text(value: Any) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | str):
        return str(value) or None
    return None


def _lower(value: Any) -> str | None:
    text = _text(value)
    return text.lower() if text else None


def _lines(value: Any) -> str | None:
    if isinstance(value, list):
        return "\n".join(str(v) for v in value if v) or None
    return _text(value)


def _first(value: Any) -> Any:
    if isinstance(value, list):
        return value[0] if value else None
    return value


def _one(value: Any) -> Any:
    """A form field sent more than once keeps its first value."""
    return value[0] if isinstance(value, list) and value else value


def _dict(value: Any) -> Data:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _without(obj: Data, *names: str) -> Data:
    return {k: v for k, v in obj.items() if k not in names}


def _clean(data: Data) -> Data:
    """Leave out what does not apply: None, empty strings, lists and dicts (0 stays)."""
    kept = {}
    for key, value in data.items():
        if isinstance(value, list):
            value = [v for v in value if v is not None]
        if value is None or (isinstance(value, str | list | dict) and not value):
            continue
        kept[key] = value
    return kept


def _fallback(app: str, kind: str, payload: Payload) -> str:
    """No identity in the payload: the event is its content."""
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return f"{app}:{kind}:sha256:{hashlib.sha256(canonical.encode('utf-8')).hexdigest()}"
