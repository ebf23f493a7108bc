"""The control surface under ``/_sandbox``: play the outside world, inspect and reset.

Same ``Authorization: Token token="KEY"`` as the API (it acts in the key's first account, or in
``account_id`` when given), JSON in and out, errors as ``{"error": ...}``; never rate limited.

- ``GET  /_sandbox``                       what this is, credential hints, counts
- ``POST /_sandbox/reset``                 back to the deterministic seed (and fresh limits)
- ``POST /_sandbox/clock/advance``         run every pending state change now
- ``GET  /_sandbox/webhooks/deliveries``   webhook deliveries so far (event, url, status)
- ``POST /_sandbox/calls/inbound``         a customer calls a tracking number
  ``{"tracking_number" | "tracker_id", "customer_phone_number", "customer_name"?,
  "outcome"?: answered|missed|voicemail, "duration"?: seconds}``
- ``POST /_sandbox/texts/inbound``         a customer texts a tracking number
  ``{"tracking_number", "customer_phone_number", "content", "customer_name"?}``
- ``POST /_sandbox/forms/submit``          a visitor submits a website form
  ``{"company_id", "form_url", "form_data", "referrer"?, "landing_page_url"?, ...}``
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from trunkline.sandbox.callrail import callmodel, events, forms, lifecycle, phones, textmodel, texts
from trunkline.sandbox.callrail.callviews import CallView
from trunkline.sandbox.callrail.errors import CallRailError, bad_request
from trunkline.sandbox.callrail.params import Query, body_text
from trunkline.sandbox.callrail.routing import Ctx, authenticate, reply, resolve_account
from trunkline.sandbox.callrail.seed import seed_keys
from trunkline.sandbox.callrail.world import Doc, World

COUNTED = ("accounts", "companies", "trackers", "users", "tags", "calls", "form_submissions",
           "conversations", "text_messages", "integrations", "notifications", "people")  # fmt: skip
UNREACHABLE_RULE = "North American numbers whose last four digits are 0000-0099"


def control(
    world: World, handler: Callable[[Ctx], Awaitable[Response]]
) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        try:
            user, visible = authenticate(world, request)
            wanted = request.query_params.get("account_id") or visible[0]
            account = resolve_account(world, visible, wanted)
            return await handler(Ctx(world, request, user, account, Query(request.query_params)))
        except CallRailError as exc:
            return exc.response()

    return endpoint


def _hint(key: str) -> str:
    return f"{key[:4]}…{key[-4:]}"


async def overview(ctx: Ctx) -> Response:
    world = ctx.world
    companies = [
        {
            "id": c["id"],
            "name": c["name"],
            "signing_key": c["_signing_key"],
            "tracking_numbers": [
                n
                for t in world.scoped("trackers", ctx.account_id)
                if t["company_id"] == c["id"]
                for n in t["tracking_numbers"]
            ],
        }
        for c in world.scoped("companies", ctx.account_id)
    ]
    main_key, second_key = seed_keys()
    return reply(
        {
            "app": "callrail",
            "api_base": f"{ctx.base_url}/v3/",
            "account": {"id": ctx.account_id, "name": ctx.account and ctx.account["name"]},
            "companies": companies,
            "credentials": {
                "api_key": _hint(main_key),
                "second_account_api_key": _hint(second_key),
            },
            "counts": {
                name: len(world.scoped(name, ctx.account_id))
                if name != "accounts"
                else len(world.table(name))
                for name in COUNTED
            },
            "pending_steps": world.runtime.clock.pending,
            "unreachable_numbers": UNREACHABLE_RULE,
            "reference_time": world.data.get("meta", {}).get("reference_time"),
        }
    )


async def reset(ctx: Ctx) -> Response:
    ctx.world.runtime.state.reset()
    ctx.world.deliveries.clear()
    ctx.world.runtime.webhooks.log.clear()
    ctx.world.limits.clear()
    return reply({"reset": True, "calls": len(ctx.world.table("calls"))})


async def advance(ctx: Ctx) -> Response:
    ran = await ctx.world.runtime.clock.advance()
    await ctx.world.runtime.webhooks.drain()
    return reply({"ran": ran})


async def deliveries(ctx: Ctx) -> Response:
    listed = [
        {"event": event, "signature": d.headers.get("Signature"), **d.summary()}
        for event, d in ctx.world.deliveries
    ]
    return reply({"deliveries": listed})


def _tracker_for(ctx: Ctx, body: dict[str, Any]) -> Doc:
    tracker_id = body_text(body, "tracker_id")
    if tracker_id:
        return ctx.world.find("trackers", ctx.account_id, tracker_id)
    number = phones.normalize(
        body_text(body, "tracking_number", required=True) or "", "tracking_number"
    )
    for tracker in ctx.world.scoped("trackers", ctx.account_id):
        if number in tracker["tracking_numbers"]:
            return tracker
    raise bad_request("tracking_number is not a tracking number of this account")


async def inbound_call(ctx: Ctx) -> Response:
    body = await ctx.body()
    tracker = _tracker_for(ctx, body)
    if tracker["status"] != "active":
        raise bad_request("This tracker is disabled")
    customer = phones.normalize(
        body_text(body, "customer_phone_number", required=True) or "", "customer_phone_number"
    )
    outcome = body.get("outcome", "answered")
    if outcome not in callmodel.OUTCOMES:
        raise bad_request(f"outcome must be one of: {', '.join(callmodel.OUTCOMES)}")
    duration = body.get("duration", 95)
    if not isinstance(duration, int) or isinstance(duration, bool) or not 0 <= duration <= 14_400:
        raise bad_request("duration must be a whole number of seconds (0-14400)")
    call = lifecycle.start_inbound(
        ctx.world,
        company=ctx.world.table("companies")[tracker["company_id"]],
        tracker=tracker,
        customer_phone=customer,
        customer_name=body_text(body, "customer_name"),
        outcome=outcome,
        duration=duration,
        base_url=ctx.base_url,
    )
    view = CallView(ctx.world, ctx.base_url, ctx.account_id, ctx.zone())
    return reply(view.render(call, ["call_type", "company_id", "tracker_id"]), 201)


async def inbound_text(ctx: Ctx) -> Response:
    body = await ctx.body()
    tracker = _tracker_for(ctx, body)
    if not tracker["sms_enabled"]:
        raise bad_request("This tracking number is not enabled for text messaging")
    customer = phones.normalize(
        body_text(body, "customer_phone_number", required=True) or "", "customer_phone_number"
    )
    content = body_text(body, "content", required=True) or ""
    company = ctx.world.table("companies")[tracker["company_id"]]
    convo, message = textmodel.add_message(
        ctx.world.data,
        account_id=ctx.account_id,
        company=company,
        tracker=tracker,
        customer_phone=customer,
        customer_name=body_text(body, "customer_name"),
        content=content,
        direction="incoming",
        when=ctx.world.now(),
        ids=ctx.world.ids,
    )
    ctx.world.save()
    payload = texts.text_payload(ctx.world, convo, message, str(tracker["tracking_numbers"][0]))
    events.emit(ctx.world, str(company["id"]), "sms_received_webhook", payload)
    return reply({"conversation_id": convo["id"], "message_id": message["id"]}, 201)


async def submit_form(ctx: Ctx) -> Response:
    body = await ctx.body()
    form = forms.submit(ctx.world, ctx.account_id, body, ctx.base_url)
    return reply(forms.show(ctx, form, []), 201)


def routes_for(world: World) -> list[tuple[str, str, Callable[[Request], Awaitable[Response]]]]:
    table: list[tuple[str, str, Callable[[Ctx], Awaitable[Response]]]] = [
        ("GET", "/_sandbox", overview),
        ("POST", "/_sandbox/reset", reset),
        ("POST", "/_sandbox/clock/advance", advance),
        ("GET", "/_sandbox/webhooks/deliveries", deliveries),
        ("POST", "/_sandbox/calls/inbound", inbound_call),
        ("POST", "/_sandbox/texts/inbound", inbound_text),
        ("POST", "/_sandbox/forms/submit", submit_form),
    ]
    return [(method, path, control(world, handler)) for method, path, handler in table]
