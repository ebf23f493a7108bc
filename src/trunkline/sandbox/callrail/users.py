"""Users: admins see every company; managers and reporting users see the companies listed.

Only administrators' keys may create or delete users, and names and emails can only be changed
by the user themself, as CallRail documents.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from trunkline.sandbox.callrail import times
from trunkline.sandbox.callrail.errors import bad_request, forbidden
from trunkline.sandbox.callrail.params import body_choice, body_strings, body_text
from trunkline.sandbox.callrail.routing import Ctx, reply
from trunkline.sandbox.callrail.views import present, searched, shown_page, sort_records
from trunkline.sandbox.callrail.world import Doc

ROLES = ("admin", "manager", "reporting")


def show(ctx: Ctx, user: Doc) -> Doc:
    shown = present(user, local_fields=("created_at",), zone=ctx.zone())
    companies = ctx.world.table("companies")
    shown["companies"] = [
        {"id": c, "name": companies[c]["name"]} for c in user["companies"] if c in companies
    ]
    return shown


def find_user(ctx: Ctx) -> Doc:
    return ctx.world.find("users", ctx.account_id, ctx.request.path_params["user_id"])


DEFAULTS = ("accepted", "companies", "created_at", "email", "first_name", "id", "last_name", "name",
            "role")  # fmt: skip


async def list_users(ctx: Ctx) -> Response:
    ctx.query.fields((), DEFAULTS)  # nothing extra to show; unknown names are still a 400
    users = ctx.world.scoped("users", ctx.account_id)
    company_id = ctx.query.text("company_id")
    if company_id:
        users = [u for u in users if company_id in u["companies"]]
    users = searched(users, ctx.query.text("search"), ("first_name", "last_name", "email"))
    users = sort_records(ctx, users, ("email", "created_at"), "email", newest_first=True)
    return reply(shown_page(ctx, users, "users", lambda u: show(ctx, u)))


async def get_user(ctx: Ctx) -> Response:
    return reply(show(ctx, find_user(ctx)))


def _require_admin(ctx: Ctx) -> None:
    if ctx.user["role"] != "admin":
        raise forbidden()


def _companies(ctx: Ctx, body: dict[str, Any], role: str) -> list[str]:
    every = [c["id"] for c in ctx.world.scoped("companies", ctx.account_id)]
    if role == "admin":
        return every
    wanted = body_strings(body, "companies")
    if not wanted:
        raise bad_request("Missing required parameter: companies")
    for company_id in wanted:
        ctx.world.find("companies", ctx.account_id, company_id)
    return wanted


def _email_free(ctx: Ctx, email: str, skip: Doc | None = None) -> None:
    if "@" not in email:
        raise bad_request("Email is invalid")
    for user in ctx.world.table("users").values():
        if user is not skip and user["email"].lower() == email.lower():
            raise bad_request("Email has already been taken")


async def create_user(ctx: Ctx) -> Response:
    _require_admin(ctx)
    body = await ctx.body()
    first = body_text(body, "first_name", required=True) or ""
    last = body_text(body, "last_name", required=True) or ""
    email = body_text(body, "email", required=True) or ""
    role = body_choice(body, "role", ROLES)
    if role is None:
        raise bad_request("Missing required parameter: role")
    _email_free(ctx, email)
    user: Doc = {
        "id": ctx.world.new_id("USR"),
        "email": email,
        "created_at": times.store(ctx.world.now()),
        "role": role,
        "first_name": first,
        "last_name": last,
        "name": f"{first} {last}",
        "accepted": False,
        "companies": _companies(ctx, body, role),
        "_account": ctx.account_id,
        "_time_zone": ctx.user_zone(),
    }
    ctx.world.table("users")[user["id"]] = user
    ctx.world.save()
    return reply(show(ctx, user), 201)


async def update_user(ctx: Ctx) -> Response:
    user = find_user(ctx)
    body = await ctx.body()
    personal = [k for k in ("first_name", "last_name", "email") if k in body]
    if personal and user["id"] != ctx.user["id"]:
        raise bad_request("Names and email can only be changed by the user themself")
    for key in ("first_name", "last_name"):
        if key in body:
            user[key] = body_text(body, key, required=True)
    if "email" in body:
        email = body_text(body, "email", required=True) or ""
        _email_free(ctx, email, skip=user)
        user["email"] = email
    user["name"] = f"{user['first_name']} {user['last_name']}"
    role = body_choice(body, "role", ROLES)
    if role or "companies" in body:
        _require_admin(ctx)
        user["role"] = role or user["role"]
        user["companies"] = _companies(ctx, {"companies": user["companies"], **body}, user["role"])
    ctx.world.save()
    return reply(show(ctx, user))


async def delete_user(ctx: Ctx) -> Response:
    _require_admin(ctx)
    user = find_user(ctx)
    if user["id"] == ctx.user["id"]:
        raise bad_request("You cannot delete yourself")
    del ctx.world.table("users")[user["id"]]
    for key, owner in list(ctx.world.table("api_keys").items()):
        if owner["user_id"] == user["id"]:
            del ctx.world.table("api_keys")[key]
    ctx.world.save()
    return Response(status_code=204)
