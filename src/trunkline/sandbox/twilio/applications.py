"""Applications: reusable voice/SMS URL sets that numbers and calls can point at."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from trunkline.sandbox.twilio import filters
from trunkline.sandbox.twilio.api import ApiCall, endpoint, json_response, no_content
from trunkline.sandbox.twilio.pagination import page_of
from trunkline.sandbox.twilio.serialize import ROOT, public, resource_uri, stamp
from trunkline.sandbox.twilio.settings import apply_settings
from trunkline.sandbox.twilio.world import World

Record = dict[str, Any]
COLLECTION = "Applications"


def application_record(account_sid: str, sid: str, name: str | None, created: datetime) -> Record:
    record: Record = {
        "account_sid": account_sid,
        "api_version": "2010-04-01",
        "friendly_name": name,
        "message_status_callback": None,
        "public_application_connect_enabled": True,
        "sid": sid,
        "sms_fallback_method": "POST",
        "sms_fallback_url": None,
        "sms_method": "POST",
        "sms_status_callback": None,
        "sms_url": None,
        "status_callback": None,
        "status_callback_method": "POST",
        "uri": resource_uri(account_sid, COLLECTION, sid),
        "voice_caller_id_lookup": False,
        "voice_fallback_method": "POST",
        "voice_fallback_url": None,
        "voice_method": "POST",
        "voice_url": None,
    }
    stamp(record, "date_created", created)
    stamp(record, "date_updated", created)
    return record


def routes(world: World) -> list[Route]:
    base = f"{ROOT}/Accounts/{{account_sid}}/{COLLECTION}"
    return [
        Route(f"{base}.json", endpoint(world, list_applications), methods=["GET"]),
        Route(f"{base}.json", endpoint(world, create_application), methods=["POST"]),
        Route(f"{base}/{{sid}}.json", endpoint(world, fetch_application), methods=["GET"]),
        Route(f"{base}/{{sid}}.json", endpoint(world, update_application), methods=["POST"]),
        Route(f"{base}/{{sid}}.json", endpoint(world, delete_application), methods=["DELETE"]),
    ]


async def list_applications(call: ApiCall) -> Response:
    found = sorted(
        call.world.records("applications", call.account_sid),
        key=lambda a: (a["_date_created"], a["sid"]),
    )
    found = filters.apply(found, filters.equals(call.params, "FriendlyName", "friendly_name"))
    return json_response(page_of(call.params, found, "applications", call.path))


async def create_application(call: ApiCall) -> Response:
    sid = call.world.new_sid("AP")
    record = application_record(call.account_sid, sid, None, call.world.now())
    apply_settings(call.params, record)
    call.world.table("applications")[sid] = record
    call.world.save()
    return json_response(public(record), 201)


async def fetch_application(call: ApiCall) -> Response:
    record = call.world.owned("applications", call.account_sid, call.arg("sid"), call.path)
    return json_response(public(record))


async def update_application(call: ApiCall) -> Response:
    record = call.world.owned("applications", call.account_sid, call.arg("sid"), call.path)
    apply_settings(call.params, record)
    stamp(record, "date_updated", call.world.now())
    call.world.save()
    return json_response(public(record))


async def delete_application(call: ApiCall) -> Response:
    record = call.world.owned("applications", call.account_sid, call.arg("sid"), call.path)
    del call.world.table("applications")[record["sid"]]
    for number in call.world.table("numbers").values():
        for field in ("sms_application_sid", "voice_application_sid"):
            if number.get(field) == record["sid"]:
                number[field] = None
    call.world.save()
    return no_content()
