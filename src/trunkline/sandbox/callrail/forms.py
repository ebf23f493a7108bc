"""Form submissions (list, create, fetch, update) and ``forms/summary.json``.

Form endpoints answer 403 when no company of the account has form tracking enabled
(``form_capture``, switched on with ``PUT companies/{id}.json {"external_form_capture": true}``).
"""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from trunkline.sandbox.callrail import attribution, events, phones, seed_activity, tagging, times
from trunkline.sandbox.callrail.calls import parse_money
from trunkline.sandbox.callrail.errors import bad_request, forbidden, not_found
from trunkline.sandbox.callrail.params import body_bool, body_choice, body_strings, body_text
from trunkline.sandbox.callrail.routing import Ctx, reply
from trunkline.sandbox.callrail.views import present, shown_page, sort_records
from trunkline.sandbox.callrail.world import Doc, World

EXTRAS = ("company_name", "lead_status", "value", "note", "tags", "utm_source", "utm_medium",
          "utm_campaign", "form_name", "timeline_url", "milestones")  # fmt: skip
DEFAULTS = ("campaign", "company_id", "customer_email", "customer_name", "customer_phone_number",
            "first_form", "form_data", "form_url", "formatted_customer_name",
            "formatted_customer_phone_number", "id", "keywords", "landing_page_url", "medium",
            "person_id", "referrer", "referring_url", "source", "submitted_at")  # fmt: skip
SUMMARY_FIELDS = ("total_forms", "first_forms", "leads")
SUMMARY_GROUPS = (
    "source",
    "keywords",
    "campaign",
    "referrer",
    "landing_page",
    "form_name",
    "company",
)


def _require_form_tracking(ctx: Ctx) -> None:
    if not any(c["form_capture"] for c in ctx.world.scoped("companies", ctx.account_id)):
        raise forbidden("Form tracking is not enabled for any company in this account")


def show(ctx: Ctx, form: Doc, requested: list[str]) -> Doc:
    shown = present(form, extras=EXTRAS, requested=requested, utc_fields=("submitted_at",))
    company = ctx.world.table("companies").get(str(form["company_id"]), {})
    formatted = {
        "formatted_customer_phone_number": _dashed(form.get("customer_phone_number")),
        "formatted_customer_name": str(form["customer_name"]).title()
        if form.get("customer_name")
        else None,
    }
    shown.update(formatted)
    if "company_name" in requested:
        shown["company_name"] = company.get("name")
    if "timeline_url" in requested:
        shown["timeline_url"] = ctx.api_url(f"/leads/{form['person_id']}/timeline.json")
    if "milestones" in requested:
        touch = attribution.milestone(form["_visit"], times.utc(form["submitted_at"]))
        shown["milestones"] = {
            "first_touch": touch,
            "lead_created": touch,
            "qualified": touch,
            "last_touch": touch,
        }
    return shown


def _dashed(number: Any) -> str | None:
    return phones.formatted(number) if number else None


def _selected(ctx: Ctx) -> list[Doc]:
    q = ctx.query
    bounds = times.window(
        q.choice("date_range", times.DATE_RANGES),
        q.text("start_date"),
        q.text("end_date"),
        ctx.world.now(),
        ctx.zone(),
    )
    company_id = q.text("company_id")
    lead = q.choice("lead_status", ("good_lead", "not_a_lead", "not_scored"))
    tags = q.many("tags")
    person_lead = q.flag("person_lead")
    return [
        f
        for f in ctx.world.scoped("form_submissions", ctx.account_id)
        if not f["_spam"]
        and times.within(str(f["submitted_at"]), bounds)
        and (not company_id or f["company_id"] == company_id)
        and (not lead or (f["lead_status"] or "not_scored") == lead)
        and (not tags or bool(set(tags) & set(f["tags"])))
        and (not person_lead or bool(f["person_id"]))
    ]


async def list_forms(ctx: Ctx) -> Response:
    _require_form_tracking(ctx)
    requested = ctx.query.fields(EXTRAS, DEFAULTS)
    forms = sort_records(ctx, _selected(ctx), ("submitted_at", "created_at", "form_url"),
                         "submitted_at", newest_first=True)  # fmt: skip
    return reply(shown_page(ctx, forms, "form_submissions", lambda f: show(ctx, f, requested)))


def find_form(ctx: Ctx) -> Doc:
    form = ctx.world.find(
        "form_submissions", ctx.account_id, ctx.request.path_params["submission_id"]
    )
    if form["_spam"]:
        raise not_found()
    return form


async def get_form(ctx: Ctx) -> Response:
    return reply(show(ctx, find_form(ctx), ctx.query.fields(EXTRAS, DEFAULTS)))


def submit(world: World, account_id: str, body: dict[str, Any], base_url: str) -> Doc:
    """Record a submission and send the Form Submission webhook (API and control API)."""
    nested = body.get("form_submission")
    fields: dict[str, Any] = nested if isinstance(nested, dict) else body
    company_id = body_text(fields, "company_id", required=True) or ""
    company = world.find("companies", account_id, company_id)
    form_url = body_text(fields, "form_url", required=True) or ""
    form_data = fields.get("form_data")
    if not isinstance(form_data, dict) or not form_data:
        raise bad_request("Missing required parameter: form_data")
    visit = attribution.empty()
    referrer = body_text(fields, "referrer")
    visit.update(
        landing_page_url=body_text(fields, "landing_page_url"),
        referring_url=body_text(fields, "referring_url"),
        referrer_domain=referrer,
        source=referrer.replace("_", " ").title() if referrer else "Direct",
        medium="direct" if not referrer else "referral",
    )
    form = seed_activity.create_form(
        world.data, account_id, company, form_data, visit, world.ids, world.now(), form_url=form_url
    )
    world.save()
    payload = {k: v for k, v in form.items() if not k.startswith("_")}
    zone = times.zone_named(company["time_zone"], "UTC")
    payload.update(
        id=form["_numeric_id"],
        resource_id=form["id"],
        company_id=company["_numeric_id"],
        company_resource_id=company["id"],
        submitted_at=times.local(form["submitted_at"], zone),
    )
    events.emit(world, str(company["id"]), "form_captured_webhook", payload)
    return form


async def create_form(ctx: Ctx) -> Response:
    body = await ctx.body()
    form = submit(ctx.world, ctx.account_id, body, ctx.base_url)
    return reply(show(ctx, form, []), 201)


async def update_form(ctx: Ctx) -> Response:
    form = find_form(ctx)
    body = await ctx.body()
    if body_bool(body, "spam") is False:
        raise bad_request("Spam status cannot be removed via the API")
    lead = body_choice(body, "lead_status", ("good_lead", "not_a_lead"))
    if lead == "good_lead" and form["lead_status"] == "previously_marked_good_lead":
        raise bad_request("This lead has already been marked as a good lead")
    if "lead_status" in body:
        form["lead_status"] = lead
    if "note" in body:
        form["note"] = body_text(body, "note") or None
    if "value" in body:
        form["value"] = parse_money(body.get("value"))
    tags = body_strings(body, "tags")
    if tags is not None:
        form["tags"] = tagging.apply(ctx, form, tags, append=bool(body_bool(body, "append_tags")))
    if body_bool(body, "spam"):
        form["_spam"] = True
    ctx.world.save()
    return reply(show(ctx, form, []))


async def forms_summary(ctx: Ctx) -> Response:
    _require_form_tracking(ctx)
    raw = ctx.query.text("fields")
    fields = [f.strip() for f in raw.split(",")] if raw else ["total_forms"]
    if any(f not in SUMMARY_FIELDS for f in fields):
        raise bad_request(f"fields must be: '{', '.join(SUMMARY_FIELDS)}'")
    group = ctx.query.choice("group_by", SUMMARY_GROUPS)
    forms = _selected(ctx)
    bounds = times.window(
        ctx.query.text("date_range"),
        ctx.query.text("start_date"),
        ctx.query.text("end_date"),
        ctx.world.now(),
        ctx.zone(),
    )
    assert bounds is not None
    result: dict[str, Any] = {
        "start_date": times.compact_offset(bounds[0]),
        "end_date": times.compact_offset(bounds[1]),
        "time_zone": ctx.zone().key,
        "total_results": _form_metrics(forms, fields),
    }
    if group:
        buckets: dict[Any, list[Doc]] = {}
        for form in forms:
            buckets.setdefault(_group_key(ctx, form, group), []).append(form)
        result["grouped_by"] = group
        result["grouped_results"] = [
            {"key": key, **_form_metrics(items, fields)}
            for key, items in sorted(buckets.items(), key=lambda kv: (-len(kv[1]), str(kv[0])))
        ]
    return reply(result)


def _group_key(ctx: Ctx, form: Doc, group: str) -> Any:
    if group == "company":
        return ctx.world.table("companies")[form["company_id"]]["name"]
    if group == "landing_page":
        return form.get("landing_page_url")
    return form.get(group)


def _form_metrics(forms: list[Doc], fields: list[str]) -> dict[str, int]:
    values = {
        "total_forms": len(forms),
        "first_forms": sum(1 for f in forms if f["first_form"]),
        "leads": sum(1 for f in forms if f["lead_status"] == "good_lead"),
    }
    return {name: values[name] for name in fields}
