"""IncomingPhoneNumbers: the account's numbers, their SMS/voice URLs and applications.

Buying a number (``PhoneNumber`` or ``AreaCode``) always succeeds for numbers no account in the
sandbox owns yet; ``Local``/``Mobile``/``TollFree`` list and buy by type. ``AccountSid`` on update
moves a number between a main account and its subaccounts, as Twilio allows.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from trunkline.sandbox.twilio import errors, filters, phones
from trunkline.sandbox.twilio.api import ApiCall, endpoint, json_response
from trunkline.sandbox.twilio.forms import Params
from trunkline.sandbox.twilio.resources import account_routes, deleted, listing, owned, updated
from trunkline.sandbox.twilio.serialize import ROOT, public, resource_uri, stamp
from trunkline.sandbox.twilio.settings import apply_settings, check_references
from trunkline.sandbox.twilio.world import World

Record = dict[str, Any]
COLLECTION = "IncomingPhoneNumbers"
KINDS = {"Local": "local", "Mobile": "mobile", "TollFree": "tollfree"}


def number_record(
    account_sid: str, sid: str, phone: str, name: str | None, created: datetime, kind: str
) -> Record:
    record: Record = {
        "account_sid": account_sid,
        "address_requirements": "none",
        "address_sid": None,
        "api_version": "2010-04-01",
        "beta": False,
        "bundle_sid": None,
        "capabilities": {"fax": False, "mms": True, "sms": True, "voice": True},
        "emergency_address_sid": None,
        "emergency_address_status": "unregistered",
        "emergency_status": "Inactive",
        "friendly_name": name or phones.national(phone),
        "identity_sid": None,
        "origin": "twilio",
        "phone_number": phone,
        "sid": sid,
        "sms_application_sid": None,
        "sms_fallback_method": "POST",
        "sms_fallback_url": "",
        "sms_method": "POST",
        "sms_url": "",
        "status": "in-use",
        "status_callback": "",
        "status_callback_method": "POST",
        "subresource_uris": {
            "assigned_add_ons": resource_uri(account_sid, COLLECTION, sid).replace(
                ".json", "/AssignedAddOns.json"
            )
        },
        "trunk_sid": None,
        "type": kind,
        "uri": resource_uri(account_sid, COLLECTION, sid),
        "voice_application_sid": None,
        "voice_caller_id_lookup": False,
        "voice_fallback_method": "POST",
        "voice_fallback_url": "",
        "voice_method": "POST",
        "voice_receive_mode": "voice",
        "voice_url": "",
    }
    stamp(record, "date_created", created)
    stamp(record, "date_updated", created)
    return record


def routes(world: World) -> list[Route]:
    base = f"{ROOT}/Accounts/{{account_sid}}/{COLLECTION}"
    table = []
    for path_kind in KINDS:
        table += [
            Route(f"{base}/{path_kind}.json", endpoint(world, list_numbers), methods=["GET"]),
            Route(f"{base}/{path_kind}.json", endpoint(world, create_number), methods=["POST"]),
        ]
    handlers = (list_numbers, create_number, fetch_number, update_number, delete_number)
    return [*table, *account_routes(world, COLLECTION, *handlers)]


def _path_kind(call: ApiCall) -> str | None:
    tail = call.path.rsplit("/", 1)[-1].removesuffix(".json")
    return KINDS.get(tail)


async def list_numbers(call: ApiCall) -> Response:
    predicates = filters.equals(call.params, "FriendlyName", "friendly_name")
    kind = _path_kind(call)
    if kind is not None:
        predicates.append(lambda n: n["type"] == kind)
    pattern = call.params.get("PhoneNumber")
    if pattern:
        predicates.append(lambda n: _matches(pattern, n["phone_number"]))
    return listing(call, "numbers", predicates, key="incoming_phone_numbers")


def _matches(pattern: str, phone: str) -> bool:
    """Twilio matches partial numbers; ``*`` stands for any one character."""
    digits = pattern.strip().lstrip("+")
    for start in range(len(phone) - len(digits) + 1):
        window = phone[start : start + len(digits)]
        if all(p in ("*", c) for p, c in zip(digits, window, strict=True)):
            return True
    return False


async def create_number(call: ApiCall) -> Response:
    kind = _path_kind(call)
    phone = _chosen_number(call, kind)
    check_references(call, call.account_sid)
    sid = call.world.new_sid("PN")
    now = call.world.now()
    record = number_record(
        call.account_sid, sid, phone, None, now, kind or phones.number_type(phone)
    )
    apply_settings(call.params, record)
    call.world.table("numbers")[sid] = record
    call.world.save()
    return json_response(public(record), 201)


def _chosen_number(call: ApiCall, kind: str | None) -> str:
    raw = call.params.get("PhoneNumber")
    if raw:
        phone = phones.normalize(raw)
        if phone is None:
            raise errors.TwilioError(400, 21421, f"PhoneNumber {raw} is invalid")
        if kind is not None and (kind == "tollfree") != (phones.number_type(phone) == "tollfree"):
            raise errors.TwilioError(400, 21421, f"PhoneNumber {raw} is not a {kind} number")
        if call.world.numbers_by_phone(phone) is not None:
            raise errors.TwilioError(400, 21422, f"PhoneNumber {phone} is not available")
        return phone
    if kind is not None:
        raise errors.missing("PhoneNumber")
    area = call.params.get("AreaCode")
    if not area:
        raise errors.TwilioError(400, 21421, "PhoneNumber or AreaCode is required")
    return _free_number_in(call, area)


def _free_number_in(call: ApiCall, area: str) -> str:
    if len(area) != 3 or not area.isdigit() or area[0] in "01":
        raise errors.TwilioError(400, 21452, f"No phone numbers found in area code {area}")
    for _ in range(200):
        phone = f"+1{area}555{call.world.ids.randint(200, 9999):04d}"
        if call.world.numbers_by_phone(phone) is None:
            return phone
    raise errors.TwilioError(400, 21452, f"No phone numbers found in area code {area}")


async def fetch_number(call: ApiCall) -> Response:
    return json_response(public(owned(call, "numbers")))


async def update_number(call: ApiCall) -> Response:
    record = owned(call, "numbers")
    new_owner = _transfer_target(call, call.params)
    check_references(call, new_owner or call.account_sid)
    apply_settings(call.params, record)
    if new_owner and new_owner != record["account_sid"]:
        record["account_sid"] = new_owner
        record["uri"] = resource_uri(new_owner, COLLECTION, record["sid"])
    return updated(call, record)


def _transfer_target(call: ApiCall, params: Params) -> str | None:
    target = params.get("AccountSid")
    if not target:
        return None
    account = call.world.account(target)
    if account is None or account["owner_account_sid"] != call.principal.account_sid:
        raise errors.invalid("AccountSid", "must be the main account or one of its subaccounts")
    return target


async def delete_number(call: ApiCall) -> Response:
    record = owned(call, "numbers")
    addons = call.world.table("addons")
    for sid in [s for s, a in addons.items() if a["resource_sid"] == record["sid"]]:
        del addons[sid]
    return deleted(call, "numbers", record)
