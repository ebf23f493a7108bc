"""Integrations: only ``Webhooks`` and ``Custom`` can be created through the API, one of each per
company. A Webhooks integration lists URLs per event (``post_call_webhook``...) and carries the
company's signing key (shown on create, or with ``fields=signing_key``)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from starlette.responses import Response

from trunkline.sandbox.callrail.errors import bad_request
from trunkline.sandbox.callrail.events import WEBHOOK_KEYS
from trunkline.sandbox.callrail.pagination import offset_page
from trunkline.sandbox.callrail.params import body_choice, body_text
from trunkline.sandbox.callrail.routing import Ctx, reply
from trunkline.sandbox.callrail.world import Doc

TYPES = ("Webhooks", "Custom")
STATES = ("active", "disabled")


def show(ctx: Ctx, integration: Doc, *, with_key: bool = False) -> Doc:
    shown = {
        "id": integration["id"],
        "type": integration["type"],
        "state": integration["state"],
        "config": integration["config"],
    }
    requested = (
        ctx.query.fields(("signing_key",), ("id", "type", "state", "config"))
        if ctx.request.method == "GET"
        else []
    )
    if integration["type"] == "Webhooks" and (with_key or "signing_key" in requested):
        company = ctx.world.table("companies")[integration["_company_id"]]
        shown["signing_key"] = company["_signing_key"]
    return shown


def find_integration(ctx: Ctx) -> Doc:
    raw = str(ctx.request.path_params["integration_id"])
    return ctx.world.find("integrations", ctx.account_id, raw)


async def list_integrations(ctx: Ctx) -> Response:
    company_id = ctx.query.text("company_id")
    if not company_id:
        raise bad_request("Missing required parameter: company_id")
    ctx.world.find("companies", ctx.account_id, company_id)
    found = [
        i
        for i in ctx.world.scoped("integrations", ctx.account_id)
        if i["_company_id"] == company_id
    ]
    page = offset_page(ctx.query, sorted(found, key=lambda i: int(i["id"])), "integrations")
    page["integrations"] = [show(ctx, i) for i in page["integrations"]]
    return reply(page)


async def get_integration(ctx: Ctx) -> Response:
    return reply(show(ctx, find_integration(ctx)))


def _urls(value: Any, key: str) -> list[str]:
    urls = value if isinstance(value, list) else [value]
    for url in urls:
        parts = urlsplit(str(url))
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise bad_request(f"{key} must contain valid URLs")
    return [str(u) for u in urls]


def _config(kind: str, raw: Any) -> Doc:
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise bad_request("config must be an object")
    if kind == "Custom":
        cookies = raw.get("grab_cookies")
        if not isinstance(cookies, list) or not cookies:
            raise bad_request("Missing required parameter: config.grab_cookies")
        return {"grab_cookies": [str(c) for c in cookies]}
    unknown = [key for key in raw if key not in WEBHOOK_KEYS]
    if unknown:
        raise bad_request(f"Unknown webhook event(s): {', '.join(unknown)}")
    return {key: _urls(value, key) for key, value in raw.items()}


async def create_integration(ctx: Ctx) -> Response:
    body = await ctx.body()
    kind = body.get("type")
    if kind is None:
        raise bad_request("Missing required parameter: type")
    if kind not in TYPES:
        raise bad_request("Only Webhooks and Custom integrations can be created via the API")
    company_id = body_text(body, "company_id", required=True) or ""
    ctx.world.find("companies", ctx.account_id, company_id)
    for existing in ctx.world.scoped("integrations", ctx.account_id):
        if existing["_company_id"] == company_id and existing["type"] == kind:
            raise bad_request(f"This company already has a {kind} integration")
    number = ctx.world.next_number("integration")
    integration = {
        "id": number,
        "type": kind,
        "state": "active",
        "config": _config(str(kind), body.get("config")),
        "_company_id": company_id,
        "_account": ctx.account_id,
    }
    ctx.world.table("integrations")[str(number)] = integration
    ctx.world.save()
    return reply(show(ctx, integration, with_key=True), 201)


async def update_integration(ctx: Ctx) -> Response:
    integration = find_integration(ctx)
    body = await ctx.body()
    state = body_choice(body, "state", STATES)
    if state:
        integration["state"] = state
    if "config" in body:
        integration["config"] = _config(str(integration["type"]), body["config"])
    ctx.world.save()
    return reply(show(ctx, integration))


async def delete_integration(ctx: Ctx) -> Response:
    integration = find_integration(ctx)
    integration["state"] = "disabled"
    ctx.world.save()
    return Response(status_code=204)
