"""Tasks: create one on a conversation, get it, clear its due date, delete it.

A task takes its number, number group and latest activity from its conversation. ``revision``
starts at 1 and grows with every change. Deleting keeps the task with ``status: "deleted"``
(the documented status enum has it), so a GET still shows it, while changing or deleting it
again answers 404.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from trunkline.sandbox.quo import lookup
from trunkline.sandbox.quo.dated import events
from trunkline.sandbox.quo.dated.errors import bad_value, not_found
from trunkline.sandbox.quo.dated.params import json_body, path_id, pattern_error, string_field
from trunkline.sandbox.quo.endpoint import Call, data
from trunkline.sandbox.quo.timefmt import now_stamp, stamp
from trunkline.sandbox.quo.validation import parse_datetime

Doc = dict[str, Any]

TASK_GONE = "The task was not found"
FIELDS = (
    "taskId", "orgId", "createdBy", "createdAt", "status", "revision", "phoneNumberId",
    "conversationId", "activityId", "phoneNumberGroupId", "title", "description", "dueDate",
    "assignedTo", "assignedBy",
)  # fmt: skip


def view(doc: Doc) -> Doc:
    return {name: doc[name] for name in FIELDS}


def _result(doc: Doc, status: int = 200) -> Response:
    return data({"taskId": doc["taskId"], "revision": doc["revision"]}, status)


async def create_task(call: Call) -> Response:
    world, org = call.world, call.org
    allowed = ("title", "description", "conversationId", "dueDate", "assignedTo")
    body = await json_body(call.request, allowed)
    title = string_field(body, "title", required=True, nullable=False)
    description = string_field(body, "description", required=True, nullable=False)
    convo_id = string_field(body, "conversationId", required=True, nullable=False)
    assert convo_id is not None
    if not convo_id.startswith("CN"):
        raise pattern_error("/body/conversationId", "^CN(.*)$", convo_id)
    due = string_field(body, "dueDate", nullable=False)
    due_at = parse_datetime(due) if due is not None else None
    if due is not None and due_at is None:
        raise bad_value("/body/dueDate", "Expected date-time", due)
    assignee = string_field(body, "assignedTo", nullable=False)
    if assignee is not None:
        if not assignee.startswith("US"):
            raise pattern_error("/body/assignedTo", "^US(.*)$", assignee)
        lookup.require_user(world, org, assignee)
    convo = world.find("conversations", org, convo_id)
    if convo is None:
        raise not_found("Conversation not found")
    phone = world.table("phoneNumbers").get(convo["phoneNumberId"]) or {}
    doc = {
        "taskId": world.new_id("TK"),
        "orgId": org["id"],
        "createdBy": org["ownerId"],
        "createdAt": now_stamp(),
        "status": "open",
        "revision": 1,
        "phoneNumberId": convo["phoneNumberId"],
        "conversationId": convo["id"],
        "activityId": convo["lastActivityId"],
        "phoneNumberGroupId": phone.get("groupId"),
        "title": title,
        "description": description,
        "dueDate": stamp(due_at) if due_at is not None else None,
        "assignedTo": assignee,
        "assignedBy": org["ownerId"] if assignee else None,
    }
    world.table("tasks")[doc["taskId"]] = doc
    world.save()
    created = {"title": title, "description": description, "dueDate": doc["dueDate"]}
    events.task(world, doc, "task.created", created)
    if assignee is not None:
        events.task(world, doc, "task.assigned", {"assignedTo": assignee})
    return _result(doc, 201)


def _task(call: Call, *, live: bool) -> Doc:
    doc = call.world.table("tasks").get(path_id(call.request, "taskId", "TK"))
    if doc is None or doc["orgId"] != call.org["id"] or (live and doc["status"] == "deleted"):
        raise not_found(TASK_GONE)
    return doc


async def get_task(call: Call) -> Response:
    return data(view(_task(call, live=False)))


async def delete_task(call: Call) -> Response:
    doc = _task(call, live=True)
    doc.update(status="deleted", revision=doc["revision"] + 1)
    call.world.save()
    events.task(call.world, doc, "task.deleted")
    return Response(status_code=204)


async def delete_due_date(call: Call) -> Response:
    doc = _task(call, live=True)
    if doc["dueDate"] is not None:
        doc.update(dueDate=None, revision=doc["revision"] + 1)
        call.world.save()
        events.task(call.world, doc, "task.duedate.removed")
    return _result(doc)
