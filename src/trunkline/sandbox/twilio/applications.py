"""Applications: reusable voice/SMS URL sets that numbers and calls can point at."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from starlette.routing import Route

from trunkline.sandbox.twilio import filters
from trunkline.sandbox.twilio.api import ApiCall
from trunkline.sandbox.twilio.filters import Predicate
from trunkline.sandbox.twilio.forms import Params
from trunkline.sandbox.twilio.resources import simple_routes
from trunkline.sandbox.twilio.serialize import resource_uri, stamp
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
    return simple_routes(
        world,
        COLLECTION,
        "applications",
        create=_create,
        update=_update,
        list_filters=_filters,
        number_fields=("sms_application_sid", "voice_application_sid"),
    )


def _filters(params: Params) -> list[Predicate]:
    return filters.equals(params, "FriendlyName", "friendly_name")


def _create(call: ApiCall) -> Record:
    sid = call.world.new_sid("AP")
    record = application_record(call.account_sid, sid, None, call.world.now())
    apply_settings(call.params, record)
    return record


def _update(call: ApiCall, record: Record) -> None:
    apply_settings(call.params, record)
