"""Calls and what they leave behind: list and get calls, recordings, summaries, transcripts and
voicemails. Calls themselves are made by the outside world (see ``control``)."""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse, Response

from trunkline.sandbox.quo import calllife, lookup
from trunkline.sandbox.quo.endpoint import Call, data
from trunkline.sandbox.quo.errors import QuoError, bad_request, not_found
from trunkline.sandbox.quo.pagination import page_body, paginate
from trunkline.sandbox.quo.validation import (
    is_e164,
    query_datetime,
    query_int,
    query_list,
    query_prefixed,
    require_prefix,
)

Doc = dict[str, Any]


def _participant(values: list[str]) -> str:
    if not values:
        raise bad_request("/query/participants", "participants must not be empty", [], "array")
    if len(values) > 1:
        message = "Only one participant is supported (1:1 conversations)"
        raise QuoError(400, message, named=True)
    if not is_e164(values[0]):
        message = "participants must be E.164 phone numbers"
        raise bad_request("/query/participants/0", message, values[0])
    return values[0]


async def list_calls(call: Call) -> Response:
    query, world, org = call.query, call.world, call.org
    phone_id = query_prefixed(query, "phoneNumberId", "PN", required=True)
    customer = _participant(query_list(query, "participants"))
    max_results = query_int(query, "maxResults", low=1, high=100)
    user_id = query_prefixed(query, "userId", "US", required=False)
    after = query_datetime(query, "createdAfter")
    before = query_datetime(query, "createdBefore") or query_datetime(query, "since")
    assert phone_id is not None
    phone = lookup.require_phone_number(world, org, phone_id)
    if user_id is not None:
        lookup.acting_user(world, org, phone, user_id)
    found = [
        doc
        for doc in world.of_org("calls", org)
        if doc["phoneNumberId"] == phone["id"]
        and doc["participants"] == [customer]
        and (user_id is None or doc["userId"] == user_id)
        and (after is None or doc["createdAt"] > after)
        and (before is None or doc["createdAt"] < before)
    ]
    page, total, token = paginate(found, max_results, query.get("pageToken"))
    return JSONResponse(page_body([calllife.public(d) for d in page], total, token))


def _call(call: Call, name: str) -> Doc:
    call_id = call.path(name)
    require_prefix(call_id, "AC", name)
    doc = call.world.find("calls", call.org, call_id)
    if doc is None:
        raise not_found("Call")
    return doc


async def get_call(call: Call) -> Response:
    return data(calllife.public(_call(call, "callId")))


async def get_recordings(call: Call) -> Response:
    doc = _call(call, "callId")
    found = [r for r in call.world.table("recordings").values() if r["callId"] == doc["id"]]
    found.sort(key=lambda r: (r["startTime"] or "", r["id"]))
    return data([_recording(call, r) for r in found])


def _recording(call: Call, rec: Doc) -> Doc:
    ready = rec["status"] == "completed"
    return {
        "duration": rec["duration"] if ready else None,
        "id": rec["id"],
        "startTime": rec["startTime"],
        "status": rec["status"],
        "type": rec["type"],
        "url": calllife.media_url(call.base_url, rec) if ready else None,
    }


async def get_summary(call: Call) -> Response:
    doc = _call(call, "callId")
    item = call.world.table("summaries").get(doc["id"])
    if item is None:
        raise not_found(f"Call Summary with ID {doc['id']}")
    body = {k: item[k] for k in ("callId", "nextSteps", "status", "summary")}
    return data(body)


async def get_transcript(call: Call) -> Response:
    doc = _call(call, "id")
    item = call.world.table("transcripts").get(doc["id"])
    if item is None:
        raise not_found(f"Call Transcript with ID {doc['id']}")
    body = {k: item[k] for k in ("callId", "createdAt", "dialogue", "duration", "status")}
    return data(body)


async def get_voicemail(call: Call) -> Response:
    doc = _call(call, "callId")
    vm = call.world.table("voicemails").get(doc["id"])
    if vm is None:
        raise not_found(f"Voicemail for call {doc['id']}")
    ready = vm["status"] == "completed"
    return data(
        {
            "duration": vm["duration"] if ready else None,
            "id": vm["id"],
            "transcript": vm["transcript"],
            "recordingUrl": calllife.media_url(call.base_url, vm) if ready else None,
            "status": vm["status"],
        }
    )
