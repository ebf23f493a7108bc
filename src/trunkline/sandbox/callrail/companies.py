"""Companies: list, create (name and time zone only), fetch, update, disable.

Disabling returns the disabled record (``disabled_at`` set) and disables the company's
trackers; an account must keep at least one active company.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from trunkline.sandbox.callrail import times
from trunkline.sandbox.callrail.errors import bad_request
from trunkline.sandbox.callrail.params import body_bool, body_choice, body_text
from trunkline.sandbox.callrail.routing import DEFAULT_ZONE, Ctx, reply
from trunkline.sandbox.callrail.views import present, searched, shown_page, sort_records
from trunkline.sandbox.callrail.world import Doc

EXTRAS = ("verified_caller_ids",)
DEFAULTS = ("callscore_enabled", "callscribe_enabled", "created_at", "disabled_at", "dni_active",
            "form_capture", "id", "keyword_spotting_enabled", "lead_scoring_enabled", "name",
            "script_url", "status", "swap_cookie_duration", "swap_cookie_duration_unit",
            "swap_exclude_jquery", "swap_landing_override", "swap_ppc_override",
            "time_zone")  # fmt: skip
TOGGLES = ("callscore_enabled", "callscribe_enabled", "swap_ppc_override", "swap_exclude_jquery",
           "keyword_spotting_enabled")  # fmt: skip
COOKIE_UNITS = ("months", "weeks", "days")
COOKIE_MAX_DAYS = {"months": 30, "weeks": 7, "days": 1}


def script_url(number: int, token: str) -> str:
    return f"//cdn.callrail.com/companies/{number}/{token}/12/swap.js"


def show(ctx: Ctx, company: Doc) -> Doc:
    requested = ctx.query.fields(EXTRAS, DEFAULTS) if ctx.request.method == "GET" else []
    return present(
        company, extras=EXTRAS, requested=requested, utc_fields=("created_at", "disabled_at")
    )


def find_company(ctx: Ctx, company_id: str | None = None) -> Doc:
    wanted = company_id or ctx.request.path_params["company_id"]
    return ctx.world.find("companies", ctx.account_id, wanted)


async def list_companies(ctx: Ctx) -> Response:
    companies = ctx.world.scoped("companies", ctx.account_id)
    status = ctx.query.choice("status", ("active", "disabled"))
    if status:
        companies = [c for c in companies if c["status"] == status]
    companies = searched(companies, ctx.query.text("search"), ("name",))
    companies = sort_records(ctx, companies, ("name",), "name")
    return reply(shown_page(ctx, companies, "companies", lambda c: show(ctx, c)))


async def get_company(ctx: Ctx) -> Response:
    return reply(show(ctx, find_company(ctx)))


def _zone_name(raw: str | None) -> str:
    return times.zone_named(raw, DEFAULT_ZONE).key


async def create_company(ctx: Ctx) -> Response:
    body = await ctx.body()
    name = body_text(body, "name", required=True)
    world = ctx.world
    company: Doc = {
        "id": world.new_id("COM"),
        "name": name,
        "status": "active",
        "time_zone": _zone_name(body_text(body, "time_zone")),
        "created_at": times.store(world.now()),
        "disabled_at": None,
        "dni_active": None,
        "script_url": script_url(world.next_number("legacy"), world.ids.hex(20)),
        "callscore_enabled": False,
        "lead_scoring_enabled": False,
        "swap_exclude_jquery": None,
        "swap_ppc_override": None,
        "swap_landing_override": None,
        "swap_cookie_duration": 6,
        "swap_cookie_duration_unit": "months",
        "callscribe_enabled": False,
        "keyword_spotting_enabled": False,
        "form_capture": False,
        "verified_caller_ids": [],
        "_account": ctx.account_id,
        "_numeric_id": world.next_number("legacy"),
        "_signing_key": world.ids.hex(32),
        "_area": "404",
        "_site": "https://www.example.com",
        "_weight": 1,
    }
    world.table("companies")[company["id"]] = company
    world.save()
    return reply(show(ctx, company), 201)


async def update_company(ctx: Ctx) -> Response:
    company = find_company(ctx)
    body = await ctx.body()
    _apply_update(company, body)
    ctx.world.save()
    return reply(show(ctx, company))


def _apply_update(company: Doc, body: dict[str, Any]) -> None:
    if "name" in body:
        company["name"] = body_text(body, "name", required=True)
    if "time_zone" in body:
        company["time_zone"] = _zone_name(body_text(body, "time_zone", required=True))
    for toggle in TOGGLES:
        if toggle in body:
            company[toggle] = body_bool(body, toggle)
    if "external_form_capture" in body:
        company["form_capture"] = bool(body_bool(body, "external_form_capture"))
    if "swap_landing_override" in body:
        company["swap_landing_override"] = body_text(body, "swap_landing_override") or None
    unit = body_choice(body, "swap_cookie_duration_unit", COOKIE_UNITS)
    unit = unit or str(company["swap_cookie_duration_unit"])
    duration = company["swap_cookie_duration"]
    if "swap_cookie_duration" in body:
        try:
            duration = int(body["swap_cookie_duration"])
        except (TypeError, ValueError) as exc:
            raise bad_request("swap_cookie_duration must be an integer") from exc
    if duration < 1 or duration * COOKIE_MAX_DAYS[unit] > 6 * 30:
        raise bad_request("swap_cookie_duration cannot be longer than 6 months")
    company.update(swap_cookie_duration=duration, swap_cookie_duration_unit=unit)


async def delete_company(ctx: Ctx) -> Response:
    company = find_company(ctx)
    active = [c for c in ctx.world.scoped("companies", ctx.account_id) if c["status"] == "active"]
    if company["status"] == "active" and len(active) <= 1:
        raise bad_request("You must have at least one active company.")
    stamp = times.store(ctx.world.now())
    company.update(status="disabled", disabled_at=company["disabled_at"] or stamp)
    for tracker in ctx.world.scoped("trackers", ctx.account_id):
        if tracker["company_id"] == company["id"] and tracker["status"] == "active":
            tracker.update(status="disabled", disabled_at=stamp)
    ctx.world.save()
    return reply(show(ctx, company))
