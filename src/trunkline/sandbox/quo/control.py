"""The control surface: play the outside world against the Quo sandbox.

Under ``/_sandbox`` (never a Quo path), JSON in and out, authenticated with the workspace's API
key (raw, as Quo, or ``Bearer <key>``); it acts on that key's workspace. Not rate limited.

=========================================  =========================================================
``GET  /_sandbox``                          workspace, key hint, credits, counts, rules
``POST /_sandbox/reset``                    back to the deterministic seed (every workspace)
``POST /_sandbox/clock/advance``            run every pending state change now -> ``{"ran": n}``
``GET  /_sandbox/webhooks/deliveries``      webhook deliveries of this run (status, attempts)
``GET  /_sandbox/events``                   the workspace's recent webhook events
``POST /_sandbox/messages/inbound``         a customer texts a number: ``{from, to, text}``
``POST /_sandbox/calls/inbound``            a customer calls: ``{from, to, outcome, duration}``
``POST /_sandbox/calls/{callId}/hangup``    the caller hangs up now
``POST /_sandbox/credits``                  top up prepaid credits: ``{"amount": 10.0}`` (dollars)
``GET  /_sandbox/media/{file}``             recordings and voicemails (public, like Quo's URLs)
=========================================  =========================================================

``to`` is a workspace number (E.164) or its ``PN`` id; ``outcome`` is ``answered`` (default),
``voicemail`` (missed, the caller leaves a message) or ``missed``; ``duration`` is the seconds of
talk or of voicemail (default 45). Errors: ``{"error": {"code", "message", "status"}}``.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from trunkline.sandbox.quo import calllife, lookup, media, messages
from trunkline.sandbox.quo.endpoint import served_at, world_of
from trunkline.sandbox.quo.errors import QuoError
from trunkline.sandbox.quo.validation import is_e164
from trunkline.sandbox.quo.world import QuoWorld

Doc = dict[str, Any]
ControlHandler = Callable[[Request, QuoWorld, Doc], Awaitable[Response]]

MAX_DURATION = 3600


class ControlError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _error(status: int, code: str, message: str) -> JSONResponse:
    body = {"error": {"code": code, "message": message, "status": status}}
    return JSONResponse(body, status_code=status)


def control(handler: ControlHandler) -> Callable[[Request], Awaitable[Response]]:
    async def run(request: Request) -> Response:
        world = world_of(request)
        await world.ensure_running()
        header = request.headers.get("authorization", "")
        key = header[7:] if header.lower().startswith("bearer ") else header
        try:
            org = world.workspace_for_key(key)
        except QuoError as exc:
            return _error(401, "unauthorized", exc.message)
        try:
            return await handler(request, world, org)
        except ControlError as exc:
            return _error(exc.status, exc.code, exc.message)
        except QuoError as exc:
            return _error(exc.status, "invalid_request", exc.message)

    return run


async def _body(request: Request) -> Doc:
    raw = await request.body()
    try:
        body = json.loads(raw) if raw.strip() else {}
    except (ValueError, RecursionError):
        raise ControlError(400, "invalid_json", "The body is not valid JSON") from None
    if not isinstance(body, dict):
        raise ControlError(400, "invalid_json", "The body must be a JSON object")
    return body


def _customer(body: Doc) -> str:
    customer = body.get("from")
    if not is_e164(customer):
        raise ControlError(400, "invalid_from", "'from' must be an E.164 phone number")
    return str(customer)


def _workspace_number(world: QuoWorld, org: Doc, body: Doc) -> Doc:
    ref = body.get("to")
    phone = lookup.phone_number(world, org, ref) if isinstance(ref, str) else None
    if phone is None:
        message = "'to' must be one of this workspace's numbers (E.164 or PN id)"
        raise ControlError(404, "unknown_number", message)
    return phone


# --- handlers --------------------------------------------------------------------------------


async def info(request: Request, world: QuoWorld, org: Doc) -> Response:
    counts = {
        name: len(world.of_org(name, org))
        for name in ("users", "phoneNumbers", "contacts", "conversations", "messages", "calls")
    }
    counts["webhooks"] = len(world.of_org("webhooks", org))
    return JSONResponse(
        {
            "app": "quo",
            "provider": "Quo (OpenPhone) public API v1 and 2026-03-30",
            "workspace": {"id": org["id"], "name": org["name"]},
            "apiKeyHint": f"{org['apiKey'][:4]}…{org['apiKey'][-4:]}",
            "credits": org["creditsCents"] / 100,
            "a2pApproved": org["a2pApproved"],
            "phoneNumbers": [p["number"] for p in world.of_org("phoneNumbers", org)],
            "counts": counts,
            "pendingChanges": world.runtime.clock.pending,
            "rateLimit": "10 requests per second per key" if world.limiter else "off",
            "unreachableNumbers": "numbers whose last four digits are 0000-0099",
        }
    )


async def reset(request: Request, world: QuoWorld, org: Doc) -> Response:
    world.state.reset()
    world.sent_events.clear()
    return JSONResponse({"reset": True})


async def advance(request: Request, world: QuoWorld, org: Doc) -> Response:
    return JSONResponse({"ran": await world.runtime.clock.advance()})


async def deliveries(request: Request, world: QuoWorld, org: Doc) -> Response:
    mine = [sent.summary() for sent in world.sent_events if sent.org_id == org["id"]]
    return JSONResponse({"data": mine})


async def recent_events(request: Request, world: QuoWorld, org: Doc) -> Response:
    found = [
        {k: v for k, v in event.items() if k != "orgId"}
        for event in world.table("events").values()
        if event["orgId"] == org["id"]
    ]
    return JSONResponse({"data": found})


async def inbound_message(request: Request, world: QuoWorld, org: Doc) -> Response:
    body = await _body(request)
    customer, phone = _customer(body), _workspace_number(world, org, body)
    text = body.get("text", body.get("content"))
    if not isinstance(text, str) or not text.strip() or len(text) > 1600:
        raise ControlError(400, "invalid_text", "'text' must be 1-1600 characters, not blank")
    doc = messages.receive(world, org, phone, customer, text)
    return JSONResponse({"data": messages.public(doc)}, status_code=201)


async def inbound_call(request: Request, world: QuoWorld, org: Doc) -> Response:
    body = await _body(request)
    customer, phone = _customer(body), _workspace_number(world, org, body)
    outcome = body.get("outcome", "answered")
    if outcome not in calllife.OUTCOMES:
        message = f"'outcome' must be one of {', '.join(calllife.OUTCOMES)}"
        raise ControlError(400, "invalid_outcome", message)
    duration = body.get("duration", 45)
    if isinstance(duration, bool) or not isinstance(duration, int):
        raise ControlError(400, "invalid_duration", "'duration' must be whole seconds")
    if not 1 <= duration <= MAX_DURATION:
        raise ControlError(400, "invalid_duration", f"'duration' must be 1-{MAX_DURATION}")
    base_url = served_at(request)
    call = calllife.start_inbound(
        world, org, phone, customer, outcome=outcome, duration=duration, base_url=base_url
    )
    return JSONResponse({"data": calllife.public(call)}, status_code=201)


async def hang_up(request: Request, world: QuoWorld, org: Doc) -> Response:
    call = world.find("calls", org, str(request.path_params["callId"]))
    if call is None:
        raise ControlError(404, "call_not_found", "No such call in this workspace")
    try:
        calllife.hang_up(world, call)
    except QuoError as exc:
        raise ControlError(409, "call_ended", exc.message) from None
    return JSONResponse({"data": calllife.public(call)})


async def top_up(request: Request, world: QuoWorld, org: Doc) -> Response:
    amount = (await _body(request)).get("amount")
    if not isinstance(amount, int | float) or isinstance(amount, bool) or not 0 < amount <= 10_000:
        raise ControlError(400, "invalid_amount", "'amount' must be dollars, 0 < amount <= 10000")
    org["creditsCents"] += round(amount * 100)
    world.save()
    return JSONResponse({"credits": org["creditsCents"] / 100})


async def media_file(request: Request) -> Response:
    name = str(request.path_params["file"])
    world = world_of(request)
    media_id = name.removesuffix(".wav")
    known = media_id in world.table("recordings") or any(
        vm["id"] == media_id for vm in world.table("voicemails").values()
    )
    if not name.endswith(".wav") or not known:
        return _error(404, "not_found", "No such recording")
    return Response(media.silent_wav(), media_type="audio/wav")


def routes() -> list[Route]:
    def post(path: str, handler: ControlHandler) -> Route:
        return Route(path, control(handler), methods=["POST"])

    def get(path: str, handler: ControlHandler) -> Route:
        return Route(path, control(handler), methods=["GET"])

    return [
        get("/_sandbox", info),
        post("/_sandbox/reset", reset),
        post("/_sandbox/clock/advance", advance),
        get("/_sandbox/webhooks/deliveries", deliveries),
        get("/_sandbox/events", recent_events),
        post("/_sandbox/messages/inbound", inbound_message),
        post("/_sandbox/calls/inbound", inbound_call),
        post("/_sandbox/calls/{callId}/hangup", hang_up),
        post("/_sandbox/credits", top_up),
        Route("/_sandbox/media/{file}", media_file, methods=["GET"]),
    ]
