"""Notifications: per-user alerts for calls and texts, scoped to the account, a company or a
tracker, sent by email, push or desktop."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from trunkline.sandbox.callrail.errors import bad_request
from trunkline.sandbox.callrail.pagination import offset_page
from trunkline.sandbox.callrail.params import body_bool, body_choice, body_text
from trunkline.sandbox.callrail.routing import Ctx, reply
from trunkline.sandbox.callrail.world import Doc, public

ALERT_TYPES = ("all", "first_call", "missed_and_vm", "vm_only")
CHANNELS = ("send_email", "send_push", "send_desktop")
ALERT_NAMES = {
    "all": "All Calls",
    "first_call": "First-Time Calls",
    "missed_and_vm": "Missed Calls and Voicemails",
    "vm_only": "Voicemails",
}


def show(ctx: Ctx, note: Doc) -> Doc:
    shown = public(note)
    companies, trackers = ctx.world.table("companies"), ctx.world.table("trackers")
    users = ctx.world.table("users")
    company = companies.get(str(note.get("company_id")), {})
    tracker = trackers.get(str(note.get("tracker_id")), {})
    agent = users.get(str(note.get("agent_id")), {})
    shown["company_name"] = company.get("name")
    shown["tracker_name"] = tracker.get("name")
    shown["agent_name"] = agent.get("name")
    calls = (
        ALERT_NAMES.get(str(note.get("alert_type")), "All Calls") if note["call_enabled"] else ""
    )
    texts = "All Texts" if note["sms_enabled"] else ""
    scope = tracker.get("name") or company.get("name") or "All Companies"
    shown["name"] = f"{' and '.join(p for p in (calls, texts) if p) or 'Nothing'} for {scope}"
    return shown


def find_notification(ctx: Ctx) -> Doc:
    return ctx.world.find(
        "notifications", ctx.account_id, ctx.request.path_params["notification_id"]
    )


async def list_notifications(ctx: Ctx) -> Response:
    found = ctx.world.scoped("notifications", ctx.account_id)
    user_id, email = ctx.query.text("user_id"), ctx.query.text("email")
    kind = ctx.query.choice("notification_type", ("push", "email", "desktop", *CHANNELS))
    found = [
        n
        for n in found
        if (not user_id or n["user_id"] == user_id)
        and (not email or n["email"] == email)
        and (not kind or n[kind if kind.startswith("send_") else f"send_{kind}"])
    ]
    page = offset_page(ctx.query, sorted(found, key=lambda n: int(n["id"])), "notifications")
    page["notifications"] = [show(ctx, n) for n in page["notifications"]]
    return reply(page)


def _scope(ctx: Ctx, note: Doc, body: dict[str, Any]) -> None:
    for key, table in (("company_id", "companies"), ("tracker_id", "trackers")):
        if key in body:
            value = body_text(body, key)
            if value:
                ctx.world.find(table, ctx.account_id, value)
            note[key] = value
    if note.get("tracker_id") and not note.get("company_id"):
        note["company_id"] = ctx.world.table("trackers")[note["tracker_id"]]["company_id"]


def _settings(note: Doc, body: dict[str, Any]) -> None:
    alert = body_choice(body, "alert_type", ALERT_TYPES)
    if alert:
        note["alert_type"] = alert
    for key in ("call_enabled", "sms_enabled", *CHANNELS):
        value = body_bool(body, key)
        if value is not None:
            note[key] = value
    if note["call_enabled"] and not note.get("alert_type"):
        raise bad_request("alert_type is required when call_enabled is true")


async def create_notification(ctx: Ctx) -> Response:
    body = await ctx.body()
    user_id = body_text(body, "user_id")
    email = body_text(body, "email")
    if user_id:
        ctx.world.find("users", ctx.account_id, user_id)
    agent_id = body_text(body, "agent_id")
    if agent_id:
        ctx.world.find("users", ctx.account_id, agent_id)
    number = ctx.world.next_number("notification")
    note: Doc = {
        "id": number,
        "user_id": None if email and not user_id else user_id or ctx.user["id"],
        "email": email,
        "agent_id": agent_id,
        "alert_type": None,
        "call_enabled": False,
        "sms_enabled": False,
        "company_id": None,
        "tracker_id": None,
        "send_desktop": False,
        "send_email": False,
        "send_push": False,
        "_account": ctx.account_id,
    }
    _scope(ctx, note, body)
    _settings(note, body)
    if email and not user_id and not (note["company_id"] or note["tracker_id"]):
        raise bad_request("Email-only notifications need a company_id or tracker_id")
    ctx.world.table("notifications")[str(number)] = note
    ctx.world.save()
    return reply(show(ctx, note), 201)


async def update_notification(ctx: Ctx) -> Response:
    note = find_notification(ctx)
    body = await ctx.body()
    _scope(ctx, note, body)
    _settings(note, body)
    ctx.world.save()
    return reply(show(ctx, note))


async def delete_notification(ctx: Ctx) -> Response:
    note = find_notification(ctx)
    del ctx.world.table("notifications")[str(note["id"])]
    ctx.world.save()
    return Response(status_code=204)
