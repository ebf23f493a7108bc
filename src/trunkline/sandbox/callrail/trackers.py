"""Trackers (tracking numbers): source trackers (one number, one marketing source) and session
trackers (a pool of 4-50 numbers shown to website visitors). Creating one provisions numbers;
deleting one disables it and returns the disabled record."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from trunkline.sandbox.callrail import phones, times
from trunkline.sandbox.callrail.errors import bad_request, not_found
from trunkline.sandbox.callrail.params import body_bool, body_choice, body_strings, body_text
from trunkline.sandbox.callrail.routing import Ctx, reply
from trunkline.sandbox.callrail.views import present, searched, shown_page, sort_records
from trunkline.sandbox.callrail.world import Doc

EXTRAS = ("campaign_name", "swap_targets")
DEFAULTS = ("call_flow", "company", "created_at", "destination_number", "disabled_at", "id",
            "name", "sms_enabled", "sms_supported", "source", "status", "tracking_numbers",
            "type", "whisper_message")  # fmt: skip
SOURCE_TYPES = (
    "all", "landing_url", "landing_params", "offline", "web_referrer", "direct", "search",
    "google_ad_extension", "mobile_ad_extension", "google_my_business", "facebook_all", "bing_all",
)  # fmt: skip


def show(ctx: Ctx, tracker: Doc) -> Doc:
    company = ctx.world.table("companies").get(str(tracker["company_id"]), {})
    shown = present(tracker, utc_fields=("created_at", "disabled_at"))
    shown.pop("company_id", None)
    shown["company"] = {"id": company.get("id"), "name": company.get("name")}
    shown["campaign_name"] = tracker.get("_campaign_name")
    requested = ctx.query.fields(EXTRAS, DEFAULTS) if ctx.request.method == "GET" else []
    for name in EXTRAS:
        if name not in requested:
            shown.pop(name, None)
    return shown


async def list_trackers(ctx: Ctx) -> Response:
    trackers = ctx.world.scoped("trackers", ctx.account_id)
    for name, allowed in (("status", ("active", "disabled")), ("type", ("source", "session"))):
        wanted = ctx.query.choice(name, allowed)
        if wanted:
            trackers = [t for t in trackers if t[name] == wanted]
    company_id = ctx.query.text("company_id")
    if company_id:
        trackers = [t for t in trackers if t["company_id"] == company_id]
    trackers = searched(trackers, ctx.query.text("search"), ("name",))
    trackers = sort_records(ctx, trackers, ("name",), "name")
    return reply(shown_page(ctx, trackers, "trackers", lambda t: show(ctx, t)))


def find_tracker(ctx: Ctx) -> Doc:
    return ctx.world.find("trackers", ctx.account_id, ctx.request.path_params["tracker_id"])


async def get_tracker(ctx: Ctx) -> Response:
    return reply(show(ctx, find_tracker(ctx)))


def _call_flow(raw: Any) -> Doc:
    if not isinstance(raw, dict):
        raise bad_request("Missing required parameter 'call_flow'")
    if raw.get("type") == "advanced" and raw.get("uuid"):
        return {"type": "advanced", "uuid": str(raw["uuid"]), "recording_enabled": False}
    destination = phones.normalize(str(raw.get("destination_number") or ""), "destination_number")
    greeting = body_text(raw, "greeting_text")
    return {
        "type": "basic",
        "recording_enabled": bool(body_bool(raw, "recording_enabled")),
        "destination_number": destination,
        "greeting_text": greeting,
        "greeting_recording_url": None if greeting else body_text(raw, "greeting_recording_url"),
    }


def _source(raw: Any, kind: str) -> Doc:
    if kind == "session" and raw == "all":
        return {"type": "all"}
    if not isinstance(raw, dict):
        raise bad_request("Missing required parameter 'source'")
    if kind == "session":
        return dict(raw)
    if raw.get("type") not in SOURCE_TYPES:
        raise bad_request("Source Unknown tracking source type")
    return dict(raw)


def _area_code(request: Any, kind: str) -> str:
    if not isinstance(request, dict) or not request:
        name = "pool_numbers" if kind == "session" else "tracking_number"
        raise bad_request(f"Missing required parameter '{name}'")
    if request.get("area_code"):
        area = str(request["area_code"])
        if not (len(area) == 3 and area.isdigit()):
            raise bad_request("area_code must be a 3 digit area code")
        return area
    if request.get("local"):
        return phones.normalize(str(request["local"]), "local")[2:5]
    if body_bool(request, "toll_free"):
        return "888"
    raise bad_request("Provide at least one of area_code, local or toll_free")


def _provision(ctx: Ctx, area: str, count: int) -> list[str]:
    taken = {n for t in ctx.world.table("trackers").values() for n in t["tracking_numbers"]}
    numbers: list[str] = []
    while len(numbers) < count:
        candidate = f"+1{area}555{ctx.world.ids.randint(2000, 9999):04d}"
        if candidate not in taken and candidate not in numbers:
            numbers.append(candidate)
    return numbers


def _pool_size(body: dict[str, Any]) -> int:
    if body.get("pool_size") is None:
        raise bad_request("missing required parameter 'pool_size'")
    try:
        size = int(body["pool_size"])
    except (TypeError, ValueError) as exc:
        raise bad_request("pool_size must be a number between 4 and 50") from exc
    if not 4 <= size <= 50:
        raise bad_request("pool_size must be a number between 4 and 50")
    return size


async def create_tracker(ctx: Ctx) -> Response:
    body = await ctx.body()
    name = body_text(body, "name", required=True)
    kind = body_choice(body, "type", ("source", "session"))
    if kind is None:
        raise bad_request("Missing required parameter: type")
    company = _active_company(ctx, body_text(body, "company_id", required=True) or "")
    flow = _call_flow(body.get("call_flow"))
    source = _source(body.get("source"), kind)
    if kind == "session":
        size = _pool_size(body)
        numbers = _provision(ctx, _area_code(body.get("pool_numbers"), kind), size)
    else:
        numbers = _provision(ctx, _area_code(body.get("tracking_number"), kind), 1)
    now = times.store(ctx.world.now())
    tracker = {
        "id": ctx.world.new_id("TRK"),
        "name": name,
        "type": kind,
        "status": "active",
        "destination_number": flow.get("destination_number"),
        "tracking_numbers": numbers,
        "whisper_message": body_text(body, "whisper_message"),
        "sms_enabled": bool(body_bool(body, "sms_enabled")),
        "sms_supported": numbers[0][2:5] not in phones.TOLL_FREE,
        "company_id": company["id"],
        "call_flow": flow,
        "source": source,
        "created_at": now,
        "disabled_at": None,
        "swap_targets": body_strings(body, "swap_targets") or [],
        "_campaign_name": body_text(body, "campaign_name") if kind == "source" else None,
        "_account": ctx.account_id,
        "_numeric_id": ctx.world.next_number("legacy"),
    }
    ctx.world.table("trackers")[tracker["id"]] = tracker
    ctx.world.save()
    return reply(show(ctx, tracker), 201)


def _active_company(ctx: Ctx, company_id: str) -> Doc:
    company = ctx.world.table("companies").get(company_id)
    if company is None or company["_account"] != ctx.account_id:
        raise not_found("Company not found")
    if company["status"] != "active":
        raise bad_request("Company is disabled")
    return company


async def update_tracker(ctx: Ctx) -> Response:
    tracker = find_tracker(ctx)
    body = await ctx.body()
    _apply_update(ctx, tracker, body)
    ctx.world.save()
    return reply(show(ctx, tracker))


def _apply_update(ctx: Ctx, tracker: Doc, body: dict[str, Any]) -> None:
    """``status`` is silently ignored, as CallRail does; a pool can only grow."""
    if "name" in body:
        tracker["name"] = body_text(body, "name", required=True)
    if "call_flow" in body:
        if not isinstance(body["call_flow"], dict):
            raise bad_request("call_flow must be an object")
        flow = _call_flow({**tracker["call_flow"], **body["call_flow"]})
        tracker.update(call_flow=flow, destination_number=flow.get("destination_number"))
    if "source" in body:
        tracker["source"] = _source(body["source"], str(tracker["type"]))
    for name in ("whisper_message",):
        if name in body:
            tracker[name] = body_text(body, name)
    if "sms_enabled" in body:
        tracker["sms_enabled"] = bool(body_bool(body, "sms_enabled"))
    if "swap_targets" in body:
        tracker["swap_targets"] = body_strings(body, "swap_targets") or []
    if "campaign_name" in body and tracker["type"] == "source":
        tracker["_campaign_name"] = body_text(body, "campaign_name")
    if tracker["type"] == "session" and body.get("pool_size") is not None:
        grow = _pool_size(body) - len(tracker["tracking_numbers"])
        area = str(tracker["tracking_numbers"][0])[2:5]
        tracker["tracking_numbers"] += _provision(ctx, area, grow) if grow > 0 else []
    replace = body_text(body, "replace_tracking_number")
    if replace:
        _replace_number(ctx, tracker, replace)


def _replace_number(ctx: Ctx, tracker: Doc, raw: str) -> None:
    number = phones.normalize(raw, "replace_tracking_number")
    if number not in tracker["tracking_numbers"]:
        raise bad_request("replace_tracking_number must be one of the tracker's numbers")
    index = tracker["tracking_numbers"].index(number)
    tracker["tracking_numbers"][index] = _provision(ctx, number[2:5], 1)[0]


async def delete_tracker(ctx: Ctx) -> Response:
    tracker = find_tracker(ctx)
    if tracker["status"] == "active":
        tracker.update(status="disabled", disabled_at=times.store(ctx.world.now()))
        ctx.world.save()
    return reply(show(ctx, tracker))
