"""Recordings: of calls placed with ``Record=true`` (from answer to hang-up) and of calls whose
recording was started through ``POST /Calls/{CallSid}/Recordings.json``.

A recording is ``in-progress`` (or ``paused``) while the call lasts and ``completed`` once it ends
or is stopped; ``RecordingStatusCallback`` hears the events asked for (``completed`` by default).
Deleting one soft-deletes it (status ``deleted``, visible with ``IncludeSoftDeleted=true``).
The media URL serves a short silent WAV. Recordings are not priced (``price`` stays null).
"""

from __future__ import annotations

import struct
from datetime import datetime
from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from trunkline.sandbox.twilio import errors, filters
from trunkline.sandbox.twilio.api import ApiCall, endpoint, json_response, no_content
from trunkline.sandbox.twilio.forms import Params
from trunkline.sandbox.twilio.pagination import page_of
from trunkline.sandbox.twilio.serialize import (
    API_VERSION,
    ROOT,
    account_uri,
    moment_of,
    public,
    rfc2822,
    stamp,
)
from trunkline.sandbox.twilio.world import World

Record = dict[str, Any]
LIVE = ("in-progress", "paused")
EVENTS = ("in-progress", "completed", "absent")
CURRENT = "Twilio.CURRENT"  # names the call's recording under way
DEFAULT_BASE = "https://api.twilio.com"


def routes(world: World) -> list[Route]:
    account = f"{ROOT}/Accounts/{{account_sid}}/Recordings"
    by_call = f"{ROOT}/Accounts/{{account_sid}}/Calls/{{call_sid}}/Recordings"
    by_conference = f"{ROOT}/Accounts/{{account_sid}}/Conferences/{{conference_sid}}/Recordings"
    return [
        Route(f"{account}.json", endpoint(world, list_recordings), methods=["GET"]),
        Route(f"{account}/{{sid}}.json", endpoint(world, fetch_recording), methods=["GET"]),
        Route(f"{account}/{{sid}}.json", endpoint(world, delete_recording), methods=["DELETE"]),
        Route(f"{account}/{{sid}}.wav", endpoint(world, media), methods=["GET"]),
        Route(f"{account}/{{sid}}", endpoint(world, media), methods=["GET"]),
        Route(f"{by_call}.json", endpoint(world, list_recordings), methods=["GET"]),
        Route(f"{by_call}.json", endpoint(world, start_recording), methods=["POST"]),
        Route(f"{by_call}/{{sid}}.json", endpoint(world, fetch_recording), methods=["GET"]),
        Route(f"{by_call}/{{sid}}.json", endpoint(world, update_recording), methods=["POST"]),
        Route(f"{by_call}/{{sid}}.json", endpoint(world, delete_recording), methods=["DELETE"]),
        Route(f"{by_conference}.json", endpoint(world, list_recordings), methods=["GET"]),
        Route(f"{by_conference}/{{sid}}.json", endpoint(world, fetch_recording), methods=["GET"]),
        Route(f"{by_conference}/{{sid}}.json", endpoint(world, update_recording), methods=["POST"]),
        Route(
            f"{by_conference}/{{sid}}.json", endpoint(world, delete_recording), methods=["DELETE"]
        ),
    ]


def recording_record(
    call: Record,
    sid: str,
    created: datetime,
    *,
    source: str,
    channels: int = 1,
    track: str = "both",
    base: str = DEFAULT_BASE,
) -> Record:
    uri = account_uri(call["account_sid"], f"/Recordings/{sid}.json")
    record: Record = {
        "account_sid": call["account_sid"],
        "api_version": API_VERSION,
        "call_sid": call["sid"],
        "channels": channels,
        "conference_sid": call.get("_conference_sid"),
        "duration": "-1",
        "encryption_details": None,
        "error_code": None,
        "media_url": base + uri.removesuffix(".json"),
        "price": None,
        "price_unit": "USD",
        "sid": sid,
        "source": source,
        "status": "in-progress",
        "subresource_uris": {
            "add_on_results": uri.replace(".json", "/AddOnResults.json"),
            "transcriptions": uri.replace(".json", "/Transcriptions.json"),
        },
        "track": track,
        "uri": uri,
    }
    for field in ("date_created", "date_updated", "start_time"):
        stamp(record, field, created)
    return record


def _view(call: ApiCall, record: Record) -> Record:
    """Account-level recordings carry ``media_url``; call and conference ones ``track``."""
    shown = public(record)
    if "call_sid" in call.request.path_params or "conference_sid" in call.request.path_params:
        shown.pop("media_url", None)
        shown.pop("subresource_uris", None)
        if "conference_sid" in call.request.path_params:
            shown.pop("track", None)
    else:
        shown.pop("track", None)
    return shown


def _scope(call: ApiCall) -> list[Record]:
    """The recordings the path names: the account's, or one call's or conference's."""
    found = call.world.records("recordings", call.account_sid)
    path = call.request.path_params
    if "call_sid" in path:
        call.world.owned("calls", call.account_sid, call.arg("call_sid"), call.path)
        found = [r for r in found if r["call_sid"] == call.arg("call_sid")]
    if "conference_sid" in path:
        call.world.owned("conferences", call.account_sid, call.arg("conference_sid"), call.path)
        found = [r for r in found if r["conference_sid"] == call.arg("conference_sid")]
    return found


def _soft_deleted_too(params: Params) -> bool:
    return params.boolean("IncludeSoftDeleted") is True


async def list_recordings(call: ApiCall) -> Response:
    found = _scope(call)
    if not _soft_deleted_too(call.params):
        found = [r for r in found if r["status"] != "deleted"]
    predicates = filters.date_range(call.params, "DateCreated", "_date_created")
    predicates += filters.equals(call.params, "CallSid", "call_sid")
    predicates += filters.equals(call.params, "ConferenceSid", "conference_sid")
    found = sorted(filters.apply(found, predicates), key=_newest, reverse=True)
    shown = [_view(call, r) for r in found]
    return json_response(page_of(call.params, shown, "recordings", call.path))


def _newest(record: Record) -> tuple[str, str]:
    return str(record["_date_created"]), str(record["sid"])


def _find(call: ApiCall) -> Record:
    sid = call.arg("sid")
    found = _scope(call)
    if sid == CURRENT:
        live = sorted((r for r in found if r["status"] in LIVE), key=_newest)
        if live:
            return live[-1]
        raise errors.not_found(call.path)
    for record in found:
        if record["sid"] == sid:
            if record["status"] == "deleted" and not _soft_deleted_too(call.params):
                break
            return record
    raise errors.not_found(call.path)


async def fetch_recording(call: ApiCall) -> Response:
    return json_response(_view(call, _find(call)))


async def delete_recording(call: ApiCall) -> Response:
    record = _find(call)
    if record["status"] in LIVE:
        raise errors.not_complete("recording")
    record["status"] = "deleted"
    stamp(record, "date_updated", call.world.now())
    call.world.save()
    return no_content()


async def start_recording(call: ApiCall) -> Response:
    """Start recording a call that is under way (``StartCallRecordingAPI``)."""
    target = call.world.owned("calls", call.account_sid, call.arg("call_sid"), call.path)
    settings = read_settings(call.params)
    if target["status"] != "in-progress":
        raise errors.TwilioError(400, 21220, "Requested resource is not eligible for recording")
    record = begin(call.world, target, "StartCallRecordingAPI", settings)
    return json_response(_view(call, record), 201)


async def update_recording(call: ApiCall) -> Response:
    record = _find(call)
    status = call.params.required("Status")
    call.params.get("PauseBehavior")  # skip or silence: the sandbox records nothing either way
    if status not in ("in-progress", "paused", "stopped"):
        raise errors.invalid("Status", "must be in-progress, paused or stopped")
    if record["status"] not in LIVE:
        raise errors.TwilioError(400, 21220, "Recording is not in progress")
    if status == "stopped":
        finish(call.world, record)
        shown = _view(call, record)
        shown["status"] = "stopped"  # what the request answers; the recording then completes
        return json_response(shown)
    record["status"] = status
    stamp(record, "date_updated", call.world.now())
    call.world.save()
    return json_response(_view(call, record))


async def media(call: ApiCall) -> Response:
    record = _find(call)
    if record["status"] != "completed":
        raise errors.not_found(call.path)
    return Response(_silence(min(int(record["duration"]), 1)), media_type="audio/x-wav")


def _silence(seconds: int, rate: int = 8000) -> bytes:
    frames = b"\x00\x00" * rate * max(seconds, 0)
    header = b"RIFF" + struct.pack("<I", 36 + len(frames)) + b"WAVEfmt "
    header += struct.pack("<IHHIIHH", 16, 1, 1, rate, rate * 2, 2, 16)
    return header + b"data" + struct.pack("<I", len(frames)) + frames


def read_settings(params: Params) -> Record:
    """``RecordingChannels``, ``RecordingTrack`` and the recording status callback."""
    channels = params.get("RecordingChannels") or "mono"
    if channels not in ("mono", "dual"):
        raise errors.invalid("RecordingChannels", "must be mono or dual")
    track = params.get("RecordingTrack") or "both"
    if track not in ("inbound", "outbound", "both"):
        raise errors.invalid("RecordingTrack", "must be inbound, outbound or both")
    trim = params.get("Trim")
    if trim not in (None, "", "trim-silence", "do-not-trim"):
        raise errors.invalid("Trim", "must be trim-silence or do-not-trim")
    events: list[str] = []
    for value in params.all("RecordingStatusCallbackEvent"):
        events += value.replace(",", " ").split()
    if any(event not in EVENTS for event in events):
        raise errors.invalid(
            "RecordingStatusCallbackEvent", "must be in-progress, completed, absent"
        )
    return {
        "channels": 2 if channels == "dual" else 1,
        "track": track,
        "callback": params.url("RecordingStatusCallback") or None,
        "method": params.method("RecordingStatusCallbackMethod") or "POST",
        "events": events or ["completed"],
    }


def begin(world: World, call: Record, source: str, settings: Record) -> Record:
    base = str(call.get("_base") or DEFAULT_BASE)
    record = recording_record(
        call,
        world.new_sid("RE"),
        world.now(),
        source=source,
        channels=settings["channels"],
        track=settings["track"],
        base=base,
    )
    record["_settings"] = settings
    world.table("recordings")[record["sid"]] = record
    world.save()
    _callback(world, record, "in-progress")
    return record


def finish(world: World, record: Record) -> None:
    """The recording ends now: its duration is the simulated time since it started."""
    if record["status"] not in LIVE:
        return
    started = moment_of(record, "start_time")
    now = world.now()
    elapsed = (now - started).total_seconds() * world.config.speed if started else 0
    call = world.table("calls").get(record["call_sid"] or "")
    talk = int(call["duration"]) if call and call.get("duration") else None
    seconds = int(elapsed) if talk is None else min(int(elapsed), talk)
    if record["source"] == "OutboundAPI" and talk is not None:
        seconds = talk  # recorded from answer to hang-up: the whole conversation
    record["duration"] = str(max(seconds, 1 if talk else 0))
    record["status"] = "completed"
    stamp(record, "date_updated", now)
    world.save()
    _callback(world, record, "completed")


def on_call(world: World, call: Record, event: str) -> None:
    """``Record=true`` starts recording at answer; every recording of a call ends with it."""
    if event == "answered" and call.get("_record"):
        begin(world, call, "OutboundAPI", call["_record"])
    elif event == "ended":
        for record in world.records("recordings", call["account_sid"]):
            if record["call_sid"] == call["sid"] and record["status"] in LIVE:
                finish(world, record)


def _callback(world: World, record: Record, status: str) -> None:
    settings = record.get("_settings") or {}
    url = settings.get("callback")
    if not url or status not in settings.get("events", ()):
        return
    params = [
        ("AccountSid", record["account_sid"]),
        ("CallSid", record["call_sid"] or ""),
        ("RecordingSid", record["sid"]),
        ("RecordingUrl", record["media_url"]),
        ("RecordingStatus", status),
        ("RecordingDuration", record["duration"] if status == "completed" else "0"),
        ("RecordingChannels", str(record["channels"])),
        ("RecordingStartTime", rfc2822(moment_of(record, "start_time") or world.now())),
        ("RecordingSource", record["source"]),
        ("RecordingTrack", record["track"]),
        ("ErrorCode", "0"),
    ]
    token = world.token_of(record["account_sid"])
    world.callbacks.deliver(url, settings.get("method", "POST"), params, token, key=record["sid"])
