"""Calls: list (filters, dates, sorting, ``fields=``, offset or relative pages), fetch, update,
place outbound calls, and the recording, transcription and page-view sub-resources."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from starlette.responses import Response

from trunkline.sandbox.callrail import events, lifecycle, phones, tagging
from trunkline.sandbox.callrail.callfilter import select_calls, sort_calls
from trunkline.sandbox.callrail.callviews import DEFAULT_FIELDS, EXTRA_FIELDS, CallView
from trunkline.sandbox.callrail.errors import bad_request, not_found
from trunkline.sandbox.callrail.pagination import offset_page, relative_page
from trunkline.sandbox.callrail.params import body_bool, body_choice, body_strings, body_text
from trunkline.sandbox.callrail.routing import Ctx, reply
from trunkline.sandbox.callrail.world import Doc

MONEY = re.compile(r"^\$?\s*(\d+(?:\.\d{1,2})?)$")


def _view(ctx: Ctx) -> CallView:
    return CallView(ctx.world, ctx.base_url, ctx.account_id, ctx.zone())


def find_call(ctx: Ctx) -> Doc:
    call = ctx.world.find("calls", ctx.account_id, ctx.request.path_params["call_id"])
    if call["_spam"]:
        raise not_found()  # spam calls disappear from the API
    return call


async def list_calls(ctx: Ctx) -> Response:
    extra = ctx.query.fields(EXTRA_FIELDS, DEFAULT_FIELDS)
    calls = sort_calls(ctx, select_calls(ctx))
    if ctx.query.flag("relative_pagination"):

        def next_url(offset: int) -> str:
            url = ctx.request.url.include_query_params(offset=offset, relative_pagination="true")
            return str(url)

        page = relative_page(ctx.query, calls, "calls", next_url)
    else:
        page = offset_page(ctx.query, calls, "calls")
    view = _view(ctx)
    page["calls"] = [view.render(call, extra) for call in page["calls"]]
    return reply(page)


async def get_call(ctx: Ctx) -> Response:
    extra = ctx.query.fields(EXTRA_FIELDS, DEFAULT_FIELDS)
    return reply(_view(ctx).render(find_call(ctx), extra))


async def update_call(ctx: Ctx) -> Response:
    call = find_call(ctx)
    body = await ctx.body()
    changes = _apply_update(ctx, call, body)
    ctx.world.save()
    if changes and call["_state"] == "completed":
        events.emit_call(ctx.world, call, "modified", ctx.base_url, changes)
    return reply(_view(ctx).render(call, []))


def _apply_update(ctx: Ctx, call: Doc, body: dict[str, Any]) -> list[str]:
    changes: list[str] = []
    if body_bool(body, "spam") is False:
        raise bad_request("Spam status cannot be removed via the API")
    lead = body_choice(body, "lead_status", ("good_lead", "not_a_lead"))
    if lead == "good_lead" and call.get("lead_status") == "previously_marked_good_lead":
        raise bad_request("This caller has already been marked as a good lead")
    if "lead_status" in body:
        call["lead_status"] = lead
        changes.append("lead_status")
    for name in ("note", "customer_name"):
        if name in body:
            call[name] = body_text(body, name) or None
            changes.append(name)
    if "value" in body:
        call["value"] = parse_money(body.get("value"))
        changes.append("value")
    tags = body_strings(body, "tags")
    if tags is not None:
        call["tags"] = tagging.apply(ctx, call, tags, append=bool(body_bool(body, "append_tags")))
        changes.append("tags")
    if body_bool(body, "spam"):
        call["_spam"] = True
        changes.append("spam")
    return changes


def parse_money(raw: Any) -> str | None:
    if raw is None or raw == "":
        return None
    match = MONEY.match(str(raw).strip())
    if match is None:
        raise bad_request("value must be a number, with or without a dollar sign")
    return f"{float(match.group(1)):.2f}"


async def create_call(ctx: Ctx) -> Response:
    body = await ctx.body()
    caller_id = phones.normalize(body_text(body, "caller_id", required=True) or "", "caller_id")
    business = phones.normalize(
        body_text(body, "business_phone_number", required=True) or "", "business_phone_number"
    )
    customer = phones.normalize(
        body_text(body, "customer_phone_number", required=True) or "", "customer_phone_number"
    )
    tracker = _tracker_with_number(ctx, caller_id)
    agent = _agent(ctx, body_text(body, "agent_id"))
    ctx.world.limits.check("outbound_calls", ctx.account_id)
    company = ctx.world.table("companies")[str(tracker["company_id"])]
    call = lifecycle.start_outbound(
        ctx.world,
        company=company,
        tracker=tracker,
        business_phone=business,
        customer_phone=customer,
        agent=agent,
        base_url=ctx.base_url,
    )
    return reply(_view(ctx).render(call, []), 201)


def _tracker_with_number(ctx: Ctx, number: str) -> Doc:
    for tracker in ctx.world.scoped("trackers", ctx.account_id):
        if tracker["status"] == "active" and number in tracker["tracking_numbers"]:
            return tracker
    raise bad_request("caller_id must be an active tracking number or a verified caller ID")


def _agent(ctx: Ctx, agent_id: str | None) -> Doc | None:
    return ctx.world.find("users", ctx.account_id, agent_id) if agent_id else None


async def get_recording(ctx: Ctx) -> Response:
    call = find_call(ctx)
    if not call["_recorded"]:
        raise not_found("Recording not found")
    url = f"{ctx.base_url}/calls/{call['id']}/recording/redirect?access_key={call['_access_key']}"
    return reply({"url": url})


async def get_transcription(ctx: Ctx) -> Response:
    call = find_call(ctx)
    if not call.get("transcription"):
        raise not_found("Transcription not found")
    return reply(
        {
            "id": call["id"],
            "transcription": call["transcription"],
            "conversational_transcript": call["conversational_transcript"],
        }
    )


async def list_page_views(ctx: Ctx) -> Response:
    call = find_call(ctx)
    zone = ctx.zone()
    views = [
        {
            "referrer_url": view["referrer_url"],
            "page_url": view["page_url"],
            "created_at": datetime.fromtimestamp(view["_at"], UTC)
            .astimezone(zone)
            .isoformat(timespec="seconds"),
        }
        for view in call["_page_views"]
    ]
    return reply(offset_page(ctx.query, views, "page_views"))
