"""What Twilio logs about calls: a call's Events (the requests made to the app's URLs about it)
and Notifications (errors and warnings, for the call and for the account).

Events list every status callback and TwiML request the sandbox sent for the call, in order;
responses are not recorded (``response`` is null). The sandbox raises no notifications: those
lists are valid and empty, and fetching one is a 404.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from trunkline.sandbox.twilio import errors
from trunkline.sandbox.twilio.api import ApiCall, endpoint, json_response
from trunkline.sandbox.twilio.pagination import page_of
from trunkline.sandbox.twilio.serialize import ROOT
from trunkline.sandbox.twilio.world import World


def routes(world: World) -> list[Route]:
    account = f"{ROOT}/Accounts/{{account_sid}}"
    call = f"{account}/Calls/{{call_sid}}"
    return [
        Route(f"{call}/Events.json", endpoint(world, list_events), methods=["GET"]),
        Route(f"{call}/Notifications.json", endpoint(world, list_notifications), methods=["GET"]),
        Route(
            f"{call}/Notifications/{{sid}}.json",
            endpoint(world, fetch_notification),
            methods=["GET"],
        ),
        Route(
            f"{account}/Notifications.json", endpoint(world, list_notifications), methods=["GET"]
        ),
        Route(
            f"{account}/Notifications/{{sid}}.json",
            endpoint(world, fetch_notification),
            methods=["GET"],
        ),
    ]


def _call(call: ApiCall) -> dict[str, Any]:
    return call.world.owned("calls", call.account_sid, call.arg("call_sid"), call.path)


async def list_events(call: ApiCall) -> Response:
    record = _call(call)
    found = list(record.get("_requests") or [])
    return json_response(page_of(call.params, found, "events", call.path, "_n"))


async def list_notifications(call: ApiCall) -> Response:
    if "call_sid" in call.request.path_params:
        _call(call)
    log = call.params.integer("Log", 0, 1)  # 0 errors, 1 warnings: both lists are empty here
    del log
    for name in ("MessageDate", "MessageDate<", "MessageDate>"):
        call.params.moment(name)
    return json_response(page_of(call.params, [], "notifications", call.path))


async def fetch_notification(call: ApiCall) -> Response:
    if "call_sid" in call.request.path_params:
        _call(call)
    raise errors.not_found(call.path)
