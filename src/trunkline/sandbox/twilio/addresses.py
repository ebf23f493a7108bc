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
from trunkline.sandbox.twilio.api import ApiCall, endpoint, json_response, no_content
from trunkline.sandbox.twilio.forms import Params
from trunkline.sandbox.twilio.pagination import page_of
from trunkline.sandbox.twilio.serialize import ROOT, public, resource_uri, stamp
from trunkline.sandbox.twilio.world import World

Record = dict[str, Any]
COLLECTION = "Addresses"
REQUIRED = ("CustomerName", "Street", "City", "Region", "PostalCode", "IsoCountry")
EDITABLE = ("FriendlyName", "CustomerName", "Street", "StreetSecondary", "City", "Region")
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
    base = f"{ROOT}/Accounts/{{account_sid}}/{COLLECTION}"
    return [
        Route(f"{base}.json", endpoint(world, list_addresses), methods=["GET"]),
        Route(f"{base}.json", endpoint(world, create_address), methods=["POST"]),
        Route(f"{base}/{{sid}}.json", endpoint(world, fetch_address), methods=["GET"]),
        Route(f"{base}/{{sid}}.json", endpoint(world, update_address), methods=["POST"]),
        Route(f"{base}/{{sid}}.json", endpoint(world, delete_address), methods=["DELETE"]),
    ]


async def list_addresses(call: ApiCall) -> Response:
    found = sorted(
        call.world.records("addresses", call.account_sid),
        key=lambda a: (a["_date_created"], a["sid"]),
    )
    predicates = filters.equals(call.params, "CustomerName", "customer_name")
    predicates += filters.equals(call.params, "FriendlyName", "friendly_name")
    predicates += filters.equals(call.params, "IsoCountry", "iso_country")
    emergency = call.params.boolean("EmergencyEnabled")
    if emergency is not None:
        predicates.append(lambda a: a["emergency_enabled"] == emergency)
    found = filters.apply(found, predicates)
    return json_response(page_of(call.params, found, "addresses", call.path))


async def create_address(call: ApiCall) -> Response:
    fields = {name: call.params.required(name) for name in REQUIRED}
    _check_country(fields["IsoCountry"])
    for name in ("FriendlyName", "StreetSecondary"):
        value = call.params.get(name)
        if value is not None:
            fields[name] = value
    sid = call.world.new_sid("AD")
    record = address_record(call.account_sid, sid, fields, call.world.now())
    _apply_flags(call.params, record)
    call.world.table("addresses")[sid] = record
    call.world.save()
    return json_response(public(record), 201)


async def fetch_address(call: ApiCall) -> Response:
    record = call.world.owned("addresses", call.account_sid, call.arg("sid"), call.path)
    return json_response(public(record))


async def update_address(call: ApiCall) -> Response:
    record = call.world.owned("addresses", call.account_sid, call.arg("sid"), call.path)
    for name in (*EDITABLE, "PostalCode"):
        value = call.params.get(name)
        if value is not None:
            record[FIELDS[name]] = value
    _apply_flags(call.params, record)
    stamp(record, "date_updated", call.world.now())
    call.world.save()
    return json_response(public(record))


async def delete_address(call: ApiCall) -> Response:
    record = call.world.owned("addresses", call.account_sid, call.arg("sid"), call.path)
    del call.world.table("addresses")[record["sid"]]
    for number in call.world.table("numbers").values():
        for field in ("address_sid", "emergency_address_sid"):
            if number.get(field) == record["sid"]:
                number[field] = None
    call.world.save()
    return no_content()


def _apply_flags(params: Params, record: Record) -> None:
    emergency = params.boolean("EmergencyEnabled")
    if emergency is not None:
        record["emergency_enabled"] = emergency
    params.boolean("AutoCorrectAddress")  # accepted and validated; the sandbox never rewrites


def _check_country(code: str) -> None:
    if len(code) != 2 or not code.isalpha():
        raise errors.invalid("IsoCountry", "must be an ISO 3166-1 alpha-2 country code")
