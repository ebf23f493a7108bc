"""Leads (people, ``PER...``) and a lead's timeline of calls, form submissions and texts."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from trunkline.sandbox.callrail import textmodel, times
from trunkline.sandbox.callrail.pagination import offset_page
from trunkline.sandbox.callrail.routing import Ctx, reply
from trunkline.sandbox.callrail.views import present, shown_page, sort_records
from trunkline.sandbox.callrail.world import Doc, World

DEFAULTS = ("company_id", "company_name", "created_at", "email", "id", "name", "phone")


async def list_leads(ctx: Ctx) -> Response:
    ctx.query.fields((), DEFAULTS)  # nothing extra to show; unknown names are still a 400
    people = ctx.world.scoped("people", ctx.account_id)
    company_id = ctx.query.text("company_id")
    if company_id:
        people = [p for p in people if p["company_id"] == company_id]
    people = sort_records(
        ctx, people, ("created_at", "name", "email"), "created_at", newest_first=True
    )
    return reply(shown_page(ctx, people, "leads", lambda p: present(p, utc_fields=("created_at",))))


def _events(ctx: Ctx, person: Doc) -> list[Doc]:
    """The person's calls, form submissions and text conversations, in that order."""
    calls = [_call_event(c) for c in _records_of(ctx, "calls", person)]
    forms = [_form_event(f) for f in _records_of(ctx, "form_submissions", person)]
    texts = [
        _text_event(ctx.world, convo)
        for convo in ctx.world.scoped("conversations", ctx.account_id)
        if convo["_person_id"] == person["id"]
    ]
    return calls + forms + texts


def _records_of(ctx: Ctx, table: str, person: Doc) -> list[Doc]:
    """The person's records in ``table`` that are not spam."""
    return [
        record
        for record in ctx.world.scoped(table, ctx.account_id)
        if record["person_id"] == person["id"] and not record["_spam"]
    ]


def _call_event(call: Doc) -> Doc:
    return {
        "type": "call",
        "id": call["id"],
        "event_date": times.utc(call["start_time"]),
        "customer_name": call["customer_name"],
        "customer_phone_number": call["customer_phone_number"],
        "direction": call["direction"],
        "duration": call["duration"],
        "answered": call["answered"],
        "tracking_phone_number": call["tracking_phone_number"],
    }


def _form_event(form: Doc) -> Doc:
    return {
        "type": "form_submission",
        "id": form["id"],
        "event_date": times.utc(form["submitted_at"]),
        "form_name": form["form_name"],
        "form_url": form["form_url"],
        "form_fields": form["form_data"],
    }


def _text_event(world: World, convo: Doc) -> Doc:
    first = textmodel.messages_of(world.data, convo["id"])[-1:]
    return {
        "type": "sms",
        "id": convo["id"],
        "event_date": times.utc(first[0]["created_at"] if first else convo["last_message_at"]),
        "message_content": first[0]["content"] if first else None,
        "message_phone_number": convo["customer_phone_number"],
        "message_type": "sms",
        "thread_id": convo["id"],
    }


async def lead_timeline(ctx: Ctx) -> Response:
    person = ctx.world.find("people", ctx.account_id, ctx.request.path_params["lead_id"])
    events = _events(ctx, person)
    oldest_first = ctx.query.choice("sort", ("event_date", "created_at")) == "created_at"
    events.sort(key=lambda e: str(e["event_date"]), reverse=not oldest_first)
    page = offset_page(ctx.query, events, "timeline")
    page["lead"] = _summary(person, events)
    return reply(page)


def _summary(person: Doc, events: list[Doc]) -> dict[str, Any]:
    ordered = sorted(events, key=lambda e: str(e["event_date"]))
    first = ordered[0] if ordered else None
    last = ordered[-1] if ordered else None
    return {
        "customer_name": person["name"],
        "customer_phone_number": person["phone"],
        "total_interactions": len(events),
        "first_touch": {"touchpoint_type": first["type"], "created_at": first["event_date"]}
        if first
        else None,
        "last_touch": {"touchpoint_type": last["type"], "created_at": last["event_date"]}
        if last
        else None,
        "tags": [],
        "voice_assist": False,
        "transcript": False,
    }
