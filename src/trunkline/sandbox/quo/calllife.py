"""The life of a call, played on the sandbox clock.

``ringing`` (``call.ringing``), then by outcome:

* ``answered``: ``in-progress`` for its duration, then ``completed`` (``call.completed``); the
  recording is processed (``call.recording.completed``), then the transcript
  (``call.transcript.completed``) and the summary (``call.summary.completed``).
* ``voicemail``: nobody answers, the caller leaves a message for its duration; the call ends
  ``missed`` with a voicemail (``call.completed``), whose transcript and summary follow.
* ``missed``: nobody answers and the caller leaves no message: ``missed``, ``call.completed``.

Hanging up (control API) ends the current phase at once. Every step re-reads the call, so steps
of a call that was reset away or already ended do nothing.
"""

from __future__ import annotations

from typing import Any

from trunkline.sandbox.quo import events, lookup, records
from trunkline.sandbox.quo.dated import events as dated_events
from trunkline.sandbox.quo.errors import QuoError
from trunkline.sandbox.quo.timefmt import now_stamp, parse_stamp
from trunkline.sandbox.quo.world import QuoWorld

Doc = dict[str, Any]

OUTCOMES = ("answered", "voicemail", "missed")
RING_SECONDS = {"answered": 4.0, "voicemail": 15.0, "missed": 20.0}
RECORDING_DELAY = 2.0
TRANSCRIPT_DELAY = 4.0
SUMMARY_DELAY = 6.0

PUBLIC_FIELDS = (
    "answeredAt", "answeredBy", "initiatedBy", "direction", "status", "completedAt", "createdAt",
    "callRoute", "duration", "forwardedFrom", "forwardedTo", "aiHandled", "id", "phoneNumberId",
    "participants", "updatedAt", "userId",
)  # fmt: skip
EVENT_FIELDS = (
    "answeredAt", "answeredBy", "initiatedBy", "direction", "status", "completedAt", "createdAt",
    "duration", "forwardedFrom", "forwardedTo", "phoneNumberId", "participants", "updatedAt",
    "userId",
)  # fmt: skip


def public(doc: Doc) -> Doc:
    return {name: doc[name] for name in PUBLIC_FIELDS}


def media_url(base_url: str, doc: Doc) -> str:
    return f"{base_url}{doc['path']}"


def start_inbound(
    world: QuoWorld,
    org: Doc,
    phone: Doc,
    customer: str,
    *,
    outcome: str,
    duration: int,
    base_url: str,
) -> Doc:
    at = now_stamp()
    call = records.call(
        call_id=world.new_id("AC"),
        org_id=org["id"],
        phone=phone,
        customer=customer,
        user_id=lookup.number_owner(world, org, phone),
        created_at=at,
    )
    convo = lookup.conversation_for(world, org, phone, customer, at)
    call.update(
        conversationId=convo["id"],
        outcome=outcome,
        plannedDuration=duration,
        phase="ringing",
        phaseStartedAt=at,
        baseUrl=base_url,
    )
    world.table("calls")[call["id"]] = call
    lookup.touch_conversation(world, call, inbox="open")
    world.save()
    _emit(world, call, "call.ringing")
    world.later(RING_SECONDS[outcome], _step(world, call["id"], _ring_out))
    return call


def hang_up(world: QuoWorld, call: Doc) -> Doc:
    """End the call's current phase now (caller hung up)."""
    phase = call.get("phase", "ended")
    if phase == "ringing":
        _finish_missed(world, call)
    elif phase == "talking":
        _finish_answered(world, call, early=True)
    elif phase == "voicemail":
        _finish_voicemail(world, call, early=True)
    else:
        raise QuoError(409, "The call has already ended")
    return call


def resume(world: QuoWorld) -> None:
    """After a restart, put unfinished calls and their processing back on the clock."""
    for call in list(world.table("calls").values()):
        phase = call.get("phase", "ended")
        if phase == "ringing":
            world.later(RING_SECONDS[call["outcome"]], _step(world, call["id"], _ring_out))
        elif phase in ("talking", "voicemail"):
            world.later(call["plannedDuration"], _step(world, call["id"], _end_phase))
    for call_id, item in world.table("transcripts").items():
        if item["status"] == "in-progress":
            world.later(TRANSCRIPT_DELAY, _step(world, call_id, _transcript_ready))
    for call_id, item in world.table("summaries").items():
        if item["status"] == "in-progress":
            world.later(SUMMARY_DELAY, _step(world, call_id, _summary_ready))
    for rec in world.table("recordings").values():
        if rec["status"] == "processing":
            world.later(RECORDING_DELAY, _step(world, rec["id"], _recording_ready))
    for call_id, vm in world.table("voicemails").items():
        owner = world.table("calls").get(call_id)
        if vm["status"] == "in-progress" and owner is not None and owner["phase"] == "ended":
            world.later(RECORDING_DELAY, _step(world, call_id, _voicemail_ready))


def _step(world: QuoWorld, key: str, fn: Any) -> Any:
    return lambda: fn(world, key)


# --- phases ----------------------------------------------------------------------------------


def _live(world: QuoWorld, call_id: str, phase: str) -> Doc | None:
    call = world.table("calls").get(call_id)
    if call is None or call.get("phase") != phase:
        return None
    return call


def _ring_out(world: QuoWorld, call_id: str) -> None:
    call = _live(world, call_id, "ringing")
    if call is None:
        return
    at = now_stamp()
    if call["outcome"] == "answered":
        call.update(status="in-progress", answeredAt=at, answeredBy=call["userId"])
        _enter(world, call, "talking", at)
        dated_events.call(world, call, "call.answered")
    elif call["outcome"] == "voicemail":
        vm = records.voicemail(
            voicemail_id=world.new_id("VM"),
            org_id=call["orgId"],
            call_id=call_id,
            duration=call["plannedDuration"],
        )
        world.table("voicemails")[call_id] = vm
        _enter(world, call, "voicemail", at)
    else:
        _finish_missed(world, call)


def _enter(world: QuoWorld, call: Doc, phase: str, at: str) -> None:
    call.update(phase=phase, phaseStartedAt=at, updatedAt=at)
    world.save()
    world.later(call["plannedDuration"], _step(world, call["id"], _end_phase))


def _end_phase(world: QuoWorld, call_id: str) -> None:
    call = world.table("calls").get(call_id)
    if call is None:
        return
    if call.get("phase") == "talking":
        _finish_answered(world, call, early=False)
    elif call.get("phase") == "voicemail":
        _finish_voicemail(world, call, early=False)


def _length(world: QuoWorld, call: Doc, at: str, *, early: bool) -> int:
    """Seconds of talk (or voicemail): as planned, or as far as it got when cut short."""
    planned = int(call["plannedDuration"])
    if not early:
        return planned
    real = (parse_stamp(at) - parse_stamp(call["phaseStartedAt"])).total_seconds()
    return max(1, min(planned, round(real * world.runtime.clock.speed)))


def _finish_answered(world: QuoWorld, call: Doc, *, early: bool) -> None:
    at = now_stamp()
    duration = _length(world, call, at, early=early)
    call.update(status="completed", completedAt=at, duration=duration, phase="ended")
    call["updatedAt"] = at
    rec = records.recording(
        recording_id=world.ids.prefixed("CR", 10, alphabet="alnum"),
        org_id=call["orgId"],
        call_id=call["id"],
        duration=call["duration"],
        start=call["answeredAt"],
    )
    world.table("recordings")[rec["id"]] = rec
    _start_ai(world, call)
    world.later(RECORDING_DELAY, _step(world, rec["id"], _recording_ready))
    _emit(world, call, "call.completed")


def _finish_voicemail(world: QuoWorld, call: Doc, *, early: bool) -> None:
    at = now_stamp()
    vm = world.table("voicemails")[call["id"]]
    vm["duration"] = _length(world, call, at, early=early)
    call.update(status="missed", completedAt=at, duration=vm["duration"], phase="ended")
    call["updatedAt"] = at
    _start_ai(world, call)
    world.later(RECORDING_DELAY, _step(world, call["id"], _voicemail_ready))
    _emit(world, call, "call.completed")


def _finish_missed(world: QuoWorld, call: Doc) -> None:
    at = now_stamp()
    call.update(status="missed", completedAt=at, updatedAt=at, phase="ended")
    world.save()
    _emit(world, call, "call.completed")


# --- after the call: recording, voicemail, transcript, summary -------------------------------


def _start_ai(world: QuoWorld, call: Doc) -> None:
    base = {"callId": call["id"], "orgId": call["orgId"], "status": "in-progress"}
    world.table("transcripts")[call["id"]] = {
        **base,
        "createdAt": call["completedAt"],
        "dialogue": None,
        "duration": call["duration"],
    }
    world.table("summaries")[call["id"]] = {**base, "summary": None, "nextSteps": None}
    world.save()
    world.later(TRANSCRIPT_DELAY, _step(world, call["id"], _transcript_ready))
    world.later(SUMMARY_DELAY, _step(world, call["id"], _summary_ready))


def _recording_ready(world: QuoWorld, recording_id: str) -> None:
    rec = world.table("recordings").get(recording_id)
    call = world.table("calls").get(rec["callId"]) if rec else None
    if rec is None or call is None or rec["status"] != "processing":
        return
    rec["status"] = "completed"
    world.save()
    _emit(world, call, "call.recording.completed")


def _voicemail_ready(world: QuoWorld, call_id: str) -> None:
    vm = world.table("voicemails").get(call_id)
    call = world.table("calls").get(call_id)
    if vm is None or call is None or vm["status"] != "in-progress":
        return
    lines = _dialogue(world, call)
    vm.update(status="completed", transcript=lines[0]["content"] if lines else None)
    world.save()
    dated_events.call(world, call, "call.voicemail.completed")


def _dialogue(world: QuoWorld, call: Doc) -> list[Doc]:
    phone = world.table("phoneNumbers")[call["phoneNumberId"]]
    has_voicemail = call["id"] in world.table("voicemails")
    doc = records.transcript(
        org_id=call["orgId"], call=call, phone=phone, created_at="", voicemail=has_voicemail
    )
    lines: list[Doc] = doc["dialogue"]
    return lines


def _transcript_ready(world: QuoWorld, call_id: str) -> None:
    item = world.table("transcripts").get(call_id)
    call = world.table("calls").get(call_id)
    if item is None or call is None or item["status"] != "in-progress":
        return
    item.update(status="completed", dialogue=_dialogue(world, call))
    world.save()
    obj = {"callId": call_id, "object": "callTranscript"}
    obj.update({k: item[k] for k in ("createdAt", "dialogue", "duration", "status")})
    _emit_object(world, call, "call.transcript.completed", obj)


def _summary_ready(world: QuoWorld, call_id: str) -> None:
    item = world.table("summaries").get(call_id)
    call = world.table("calls").get(call_id)
    if item is None or call is None or item["status"] != "in-progress":
        return
    has_voicemail = call_id in world.table("voicemails")
    done = records.summary(org_id=call["orgId"], call_id=call_id, voicemail=has_voicemail)
    item.update(status="completed", summary=done["summary"], nextSteps=done["nextSteps"])
    world.save()
    obj = {"callId": call_id, "object": "callSummary"}
    obj.update({k: item[k] for k in ("status", "summary", "nextSteps")})
    _emit_object(world, call, "call.summary.completed", obj)


# --- events ----------------------------------------------------------------------------------


def event_object(world: QuoWorld, call: Doc) -> Doc:
    obj: Doc = {"id": call["id"], "object": "call"}
    obj.update({name: call[name] for name in EVENT_FIELDS})
    base = call.get("baseUrl", "")
    recordings = [r for r in world.table("recordings").values() if r["callId"] == call["id"]]
    ready = [r for r in recordings if r["status"] == "completed"]
    if ready:
        obj["media"] = [
            {"url": media_url(base, r), "type": r["type"], "duration": r["duration"]} for r in ready
        ]
    vm = world.table("voicemails").get(call["id"])
    if vm is not None and call.get("phase", "ended") == "ended":
        url = media_url(base, vm)
        obj["voicemail"] = {"url": url, "type": "audio/wav", "duration": vm["duration"]}
    return obj


def _emit(world: QuoWorld, call: Doc, event_type: str) -> None:
    world.save()
    _emit_object(world, call, event_type, event_object(world, call))


def _emit_object(world: QuoWorld, call: Doc, event_type: str, obj: Doc) -> None:
    org = world.workspace(call["orgId"])
    if org is None:
        return
    obj["contactIds"] = lookup.contact_ids_for(world, org, call["participants"][0])
    events.emit(world, org["id"], event_type, obj, call["phoneNumberId"])
