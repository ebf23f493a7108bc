"""Queues: call queues with a friendly name and a maximum size (1 to 5000, default 100).

The sandbox runs no TwiML ``<Enqueue>``: ``POST /_sandbox/queues/{sid}/members`` puts an
answered call in a queue instead. Members are listed in arrival order (``Front`` is the first);
dequeuing one (``Url``) redirects its call there; a caller who hangs up leaves the queue.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from trunkline.sandbox.twilio import errors, voice
from trunkline.sandbox.twilio.api import ApiCall, endpoint, json_response
from trunkline.sandbox.twilio.pagination import page_of
from trunkline.sandbox.twilio.resources import simple_routes
from trunkline.sandbox.twilio.serialize import (
    ROOT,
    account_uri,
    moment_of,
    public,
    resource_uri,
    stamp,
)
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


def member_routes(world: World) -> list[Route]:
    base = f"{ROOT}/Accounts/{{account_sid}}/Queues/{{queue_sid}}/Members"
    return [
        Route(f"{base}.json", endpoint(world, list_members), methods=["GET"]),
        Route(f"{base}/{{call_sid}}.json", endpoint(world, fetch_member), methods=["GET"]),
        Route(f"{base}/{{call_sid}}.json", endpoint(world, dequeue_member), methods=["POST"]),
    ]


def enqueue(world: World, queue: Record, call: Record) -> Record:
    """Put an answered call in ``queue`` (the sandbox's stand-in for TwiML ``<Enqueue>``)."""
    member: Record = {
        "account_sid": queue["account_sid"],
        "call_sid": call["sid"],
        "queue_sid": queue["sid"],
        "uri": account_uri(
            queue["account_sid"], f"/Queues/{queue['sid']}/Members/{call['sid']}.json"
        ),
    }
    stamp(member, "date_enqueued", world.now())
    world.table("members")[call["sid"]] = member
    _resize(world, queue)
    return member


def _resize(world: World, queue: Record) -> None:
    members = _members(world, queue["sid"])
    queue["current_size"] = len(members)
    waits = [_wait(world, m) for m in members]
    queue["average_wait_time"] = sum(waits) // len(waits) if waits else 0
    world.save()


def _members(world: World, queue_sid: str) -> list[Record]:
    found = [m for m in world.table("members").values() if m["queue_sid"] == queue_sid]
    return sorted(found, key=lambda m: (m["_date_enqueued"], m["call_sid"]))


def _wait(world: World, member: Record) -> int:
    since = moment_of(member, "date_enqueued")
    return int((world.now() - since).total_seconds() * world.config.speed) if since else 0


def member_view(world: World, member: Record, position: int) -> Record:
    return {**public(member), "position": position, "wait_time": _wait(world, member)}


def _queue(call: ApiCall) -> Record:
    return call.world.owned("queues", call.account_sid, call.arg("queue_sid"), call.path)


async def list_members(call: ApiCall) -> Response:
    members = _members(call.world, _queue(call)["sid"])
    shown = [member_view(call.world, m, i + 1) for i, m in enumerate(members)]
    return json_response(page_of(call.params, shown, "queue_members", call.path, "call_sid"))


def _member(call: ApiCall) -> tuple[Record, int]:
    """The member named by CallSid, or ``Front`` for the one waiting longest."""
    members = _members(call.world, _queue(call)["sid"])
    key = call.arg("call_sid")
    for index, member in enumerate(members):
        if key == member["call_sid"] or (key == "Front" and index == 0):
            return member, index + 1
    raise errors.not_found(call.path)


async def fetch_member(call: ApiCall) -> Response:
    member, position = _member(call)
    return json_response(member_view(call.world, member, position))


async def dequeue_member(call: ApiCall) -> Response:
    member, position = _member(call)
    url = call.params.url("Url")
    if not url:
        raise errors.missing("Url")
    method = call.params.method("Method") or "POST"
    shown = member_view(call.world, member, position)
    leave(call.world, member)
    leg = call.world.table("calls").get(member["call_sid"])
    if leg is not None and leg["status"] == "in-progress":
        voice.redirect(call.world, leg, url, method)
    return json_response(shown)


def leave(world: World, member: Record) -> None:
    world.table("members").pop(member["call_sid"], None)
    queue = world.table("queues").get(member["queue_sid"])
    if queue is not None:
        _resize(world, queue)


def on_call(world: World, call: Record, event: str) -> None:
    """A caller who hangs up leaves the queue."""
    member = world.table("members").get(call["sid"])
    if event == "ended" and member is not None:
        leave(world, member)
