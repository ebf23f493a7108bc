"""Calls: place (create), list with filters, fetch, update (hang up, cancel, redirect), delete.

Update follows Twilio: ``Status=canceled`` ends a queued or ringing call and leaves an answered
one alone; ``Status=completed`` hangs up whatever is under way; ``Url``/``Twiml`` redirect an
in-progress call. Changing a call that has ended is error 21220.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from trunkline.sandbox.twilio import errors, filters, phones, recordings, voice
from trunkline.sandbox.twilio.api import ApiCall, json_response
from trunkline.sandbox.twilio.resources import account_routes, deleted, listing, owned, updated
from trunkline.sandbox.twilio.serialize import public
from trunkline.sandbox.twilio.voice import EVENTS, FINAL, call_record
from trunkline.sandbox.twilio.world import World

COLLECTION = "Calls"


def routes(world: World) -> list[Route]:
    return account_routes(
        world, COLLECTION, list_calls, create_call, fetch_call, update_call, delete_call
    )


async def list_calls(call: ApiCall) -> Response:
    predicates = filters.phone_equals(call.params, "To", "to")
    predicates += filters.phone_equals(call.params, "From", "from")
    predicates += filters.equals(call.params, "ParentCallSid", "parent_call_sid")
    predicates += filters.equals(call.params, "Status", "status")
    predicates += filters.date_range(call.params, "StartTime", "_start_time")
    predicates += filters.date_range(call.params, "EndTime", "_end_time")
    return listing(call, "calls", predicates, newest_first=True)


async def create_call(call: ApiCall) -> Response:
    params = call.params
    raw_to = params.get("To")
    if not raw_to:
        raise errors.TwilioError(400, 21201, "No 'To' number is specified")
    raw_from = params.get("From")
    if not raw_from:
        raise errors.TwilioError(400, 21213, "No 'From' number is specified")
    to = phones.normalize(raw_to)
    if to is None:
        raise errors.TwilioError(400, 21211, f"Invalid 'To' Phone Number: {raw_to}")
    number = caller_id(call, raw_from)
    url, method = _instructions(call)
    record = call_record(
        call.account_sid,
        call.world.new_sid("CA"),
        to=to,
        sender=number["phone_number"],
        direction="outbound-api",
        status="queued",
        created=call.world.now(),
        number_sid=None,
    )
    record["_url"], record["_method"] = url, method
    callback_settings(call, record)
    record["_timeout"] = params.integer("Timeout", 1, 600)
    record["_base"] = str(call.request.base_url).rstrip("/")  # for recording media URLs
    recording = recordings.read_settings(params)
    if params.boolean("Record"):
        record["_record"] = recording
    limit = params.integer("TimeLimit", 1, 14400)
    talk = voice.talk_seconds(call.world)
    record["_talk"] = min(talk, limit) if limit else talk
    call.world.table("calls")[record["sid"]] = record
    call.world.save()
    voice.start_outbound(call.world, record["sid"])
    return json_response(public(record), 201)


def caller_id(call: ApiCall, raw_from: str) -> dict[str, Any]:
    sender = phones.normalize(raw_from)
    number = call.world.numbers_by_phone(sender) if sender else None
    if number is None or number["account_sid"] != call.account_sid:
        raise errors.TwilioError(
            400,
            21210,
            f"The source phone number provided, {raw_from}, is not yet verified for your "
            "account. You may only make calls from phone numbers that you've verified or "
            "purchased from Twilio.",
        )
    return number


def _instructions(call: ApiCall) -> tuple[str | None, str]:
    """Where the call's TwiML comes from: ``Url``, inline ``Twiml`` or an application."""
    url = call.params.url("Url")
    method = call.params.method("Method") or "POST"
    app_sid = call.params.get("ApplicationSid")
    if app_sid:
        app = call.world.table("applications").get(app_sid)
        if app is None or app["account_sid"] != call.account_sid:
            raise errors.invalid("ApplicationSid", "does not name one of this account's apps")
        return url or app.get("voice_url"), app.get("voice_method") or method
    if not url and not call.params.get("Twiml"):
        raise errors.TwilioError(
            400, 21205, "Either a 'Url', 'ApplicationSid' or 'Twiml' parameter is required."
        )
    return url, method


def callback_settings(call: ApiCall, record: dict[str, Any]) -> None:
    url = call.params.url("StatusCallback")
    method = call.params.method("StatusCallbackMethod") or "POST"
    events: list[str] = []
    for value in call.params.all("StatusCallbackEvent"):
        events += value.split()
    if any(event not in EVENTS for event in events):
        raise errors.TwilioError(400, 21626, "Invalid 'StatusCallbackEvent'")
    record["_callback"], record["_callback_method"] = url or None, method
    record["_events"] = events or ["completed"]


async def fetch_call(call: ApiCall) -> Response:
    return json_response(public(owned(call, "calls")))


async def update_call(call: ApiCall) -> Response:
    record = owned(call, "calls")
    status = call.params.get("Status")
    url = call.params.url("Url")
    twiml = call.params.get("Twiml")
    if status is not None and status not in ("canceled", "completed"):
        raise errors.invalid("Status", "must be canceled or completed")
    if record["status"] in FINAL and (status or url or twiml):
        raise errors.TwilioError(400, 21220, "Call is not in-progress. Cannot redirect.")
    if "StatusCallback" in call.params:
        record["_callback"] = call.params.url("StatusCallback") or None
    record["_callback_method"] = (
        call.params.method("StatusCallbackMethod") or record.get("_callback_method") or "POST"
    )
    if status == "canceled" and record["status"] in ("queued", "ringing"):
        voice.end(call.world, record["sid"], "canceled")
    elif status == "completed":
        voice.end(call.world, record["sid"], "completed")
    elif url and record["status"] == "in-progress":
        voice.redirect(call.world, record, url, call.params.method("Method") or "POST")
    return updated(call, record)


async def delete_call(call: ApiCall) -> Response:
    record = owned(call, "calls")
    if record["status"] not in FINAL:
        raise errors.not_complete("call")
    return deleted(call, "calls", record)
