"""Calls over time: outbound ``queued → ringing → in-progress → completed`` (``busy`` or
``no-answer`` for the sandbox's unreachable numbers), inbound ``ringing → in-progress →
completed``, with Twilio's StatusCallback/StatusCallbackEvent semantics.

Only the events a call asked for (``initiated``, ``ringing``, ``answered``, ``completed``;
``completed`` alone by default) reach its StatusCallback. An answered outbound call requests
its ``Url``; an inbound call requests the number's VoiceUrl (or its voice application's). The
sandbox does not execute the TwiML it gets back.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from trunkline.sandbox.twilio import phones, pricing
from trunkline.sandbox.twilio.serialize import (
    API_VERSION,
    charge,
    iso,
    moment_of,
    resource_uri,
    rfc2822,
    stamp,
)
from trunkline.sandbox.twilio.world import World

Record = dict[str, Any]
COLLECTION = "Calls"
EVENTS = ("initiated", "ringing", "answered", "completed")
FINAL = frozenset({"completed", "busy", "failed", "no-answer", "canceled"})
SUBRESOURCES = (
    "feedback",
    "notifications",
    "recordings",
    "streams",
    "payments",
    "user_defined_message_subscriptions",
    "transcriptions",
    "siprec",
    "events",
    "feedback_summaries",
    "user_defined_messages",
)

# Real-world seconds (divided by the sandbox's speed).
TO_INITIATED = 0.5
TO_RINGING = 1.0
TO_ANSWER = 3.0
DEFAULT_TALK = 20
DEFAULT_TIMEOUT = 60


def call_record(
    account_sid: str,
    sid: str,
    *,
    to: str,
    sender: str,
    direction: str,
    status: str,
    created: datetime,
    number_sid: str | None,
) -> Record:
    uri = resource_uri(account_sid, COLLECTION, sid)
    record: Record = {
        "account_sid": account_sid,
        "answered_by": None,
        "api_version": API_VERSION,
        "caller_name": None,
        "direction": direction,
        "duration": None,
        "forwarded_from": None,
        "from": sender,
        "from_formatted": phones.national(sender),
        "group_sid": None,
        "parent_call_sid": None,
        "phone_number_sid": number_sid,
        "price": None,
        "price_unit": "USD",
        "queue_time": "0",
        "sid": sid,
        "status": status,
        "subresource_uris": {
            name: uri.replace(".json", f"/{_camel(name)}.json") for name in SUBRESOURCES
        },
        "to": to,
        "to_formatted": phones.national(to),
        "trunk_sid": None,
        "uri": uri,
        "_gen": 0,
        "_seq": 0,
        "_events": ["completed"],
        "_talk": DEFAULT_TALK,
    }
    for field in ("date_created", "date_updated"):
        stamp(record, field, created)
    for field in ("start_time", "end_time"):
        stamp(record, field, None)
    record["_answered"] = None  # when it was answered: internal, Twilio sends no such field
    return record


def _camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


def talk_seconds(world: World) -> int:
    """How long the far end of an outbound call talks before hanging up (sandbox setting)."""
    return int(world.config.extra.get("twilio_talk_seconds", DEFAULT_TALK))


def start_outbound(world: World, sid: str) -> None:
    _later(world, sid, TO_INITIATED, _initiate)


def start_inbound(world: World, sid: str) -> None:
    """The call is ringing at a sandbox number: ask its VoiceUrl, then answer."""
    record = world.table("calls")[sid]
    _request_voice_url(world, record, _inbound_target(world, record))
    _later(world, sid, TO_RINGING, _answer)


def resume(world: World) -> None:
    """After a restart, calls in flight continue from where they were."""
    for record in list(world.table("calls").values()):
        record.pop("answered", None)  # state saved by older versions put it on the wire
        status, sid = record["status"], record["sid"]
        if status == "queued":
            start_outbound(world, sid)
        elif status == "ringing":
            _later(world, sid, TO_ANSWER, _answer)
        elif status == "in-progress":
            _later(world, sid, record["_talk"], _hang_up_naturally)


def _later(world: World, sid: str, delay: float, step: Any) -> None:
    """Schedule ``step(world, sid)`` unless the call changes course (``_gen``) meanwhile."""
    gen = world.table("calls")[sid]["_gen"]

    def run() -> None:
        record = world.table("calls").get(sid)
        if record is not None and record["_gen"] == gen and record["status"] not in FINAL:
            step(world, sid)

    world.runtime.clock.later(delay, run)


def _initiate(world: World, sid: str) -> None:
    record = world.table("calls")[sid]
    stamp(record, "start_time", world.now())
    world.save()
    _event(world, record, "initiated", "initiated")
    if phones.reach(record["to"]) is phones.Reach.REJECTED:
        _later(world, sid, TO_RINGING, lambda w, s: end(w, s, "busy"))
    else:
        _later(world, sid, TO_RINGING, _ring)


def _ring(world: World, sid: str) -> None:
    record = _set_status(world, sid, "ringing")
    _event(world, record, "ringing", "ringing")
    if phones.reach(record["to"]) is phones.Reach.NO_ANSWER:
        timeout = record.get("_timeout") or DEFAULT_TIMEOUT
        _later(world, sid, timeout, lambda w, s: end(w, s, "no-answer"))
    else:
        _later(world, sid, TO_ANSWER, _answer)


def _answer(world: World, sid: str) -> None:
    record = _set_status(world, sid, "in-progress")
    record["_answered"] = iso(world.now())
    world.save()
    world.notify_call(record, "answered")
    _event(world, record, "answered", "in-progress")
    if record["direction"] != "inbound" and record.get("_url"):
        _request_voice_url(world, record, (record["_url"], record.get("_method") or "POST"))
    _later(world, sid, record["_talk"], _hang_up_naturally)


def end(world: World, sid: str, status: str, seconds: int | None = None) -> Record:
    """End the call now with ``status``; pending steps are dropped.

    ``seconds`` is the talk time of a call that ran its course; a call cut short counts the
    simulated time since it was answered (real time multiplied by the sandbox's speed).
    """
    record = world.table("calls")[sid]
    now = world.now()
    answered = moment_of(record, "answered")
    if status == "completed" and answered is None:
        status = "canceled" if record["status"] == "queued" else "no-answer"
    if seconds is None:
        elapsed = (now - answered).total_seconds() * world.config.speed if answered else 0
        seconds = min(int(elapsed), int(record["_talk"]))
    record["_gen"] += 1
    _set_status(world, sid, status)
    stamp(record, "end_time", now)
    if record["_start_time"] is None:
        stamp(record, "start_time", now)
    record["duration"] = str(seconds if answered else 0)
    if status == "completed":
        inbound = record["direction"] == "inbound"
        toll_free = phones.number_type(record["to"]) == "tollfree"
        record["price"] = charge(pricing.call_price(int(record["duration"]), inbound, toll_free))
    world.save()
    world.notify_call(record, "ended")
    _event(world, record, "completed", status)
    return record


def _hang_up_naturally(world: World, sid: str) -> None:
    end(world, sid, "completed", int(world.table("calls")[sid]["_talk"]))


def redirect(world: World, record: Record, url: str, method: str) -> None:
    record["_url"], record["_method"] = url, method
    _request_voice_url(world, record, (url, method))


def _set_status(world: World, sid: str, status: str) -> Record:
    record = world.table("calls")[sid]
    record["status"] = status
    stamp(record, "date_updated", world.now())
    world.save()
    return record


def _event(world: World, record: Record, event: str, call_status: str) -> None:
    url = record.get("_callback")
    if not url or event not in record["_events"]:
        return
    params = voice_params(record, call_status)
    params += [
        ("CallbackSource", "call-progress-events"),
        ("SequenceNumber", str(record["_seq"])),
        ("Timestamp", rfc2822(world.now())),
    ]
    if event == "completed":
        seconds = int(record["duration"] or 0)
        params += [
            ("CallDuration", str(seconds)),
            ("Duration", str(pricing.billed_minutes(seconds))),
        ]
    record["_seq"] += 1
    world.save()
    method = record.get("_callback_method") or "POST"
    token = world.token_of(record["account_sid"])
    world.callbacks.deliver(url, method, params, token, key=record["sid"])
    _log_request(world, record, method, url, params)


def _request_voice_url(world: World, record: Record, target: tuple[str, str] | None) -> None:
    if target is None or not target[0]:
        return
    params = voice_params(record, record["status"])
    world.callbacks.deliver(target[0], target[1], params, world.token_of(record["account_sid"]))
    _log_request(world, record, target[1], target[0], params)


def _log_request(
    world: World, record: Record, method: str, url: str, params: list[tuple[str, str]]
) -> None:
    """Remember a request made about the call, for its Events list (responses are not kept)."""
    log: list[Record] = record.setdefault("_requests", [])
    log.append(
        {
            "_n": str(len(log)),
            "request": {"method": method, "url": url, "parameters": dict(params)},
            "response": None,
        }
    )
    world.save()


def _inbound_target(world: World, record: Record) -> tuple[str, str] | None:
    number = world.table("numbers").get(record.get("phone_number_sid") or "")
    if number is None:
        return None
    source: Record = number
    app_sid = number.get("voice_application_sid")
    if app_sid and app_sid in world.table("applications"):
        source = world.table("applications")[app_sid]
    url = source.get("voice_url")
    return (url, source.get("voice_method") or "POST") if url else None


def voice_params(record: Record, call_status: str) -> list[tuple[str, str]]:
    return [
        ("AccountSid", record["account_sid"]),
        ("ApiVersion", API_VERSION),
        ("CallSid", record["sid"]),
        ("CallStatus", call_status),
        ("Called", record["to"]),
        ("CalledCountry", "US" if record["to"].startswith("+1") else ""),
        ("Caller", record["from"]),
        ("CallerCountry", "US" if record["from"].startswith("+1") else ""),
        ("Direction", record["direction"]),
        ("From", record["from"]),
        ("To", record["to"]),
    ]
