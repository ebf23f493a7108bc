"""Conferences and their Participants.

``POST /Conferences/{ConferenceSid}/Participants.json`` dials a participant into a conference;
the path may name the conference by SID or by friendly name, and a new name starts a conference
(``init``). The participant's call follows the usual outbound lifecycle: the participant is
``queued``/``ringing`` while it rings, ``connected`` once answered (the conference is then
``in-progress``), and leaves when the call ends. Removing a participant hangs up its call. The
conference completes when its last participant leaves, when one with ``EndConferenceOnExit``
leaves, or on ``Status=completed``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from trunkline.sandbox.twilio import errors, filters, phones, recordings, voice
from trunkline.sandbox.twilio.api import ApiCall, endpoint, json_response, no_content
from trunkline.sandbox.twilio.calls import callback_settings, caller_id
from trunkline.sandbox.twilio.filters import Predicate
from trunkline.sandbox.twilio.forms import Params
from trunkline.sandbox.twilio.pagination import page_of
from trunkline.sandbox.twilio.serialize import API_VERSION, ROOT, account_uri, public, stamp
from trunkline.sandbox.twilio.voice import FINAL, call_record
from trunkline.sandbox.twilio.world import World

Record = dict[str, Any]
STATUSES = ("init", "in-progress", "completed")
PARTICIPANT_STATUS = {"queued": "queued", "ringing": "ringing", "in-progress": "connected"}
FLAGS = {
    "Muted": "muted",
    "Hold": "hold",
    "EndConferenceOnExit": "end_conference_on_exit",
    "Coaching": "coaching",
}
URL_SETTINGS = ("HoldUrl", "AnnounceUrl", "WaitUrl")
METHOD_SETTINGS = ("HoldMethod", "AnnounceMethod", "WaitMethod")


def conference_record(
    account_sid: str, sid: str, name: str, created: datetime, status: str = "init"
) -> Record:
    uri = account_uri(account_sid, f"/Conferences/{sid}.json")
    record: Record = {
        "account_sid": account_sid,
        "api_version": API_VERSION,
        "call_sid_ending_conference": None,
        "friendly_name": name,
        "reason_conference_ended": None,
        "region": "us1",
        "sid": sid,
        "status": status,
        "subresource_uris": {
            "participants": uri.replace(".json", "/Participants.json"),
            "recordings": uri.replace(".json", "/Recordings.json"),
        },
        "uri": uri,
    }
    stamp(record, "date_created", created)
    stamp(record, "date_updated", created)
    return record


def routes(world: World) -> list[Route]:
    base = f"{ROOT}/Accounts/{{account_sid}}/Conferences"
    people = f"{base}/{{conference_sid}}/Participants"
    return [
        Route(f"{base}.json", endpoint(world, list_conferences), methods=["GET"]),
        Route(f"{base}/{{sid}}.json", endpoint(world, fetch_conference), methods=["GET"]),
        Route(f"{base}/{{sid}}.json", endpoint(world, update_conference), methods=["POST"]),
        Route(f"{people}.json", endpoint(world, list_participants), methods=["GET"]),
        Route(f"{people}.json", endpoint(world, add_participant), methods=["POST"]),
        Route(f"{people}/{{call_sid}}.json", endpoint(world, fetch_participant), methods=["GET"]),
        Route(f"{people}/{{call_sid}}.json", endpoint(world, update_participant), methods=["POST"]),
        Route(
            f"{people}/{{call_sid}}.json", endpoint(world, remove_participant), methods=["DELETE"]
        ),
    ]


def conference_view(record: Record) -> Record:
    """The spec's reason enum is not nullable: a conference still running leaves it out."""
    shown = public(record)
    if shown.get("reason_conference_ended") is None:
        shown.pop("reason_conference_ended", None)
    return shown


async def list_conferences(call: ApiCall) -> Response:
    status = call.params.get("Status")
    if status and status not in STATUSES:
        raise errors.invalid("Status", "must be init, in-progress or completed")
    predicates = filters.equals(call.params, "Status", "status")
    predicates += filters.equals(call.params, "FriendlyName", "friendly_name")
    predicates += filters.date_range(call.params, "DateCreated", "_date_created")
    predicates += filters.date_range(call.params, "DateUpdated", "_date_updated")
    found = sorted(
        call.world.records("conferences", call.account_sid),
        key=lambda c: (c["_date_created"], c["sid"]),
        reverse=True,
    )
    shown = [conference_view(c) for c in filters.apply(found, predicates)]
    return json_response(page_of(call.params, shown, "conferences", call.path))


async def fetch_conference(call: ApiCall) -> Response:
    return json_response(
        conference_view(
            call.world.owned("conferences", call.account_sid, call.arg("sid"), call.path)
        )
    )


async def update_conference(call: ApiCall) -> Response:
    record = call.world.owned("conferences", call.account_sid, call.arg("sid"), call.path)
    status = call.params.get("Status")
    call.params.url("AnnounceUrl")  # announcements are not played: the sandbox runs no TwiML
    call.params.method("AnnounceMethod")
    if status is not None:
        if status != "completed":
            raise errors.invalid("Status", "can only be completed")
        if record["status"] == "completed":
            raise errors.TwilioError(400, 20001, "Conference is already completed")
        end_conference(call.world, record, "conference-ended-via-api", None)
    stamp(record, "date_updated", call.world.now())
    call.world.save()
    return json_response(conference_view(record))


def end_conference(world: World, record: Record, reason: str, ending_call: str | None) -> None:
    record["status"] = "completed"
    record["reason_conference_ended"] = reason
    record["call_sid_ending_conference"] = ending_call
    stamp(record, "date_updated", world.now())
    world.save()
    for participant in _members(world, record["sid"]):
        participant["_ending"] = True
        leg = world.table("calls").get(participant["call_sid"])
        if leg is not None and leg["status"] not in FINAL:
            voice.end(world, leg["sid"], "completed")
    world.save()


def _members(world: World, conference_sid: str) -> list[Record]:
    return [
        p for p in world.table("participants").values() if p["conference_sid"] == conference_sid
    ]


def _view(world: World, participant: Record) -> Record:
    shown = public(participant)
    leg = world.table("calls").get(participant["call_sid"]) or {}
    shown["status"] = PARTICIPANT_STATUS.get(str(leg.get("status")), "complete")
    return shown


def _conference(call: ApiCall, *, create: bool = False) -> Record:
    """The path's conference, by SID or friendly name (``create``: start one by that name)."""
    key = call.arg("conference_sid")
    table = call.world.table("conferences")
    record = table.get(key)
    if record is not None and record["account_sid"] == call.account_sid:
        return record
    for conference in call.world.records("conferences", call.account_sid):
        if conference["friendly_name"] == key and conference["status"] != "completed":
            return conference
    if not create or key.startswith("CF"):
        raise errors.not_found(call.path)
    record = conference_record(call.account_sid, call.world.new_sid("CF"), key, call.world.now())
    table[record["sid"]] = record
    return record


async def list_participants(call: ApiCall) -> Response:
    conference = _conference(call)
    found = sorted(
        _members(call.world, conference["sid"]), key=lambda p: (p["_date_created"], p["call_sid"])
    )
    predicates: list[Predicate] = []
    for name, field in (("Muted", "muted"), ("Hold", "hold"), ("Coaching", "coaching")):
        wanted = call.params.boolean(name)
        if wanted is not None:
            predicates.append(_flag_is(field, wanted))
    shown = [_view(call.world, p) for p in filters.apply(found, predicates)]
    return json_response(page_of(call.params, shown, "participants", call.path, "call_sid"))


def _flag_is(field: str, wanted: bool) -> Predicate:
    return lambda participant: bool(participant[field]) == wanted


def _participant(call: ApiCall) -> Record:
    conference = _conference(call)
    key = call.arg("call_sid")
    for participant in _members(call.world, conference["sid"]):
        if key in (participant["call_sid"], participant["label"]):
            return participant
    raise errors.not_found(call.path)


async def fetch_participant(call: ApiCall) -> Response:
    return json_response(_view(call.world, _participant(call)))


async def add_participant(call: ApiCall) -> Response:
    params = call.params
    raw_from = params.get("From")
    if not raw_from:
        raise errors.TwilioError(400, 21213, "No 'From' number is specified")
    raw_to = params.get("To")
    if not raw_to:
        raise errors.TwilioError(400, 21201, "No 'To' number is specified")
    to = phones.normalize(raw_to)
    if to is None:
        raise errors.TwilioError(400, 21211, f"Invalid 'To' Phone Number: {raw_to}")
    number = caller_id(call, raw_from)
    settings = _participant_settings(params)
    record_call = params.boolean("Record")
    recording = recordings.read_settings(params)
    conference = _conference(call, create=True)
    if conference["status"] == "completed":
        raise errors.TwilioError(400, 20001, "Conference is already completed")
    leg = call_record(
        call.account_sid,
        call.world.new_sid("CA"),
        to=to,
        sender=number["phone_number"],
        direction="outbound-api",
        status="queued",
        created=call.world.now(),
        number_sid=None,
    )
    callback_settings(call, leg)
    leg["_conference_sid"] = conference["sid"]
    leg["_base"] = str(call.request.base_url).rstrip("/")
    leg["_timeout"] = params.integer("Timeout", 5, 600)
    limit = params.integer("TimeLimit", 1, 14400)
    talk = voice.talk_seconds(call.world)
    leg["_talk"] = min(talk, limit) if limit else talk
    if record_call:
        leg["_record"] = recording
    call.world.table("calls")[leg["sid"]] = leg
    participant: Record = {
        "account_sid": call.account_sid,
        "call_sid": leg["sid"],
        "call_sid_to_coach": settings.get("call_sid_to_coach"),
        "coaching": bool(settings.get("coaching")),
        "conference_sid": conference["sid"],
        "end_conference_on_exit": bool(settings.get("end_conference_on_exit")),
        "hold": False,
        "label": params.get("Label"),
        "muted": bool(settings.get("muted")),
        "queue_time": "0",
        "start_conference_on_enter": params.boolean("StartConferenceOnEnter") is not False,
        "status": "queued",
        "uri": account_uri(
            call.account_sid, f"/Conferences/{conference['sid']}/Participants/{leg['sid']}.json"
        ),
    }
    stamp(participant, "date_created", call.world.now())
    stamp(participant, "date_updated", call.world.now())
    call.world.table("participants")[leg["sid"]] = participant
    call.world.save()
    voice.start_outbound(call.world, leg["sid"])
    return json_response(_view(call.world, participant), 201)


def _participant_settings(params: Params) -> Record:
    """Flags and URLs shared by create and update; URLs and methods are checked, not used."""
    for name in URL_SETTINGS:
        params.url(name)
    for name in METHOD_SETTINGS:
        params.method(name)
    params.boolean("BeepOnExit")
    settings: Record = {}
    for name, field in FLAGS.items():
        value = params.boolean(name)
        if value is not None:
            settings[field] = value
    coach = params.get("CallSidToCoach")
    if coach:
        settings["call_sid_to_coach"] = coach
    if settings.get("coaching") and not coach:
        raise errors.TwilioError(400, 20001, "CallSidToCoach is required when Coaching is true")
    return settings


async def update_participant(call: ApiCall) -> Response:
    participant = _participant(call)
    settings = _participant_settings(call.params)
    participant.update(settings)
    if participant["coaching"] and not participant["call_sid_to_coach"]:
        raise errors.TwilioError(400, 20001, "CallSidToCoach is required when Coaching is true")
    stamp(participant, "date_updated", call.world.now())
    call.world.save()
    return json_response(_view(call.world, participant))


async def remove_participant(call: ApiCall) -> Response:
    participant = _participant(call)
    participant["_kicked"] = True
    leg = call.world.table("calls").get(participant["call_sid"])
    if leg is not None and leg["status"] not in FINAL:
        voice.end(call.world, leg["sid"], "completed")
    else:
        _leave(call.world, participant)
    return no_content()


def on_call(world: World, leg: Record, event: str) -> None:
    """A participant's call was answered (the conference starts) or ended (it leaves)."""
    participant = world.table("participants").get(leg["sid"])
    conference = world.table("conferences").get(str(leg.get("_conference_sid")))
    if participant is None or conference is None:
        return
    if event == "answered" and conference["status"] == "init":
        if participant["start_conference_on_enter"]:
            conference["status"] = "in-progress"
            stamp(conference, "date_updated", world.now())
            world.save()
    elif event == "ended":
        _leave(world, participant)


def _leave(world: World, participant: Record) -> None:
    world.table("participants").pop(participant["call_sid"], None)
    conference = world.table("conferences").get(participant["conference_sid"])
    if conference is None or conference["status"] == "completed" or participant.get("_ending"):
        world.save()
        return
    kicked = bool(participant.get("_kicked"))
    if participant["end_conference_on_exit"]:
        reason = "participant-with-end-conference-on-exit-" + ("kicked" if kicked else "left")
        end_conference(world, conference, reason, participant["call_sid"])
    elif not _members(world, conference["sid"]):
        reason = "last-participant-kicked" if kicked else "last-participant-left"
        end_conference(world, conference, reason, participant["call_sid"])
    world.save()
