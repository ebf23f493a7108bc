"""Message Media: the files of an MMS (``MediaUrl`` on send, or the media of an inbound one).

Each file is a ``ME…`` resource under its message; fetching it without ``.json`` redirects to
the file itself. Media can be deleted once the message is final; deleting the message deletes
its media. ``num_media`` on the message keeps counting what was sent, as on Twilio.
"""

from __future__ import annotations

import mimetypes
from typing import Any

from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from trunkline.sandbox.twilio import errors, filters
from trunkline.sandbox.twilio.api import ApiCall, endpoint, json_response, no_content
from trunkline.sandbox.twilio.messaging import FINAL
from trunkline.sandbox.twilio.pagination import page_of
from trunkline.sandbox.twilio.serialize import ROOT, account_uri, public, stamp
from trunkline.sandbox.twilio.world import World

Record = dict[str, Any]


def routes(world: World) -> list[Route]:
    base = f"{ROOT}/Accounts/{{account_sid}}/Messages/{{message_sid}}/Media"
    return [
        Route(f"{base}.json", endpoint(world, list_media), methods=["GET"]),
        Route(f"{base}/{{sid}}.json", endpoint(world, fetch_media), methods=["GET"]),
        Route(f"{base}/{{sid}}.json", endpoint(world, delete_media), methods=["DELETE"]),
        Route(f"{base}/{{sid}}", endpoint(world, media_content), methods=["GET"]),
    ]


def attach(world: World, message: Record, urls: list[str]) -> None:
    """Create the media resources of ``message`` (its ``MediaUrl`` list)."""
    created = world.now()
    for url in urls:
        sid = world.new_sid("ME")
        tail = f"/Messages/{message['sid']}/Media/{sid}.json"
        record: Record = {
            "account_sid": message["account_sid"],
            "content_type": mimetypes.guess_type(url.split("?")[0])[0]
            or "application/octet-stream",
            "parent_sid": message["sid"],
            "sid": sid,
            "uri": account_uri(message["account_sid"], tail),
            "_url": url,
        }
        stamp(record, "date_created", created)
        stamp(record, "date_updated", created)
        world.table("media")[sid] = record


def detach_all(world: World, message_sid: str) -> None:
    table = world.table("media")
    for sid in [s for s, m in table.items() if m["parent_sid"] == message_sid]:
        del table[sid]


def _message(call: ApiCall) -> Record:
    return call.world.owned("messages", call.account_sid, call.arg("message_sid"), call.path)


def _of(call: ApiCall, message: Record) -> list[Record]:
    return [m for m in call.world.table("media").values() if m["parent_sid"] == message["sid"]]


async def list_media(call: ApiCall) -> Response:
    found = sorted(_of(call, _message(call)), key=lambda m: (m["_date_created"], m["sid"]))
    predicates = filters.date_range(call.params, "DateCreated", "_date_created")
    page = page_of(call.params, filters.apply(found, predicates), "media_list", call.path)
    return json_response(page)


def _find(call: ApiCall) -> Record:
    message = _message(call)
    for record in _of(call, message):
        if record["sid"] == call.arg("sid"):
            return record
    raise errors.not_found(call.path)


async def fetch_media(call: ApiCall) -> Response:
    return json_response(public(_find(call)))


async def media_content(call: ApiCall) -> Response:
    return RedirectResponse(str(_find(call)["_url"]), status_code=302)


async def delete_media(call: ApiCall) -> Response:
    record = _find(call)
    if _message(call)["status"] not in FINAL:
        raise errors.not_complete("media")
    del call.world.table("media")[record["sid"]]
    call.world.save()
    return no_content()
