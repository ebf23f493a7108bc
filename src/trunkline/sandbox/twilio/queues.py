"""Queues: call queues with a friendly name and a maximum size (1 to 5000, default 100).

The sandbox runs no TwiML, so no call ever waits in a queue: ``current_size`` and
``average_wait_time`` stay 0.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from trunkline.sandbox.twilio import errors
from trunkline.sandbox.twilio.api import ApiCall, endpoint, json_response, no_content
from trunkline.sandbox.twilio.pagination import page_of
from trunkline.sandbox.twilio.serialize import ROOT, public, resource_uri, stamp
from trunkline.sandbox.twilio.world import World

Record = dict[str, Any]
COLLECTION = "Queues"
MAX_NAME = 64


def queue_record(
    account_sid: str, sid: str, name: str, created: datetime, max_size: int = 100
) -> Record:
    record: Record = {
        "account_sid": account_sid,
        "average_wait_time": 0,
        "current_size": 0,
        "friendly_name": name,
        "max_size": max_size,
        "sid": sid,
        "uri": resource_uri(account_sid, COLLECTION, sid),
    }
    stamp(record, "date_created", created)
    stamp(record, "date_updated", created)
    return record


def routes(world: World) -> list[Route]:
    base = f"{ROOT}/Accounts/{{account_sid}}/{COLLECTION}"
    return [
        Route(f"{base}.json", endpoint(world, list_queues), methods=["GET"]),
        Route(f"{base}.json", endpoint(world, create_queue), methods=["POST"]),
        Route(f"{base}/{{sid}}.json", endpoint(world, fetch_queue), methods=["GET"]),
        Route(f"{base}/{{sid}}.json", endpoint(world, update_queue), methods=["POST"]),
        Route(f"{base}/{{sid}}.json", endpoint(world, delete_queue), methods=["DELETE"]),
    ]


async def list_queues(call: ApiCall) -> Response:
    found = sorted(
        call.world.records("queues", call.account_sid),
        key=lambda q: (q["_date_created"], q["sid"]),
    )
    return json_response(page_of(call.params, found, "queues", call.path))


async def create_queue(call: ApiCall) -> Response:
    name = _name(call.params.required("FriendlyName"))
    size = call.params.integer("MaxSize", 1, 5000) or 100
    sid = call.world.new_sid("QU")
    record = queue_record(call.account_sid, sid, name, call.world.now(), size)
    call.world.table("queues")[sid] = record
    call.world.save()
    return json_response(public(record), 201)


async def fetch_queue(call: ApiCall) -> Response:
    record = call.world.owned("queues", call.account_sid, call.arg("sid"), call.path)
    return json_response(public(record))


async def update_queue(call: ApiCall) -> Response:
    record = call.world.owned("queues", call.account_sid, call.arg("sid"), call.path)
    name = call.params.text("FriendlyName")
    if name is not None:
        record["friendly_name"] = _name(name)
    size = call.params.integer("MaxSize", 1, 5000)
    if size is not None:
        record["max_size"] = size
    stamp(record, "date_updated", call.world.now())
    call.world.save()
    return json_response(public(record))


async def delete_queue(call: ApiCall) -> Response:
    record = call.world.owned("queues", call.account_sid, call.arg("sid"), call.path)
    del call.world.table("queues")[record["sid"]]
    call.world.save()
    return no_content()


def _name(name: str) -> str:
    if not name.strip() or len(name) > MAX_NAME:
        raise errors.invalid("FriendlyName", f"must be 1 to {MAX_NAME} characters")
    return name
