"""A number's AssignedAddOns (and their Extensions).

The sandbox has no Marketplace: assigning any well-formed installed Add-on SID (``XB`` + 32 hex)
records the assignment, which lists, fetches and deletes like Twilio's; it has no Extensions
(an empty list). Deleting the number drops its assignments.
"""

from __future__ import annotations

import re
from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from trunkline.sandbox.twilio import errors
from trunkline.sandbox.twilio.api import ApiCall, endpoint, json_response, no_content
from trunkline.sandbox.twilio.pagination import page_of
from trunkline.sandbox.twilio.serialize import ROOT, account_uri, public, stamp
from trunkline.sandbox.twilio.world import World

Record = dict[str, Any]
INSTALLED = re.compile(r"^XB[0-9a-fA-F]{32}$")


def routes(world: World) -> list[Route]:
    base = f"{ROOT}/Accounts/{{account_sid}}/IncomingPhoneNumbers/{{number_sid}}/AssignedAddOns"
    ext = f"{base}/{{sid}}/Extensions"
    return [
        Route(f"{base}.json", endpoint(world, list_assigned), methods=["GET"]),
        Route(f"{base}.json", endpoint(world, assign), methods=["POST"]),
        Route(f"{base}/{{sid}}.json", endpoint(world, fetch_assigned), methods=["GET"]),
        Route(f"{base}/{{sid}}.json", endpoint(world, unassign), methods=["DELETE"]),
        Route(f"{ext}.json", endpoint(world, list_extensions), methods=["GET"]),
        Route(f"{ext}/{{extension_sid}}.json", endpoint(world, fetch_extension), methods=["GET"]),
    ]


def _number(call: ApiCall) -> Record:
    return call.world.owned("numbers", call.account_sid, call.arg("number_sid"), call.path)


def _assigned(call: ApiCall) -> list[Record]:
    number = _number(call)
    table = call.world.table("addons")
    return sorted(
        (a for a in table.values() if a["resource_sid"] == number["sid"]),
        key=lambda a: (a["_date_created"], a["sid"]),
    )


async def list_assigned(call: ApiCall) -> Response:
    return json_response(page_of(call.params, _assigned(call), "assigned_add_ons", call.path))


async def assign(call: ApiCall) -> Response:
    number = _number(call)
    installed = call.params.required("InstalledAddOnSid")
    if not INSTALLED.match(installed):
        raise errors.invalid("InstalledAddOnSid", "is not an installed Add-on SID")
    sid = call.world.new_sid("XE")
    uri = account_uri(
        call.account_sid, f"/IncomingPhoneNumbers/{number['sid']}/AssignedAddOns/{sid}.json"
    )
    record: Record = {
        "account_sid": call.account_sid,
        "configuration": {},
        "description": "Sandbox Add-on",
        "friendly_name": "Sandbox Add-on",
        "resource_sid": number["sid"],
        "sid": sid,
        "subresource_uris": {"extensions": uri.replace(".json", "/Extensions.json")},
        "unique_name": installed.lower(),
        "uri": uri,
    }
    stamp(record, "date_created", call.world.now())
    stamp(record, "date_updated", call.world.now())
    call.world.table("addons")[sid] = record
    call.world.save()
    return json_response(public(record), 201)


def _find(call: ApiCall) -> Record:
    for record in _assigned(call):
        if record["sid"] == call.arg("sid"):
            return record
    raise errors.not_found(call.path)


async def fetch_assigned(call: ApiCall) -> Response:
    return json_response(public(_find(call)))


async def unassign(call: ApiCall) -> Response:
    record = _find(call)
    del call.world.table("addons")[record["sid"]]
    call.world.save()
    return no_content()


async def list_extensions(call: ApiCall) -> Response:
    _find(call)
    return json_response(page_of(call.params, [], "extensions", call.path))


async def fetch_extension(call: ApiCall) -> Response:
    _find(call)
    raise errors.not_found(call.path)
