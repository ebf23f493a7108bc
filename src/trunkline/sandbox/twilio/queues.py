"""Queues: call queues with a friendly name and a maximum size (1 to 5000, default 100).

The sandbox runs no TwiML, so no call ever waits in a queue: ``current_size`` and
``average_wait_time`` stay 0.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from starlette.routing import Route

from trunkline.sandbox.twilio import errors
from trunkline.sandbox.twilio.api import ApiCall
from trunkline.sandbox.twilio.resources import simple_routes
from trunkline.sandbox.twilio.serialize import resource_uri, stamp
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
    return simple_routes(world, COLLECTION, "queues", create=_create, update=_update)


def _create(call: ApiCall) -> Record:
    name = _name(call.params.required("FriendlyName"))
    size = call.params.integer("MaxSize", 1, 5000) or 100
    sid = call.world.new_sid("QU")
    return queue_record(call.account_sid, sid, name, call.world.now(), size)


def _update(call: ApiCall, record: Record) -> None:
    name = call.params.text("FriendlyName")
    if name is not None:
        record["friendly_name"] = _name(name)
    size = call.params.integer("MaxSize", 1, 5000)
    if size is not None:
        record["max_size"] = size


def _name(name: str) -> str:
    if not name.strip() or len(name) > MAX_NAME:
        raise errors.invalid("FriendlyName", f"must be 1 to {MAX_NAME} characters")
    return name
