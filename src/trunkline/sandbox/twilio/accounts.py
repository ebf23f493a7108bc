"""Accounts: the main account and its subaccounts (list, fetch, update, create subaccounts).

A main account sees itself and its subaccounts; a subaccount sees only itself. Subaccounts are
created by the main account's own credentials (API keys cannot manage accounts). ``closed`` is
final: a closed account's credentials stop working.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from trunkline.sandbox.twilio import errors, filters
from trunkline.sandbox.twilio.api import ApiCall, endpoint, json_response
from trunkline.sandbox.twilio.pagination import page_of
from trunkline.sandbox.twilio.serialize import ROOT, account_uri, public, stamp
from trunkline.sandbox.twilio.world import World

Record = dict[str, Any]
STATUSES = ("active", "suspended", "closed")
SUBRESOURCES = (
    ("addresses", "Addresses"),
    ("conferences", "Conferences"),
    ("signing_keys", "SigningKeys"),
    ("transcriptions", "Transcriptions"),
    ("connect_apps", "ConnectApps"),
    ("sip", "SIP"),
    ("authorized_connect_apps", "AuthorizedConnectApps"),
    ("usage", "Usage"),
    ("keys", "Keys"),
    ("applications", "Applications"),
    ("recordings", "Recordings"),
    ("short_codes", "SMS/ShortCodes"),
    ("calls", "Calls"),
    ("notifications", "Notifications"),
    ("incoming_phone_numbers", "IncomingPhoneNumbers"),
    ("queues", "Queues"),
    ("messages", "Messages"),
    ("outgoing_caller_ids", "OutgoingCallerIds"),
    ("available_phone_numbers", "AvailablePhoneNumbers"),
    ("balance", "Balance"),
)


def account_record(
    sid: str, token: str, name: str, owner_sid: str, created: datetime, kind: str = "Full"
) -> Record:
    record: Record = {
        "auth_token": token,
        "friendly_name": name,
        "owner_account_sid": owner_sid,
        "sid": sid,
        "status": "active",
        "subresource_uris": {key: account_uri(sid, f"/{path}.json") for key, path in SUBRESOURCES},
        "type": kind,
        "uri": account_uri(sid, ".json"),
    }
    stamp(record, "date_created", created)
    stamp(record, "date_updated", created)
    return record


def routes(world: World) -> list[Route]:
    return [
        Route(f"{ROOT}/Accounts.json", endpoint(world, list_accounts), methods=["GET"]),
        Route(f"{ROOT}/Accounts.json", endpoint(world, create_account), methods=["POST"]),
        Route(f"{ROOT}/Accounts/{{sid}}.json", endpoint(world, fetch_account), methods=["GET"]),
        Route(f"{ROOT}/Accounts/{{sid}}.json", endpoint(world, update_account), methods=["POST"]),
    ]


def visible_accounts(call: ApiCall) -> list[Record]:
    me = call.principal.account_sid
    return [
        a
        for a in call.world.table("accounts").values()
        if a["sid"] == me or a["owner_account_sid"] == me
    ]


async def list_accounts(call: ApiCall) -> Response:
    found = sorted(visible_accounts(call), key=lambda a: (a["_date_created"], a["sid"]))
    predicates = filters.equals(call.params, "FriendlyName", "friendly_name")
    predicates += filters.equals(call.params, "Status", "status")
    page = page_of(call.params, filters.apply(found, predicates), "accounts", call.path)
    return json_response(page)


async def create_account(call: ApiCall) -> Response:
    _require_main_credentials(call)
    now = call.world.now()
    default_name = "SubAccount Created at " + now.strftime("%Y-%m-%d %I:%M %p").lower()
    sid = call.world.new_sid("AC")
    record = account_record(
        sid,
        call.world.ids.hex(32),
        call.params.text("FriendlyName") or default_name,
        call.principal.account_sid,
        now,
        call.world.table("accounts")[call.principal.account_sid]["type"],
    )
    call.world.table("accounts")[sid] = record
    call.world.save()
    return json_response(public(record), 201)


async def fetch_account(call: ApiCall) -> Response:
    return json_response(public(_visible(call)))


async def update_account(call: ApiCall) -> Response:
    if call.principal.via_key:
        raise errors.authenticate()
    record = _visible(call)
    status = call.params.text("Status")
    if status is not None:
        _change_status(call, record, status)
    name = call.params.text("FriendlyName")
    if name is not None:
        record["friendly_name"] = name
    stamp(record, "date_updated", call.world.now())
    call.world.save()
    return json_response(public(record))


def _change_status(call: ApiCall, record: Record, status: str) -> None:
    if status not in STATUSES:
        raise errors.invalid("Status", "must be one of active, suspended, closed")
    if record["sid"] == record["owner_account_sid"]:
        raise errors.TwilioError(403, 20003, "The main account's status cannot be changed")
    if record["status"] == "closed" and status != "closed":
        raise errors.TwilioError(400, 20001, "A closed account cannot be reopened")
    record["status"] = status


def _visible(call: ApiCall) -> Record:
    sid = call.arg("sid")
    if sid not in {a["sid"] for a in visible_accounts(call)}:
        raise errors.not_found(call.path)
    return call.world.table("accounts")[sid]


def _require_main_credentials(call: ApiCall) -> None:
    if call.principal.via_key:
        raise errors.authenticate()
    if call.principal.account_sid != call.principal.root_sid:
        raise errors.TwilioError(403, 20003, "Subaccounts cannot create subaccounts")
