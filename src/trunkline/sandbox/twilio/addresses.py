"""Addresses: customer addresses for regulatory requirements and emergency calling.

Every address the sandbox is given passes validation (``validated: true``); none is
``verified`` (Twilio verifies only some countries' addresses, by hand).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from trunkline.sandbox.twilio import errors, filters
from trunkline.sandbox.twilio.api import ApiCall, endpoint, json_response
from trunkline.sandbox.twilio.filters import Predicate
from trunkline.sandbox.twilio.forms import Params
from trunkline.sandbox.twilio.pagination import page_of
from trunkline.sandbox.twilio.resources import simple_routes
from trunkline.sandbox.twilio.serialize import ROOT, public, resource_uri, stamp
from trunkline.sandbox.twilio.world import World

Record = dict[str, Any]
COLLECTION = "Addresses"
REQUIRED = ("CustomerName", "Street", "City", "Region", "PostalCode", "IsoCountry")
EDITABLE = ("FriendlyName", "CustomerName", "Street", "StreetSecondary", "City", "Region")
DEPENDENT_FIELDS = frozenset((
    "sid", "account_sid", "friendly_name", "phone_number", "voice_url", "voice_method",
    "voice_fallback_method", "voice_fallback_url", "voice_caller_id_lookup", "date_created",
    "date_updated", "sms_fallback_method", "sms_fallback_url", "sms_method", "sms_url",
    "address_requirements", "capabilities", "status_callback", "status_callback_method",
    "api_version", "sms_application_sid", "voice_application_sid", "trunk_sid", "emergency_status",
    "emergency_address_sid", "uri",
))  # fmt: skip
FIELDS = {
    "FriendlyName": "friendly_name",
    "CustomerName": "customer_name",
    "Street": "street",
    "StreetSecondary": "street_secondary",
    "City": "city",
    "Region": "region",
    "PostalCode": "postal_code",
}


def address_record(account_sid: str, sid: str, fields: dict[str, str], created: datetime) -> Record:
    record: Record = {
        "account_sid": account_sid,
        "city": fields["City"],
        "customer_name": fields["CustomerName"],
        "emergency_enabled": False,
        "friendly_name": fields.get("FriendlyName"),
        "iso_country": fields["IsoCountry"].upper(),
        "postal_code": fields["PostalCode"],
        "region": fields["Region"],
        "sid": sid,
        "street": fields["Street"],
        "street_secondary": fields.get("StreetSecondary"),
        "uri": resource_uri(account_sid, COLLECTION, sid),
        "validated": True,
        "verified": False,
    }
    stamp(record, "date_created", created)
    stamp(record, "date_updated", created)
    return record


def routes(world: World) -> list[Route]:
    dependents = (
        f"{ROOT}/Accounts/{{account_sid}}/{COLLECTION}/{{address_sid}}/DependentPhoneNumbers"
    )
    return [
        Route(f"{dependents}.json", endpoint(world, list_dependents), methods=["GET"]),
        *_collection(world),
    ]


async def list_dependents(call: ApiCall) -> Response:
    """The account's numbers that use the address (for regulation or emergency calling)."""
    address = call.world.owned("addresses", call.account_sid, call.arg("address_sid"), call.path)
    numbers = sorted(
        (
            n
            for n in call.world.records("numbers", call.account_sid)
            if address["sid"] in (n.get("address_sid"), n.get("emergency_address_sid"))
        ),
        key=lambda n: (n["_date_created"], n["sid"]),
    )
    shown = [{k: v for k, v in public(n).items() if k in DEPENDENT_FIELDS} for n in numbers]
    return json_response(page_of(call.params, shown, "dependent_phone_numbers", call.path))


def _collection(world: World) -> list[Route]:
    return simple_routes(
        world,
        COLLECTION,
        "addresses",
        create=_create,
        update=_update,
        list_filters=_filters,
        number_fields=("address_sid", "emergency_address_sid"),
    )


def _filters(params: Params) -> list[Predicate]:
    predicates = filters.equals(params, "CustomerName", "customer_name")
    predicates += filters.equals(params, "FriendlyName", "friendly_name")
    predicates += filters.equals(params, "IsoCountry", "iso_country")
    emergency = params.boolean("EmergencyEnabled")
    if emergency is not None:
        predicates.append(lambda a: a["emergency_enabled"] == emergency)
    return predicates


def _create(call: ApiCall) -> Record:
    fields = {name: call.params.required(name) for name in REQUIRED}
    _check_country(fields["IsoCountry"])
    for name in ("FriendlyName", "StreetSecondary"):
        value = call.params.get(name)
        if value is not None:
            fields[name] = value
    sid = call.world.new_sid("AD")
    record = address_record(call.account_sid, sid, fields, call.world.now())
    _apply_flags(call.params, record)
    return record


def _update(call: ApiCall, record: Record) -> None:
    for name in (*EDITABLE, "PostalCode"):
        value = call.params.get(name)
        if value is not None:
            record[FIELDS[name]] = value
    _apply_flags(call.params, record)


def _apply_flags(params: Params, record: Record) -> None:
    emergency = params.boolean("EmergencyEnabled")
    if emergency is not None:
        record["emergency_enabled"] = emergency
    params.boolean("AutoCorrectAddress")  # accepted and validated; the sandbox never rewrites


def _check_country(code: str) -> None:
    if len(code) != 2 or not code.isalpha():
        raise errors.invalid("IsoCountry", "must be an ISO 3166-1 alpha-2 country code")
