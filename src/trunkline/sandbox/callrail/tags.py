"""Tags: numeric ids, company-level or account-level, one of CallRail's 24 colours."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from trunkline.sandbox.callrail.errors import bad_request, not_found
from trunkline.sandbox.callrail.params import body_bool, body_choice, body_text
from trunkline.sandbox.callrail.routing import Ctx, reply
from trunkline.sandbox.callrail.tagging import create_tag
from trunkline.sandbox.callrail.views import present, shown_page, sort_records
from trunkline.sandbox.callrail.world import Doc

COLORS = (
    "gray1", "gray2", "blue1", "blue2", "cyan1", "cyan2", "purple1", "purple2", "pink1", "pink2",
    "pink3", "pink4", "red1", "red2", "orange1", "orange2", "orange3", "orange4", "yellow1",
    "yellow2", "green1", "green2", "green3", "green4",
)  # fmt: skip


def show(ctx: Ctx, tag: Doc) -> Doc:
    return present(tag, local_fields=("created_at",), zone=ctx.zone())


def find_tag(ctx: Ctx) -> Doc:
    raw = str(ctx.request.path_params["tag_id"])
    if not raw.isdigit():
        raise not_found()
    return ctx.world.find("tags", ctx.account_id, raw)


DEFAULTS = ("background_color", "color", "company_id", "created_at", "id", "name", "status",
            "tag_level")  # fmt: skip


async def list_tags(ctx: Ctx) -> Response:
    ctx.query.fields((), DEFAULTS)  # nothing extra to show; unknown names are still a 400
    tags = ctx.world.scoped("tags", ctx.account_id)
    company_id = ctx.query.text("company_id")
    level = ctx.query.choice("tag_level", ("account", "company"))
    if level == "account" and company_id:
        raise bad_request("You cannot filter by tag_level=account and company_id together")
    status = ctx.query.choice("status", ("enabled", "disabled"))
    tags = [
        t
        for t in tags
        if (not company_id or t["company_id"] == company_id)
        and (not level or t["tag_level"] == level)
        and (not status or t["status"] == status)
    ]
    tags = sort_records(ctx, tags, ("name",), "name")
    return reply(shown_page(ctx, tags, "tags", lambda t: show(ctx, t)))


async def get_tag(ctx: Ctx) -> Response:
    return reply(show(ctx, find_tag(ctx)))


def _color(body: dict[str, Any]) -> str | None:
    color = body.get("color")
    if color is not None and color not in COLORS:
        raise bad_request("Color is not included in the list")
    return color


def _ensure_unique(ctx: Ctx, name: str, company_id: str | None, skip: Doc | None = None) -> None:
    for tag in ctx.world.scoped("tags", ctx.account_id):
        same_scope = tag["company_id"] == company_id
        if tag is not skip and same_scope and tag["name"].lower() == name.lower():
            raise bad_request("Name has already been taken")


async def create_tag_endpoint(ctx: Ctx) -> Response:
    body = await ctx.body()
    name = body_text(body, "name", required=True) or ""
    level = body_choice(body, "tag_level", ("account", "company")) or "company"
    company_id = body_text(body, "company_id")
    if level == "company":
        if not company_id:
            raise bad_request("Missing required parameter: company_id")
        ctx.world.find("companies", ctx.account_id, company_id)
    else:
        company_id = None
    _ensure_unique(ctx, name, company_id)
    tag = create_tag(ctx.world, ctx.account_id, company_id, name, _color(body) or "gray1", level)
    ctx.world.save()
    return reply(show(ctx, tag), 201)


async def update_tag(ctx: Ctx) -> Response:
    tag = find_tag(ctx)
    body = await ctx.body()
    if "name" in body:
        name = body_text(body, "name", required=True) or ""
        _ensure_unique(ctx, name, tag["company_id"], skip=tag)
        tag["name"] = name
    color = _color(body)
    if color:
        tag.update(color=color, background_color=color)
    disabled = body_bool(body, "disabled")
    if disabled is not None:
        tag["status"] = "disabled" if disabled else "enabled"
    ctx.world.save()
    return reply(show(ctx, tag))


async def delete_tag(ctx: Ctx) -> Response:
    tag = find_tag(ctx)
    for table in ("calls", "form_submissions", "conversations"):
        for record in ctx.world.scoped(table, ctx.account_id):
            if tag["name"] in (record.get("tags") or []):
                record["tags"] = [t for t in record["tags"] if t != tag["name"]]
    del ctx.world.table("tags")[str(tag["id"])]
    ctx.world.save()
    return Response(status_code=204)
