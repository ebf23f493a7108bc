"""The control surface under ``/_sandbox``: play the outside world (JSON in, JSON out).

Same credentials as the REST API (account SID + auth token, or API key + secret).

- ``GET  /_sandbox``                          what this sandbox is, credential hints, counts
- ``POST /_sandbox/reset``                    back to the deterministic seed
- ``POST /_sandbox/clock/advance``            run every pending state change now;
  ``{"wait_for_webhooks": true}`` also waits for the callbacks they sent
- ``GET  /_sandbox/webhooks/deliveries``      callbacks sent, newest last
- ``POST /_sandbox/inbound/sms``              ``{"from", "to", "body", "media_urls"?}``
- ``POST /_sandbox/inbound/call``             ``{"from", "to", "duration"?}`` (seconds of talk)
- ``POST /_sandbox/calls/{sid}/hangup``       the other party hangs up now
- ``POST /_sandbox/queues/{sid}/members``     ``{"call_sid"}``: an answered call waits in the
  queue (what TwiML ``<Enqueue>`` would do)

Errors: ``{"error": {"code", "message", "status"}}``.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from trunkline.sandbox.twilio import errors, messaging, phones, queues, voice
from trunkline.sandbox.twilio import media as message_media
from trunkline.sandbox.twilio.api import Principal, authenticate
from trunkline.sandbox.twilio.seed import identity
from trunkline.sandbox.twilio.serialize import public, stamp
from trunkline.sandbox.twilio.voice import FINAL, call_record
from trunkline.sandbox.twilio.world import World

Record = dict[str, Any]
UNREACHABLE_RULE = (
    "Destinations ending in 0000-0099 never answer (SMS undelivered 30003, call no-answer); "
    "ending in 0100-0199 reject traffic (SMS failed 30006, call busy)."
)


class ControlError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message

    def response(self) -> JSONResponse:
        body = {"error": {"code": self.code, "message": self.message, "status": self.status}}
        return JSONResponse(body, status_code=self.status)


def routes(world: World) -> list[Route]:
    def bind(handler: Any) -> Any:
        async def run(request: Request) -> Response:
            try:
                principal = _principal(world, request)
                result: Response = await handler(world, principal, request)
                return result
            except ControlError as exc:
                return exc.response()

        return run

    return [
        Route("/_sandbox", bind(describe), methods=["GET"]),
        Route("/_sandbox/", bind(describe), methods=["GET"]),
        Route("/_sandbox/reset", bind(reset), methods=["POST"]),
        Route("/_sandbox/clock/advance", bind(advance), methods=["POST"]),
        Route("/_sandbox/webhooks/deliveries", bind(deliveries), methods=["GET"]),
        Route("/_sandbox/inbound/sms", bind(inbound_sms), methods=["POST"]),
        Route("/_sandbox/inbound/call", bind(inbound_call), methods=["POST"]),
        Route("/_sandbox/calls/{sid}/hangup", bind(hang_up), methods=["POST"]),
        Route("/_sandbox/queues/{sid}/members", bind(enqueue), methods=["POST"]),
    ]


def _principal(world: World, request: Request) -> Principal:
    try:
        return authenticate(world, request)
    except errors.TwilioError:
        raise ControlError(401, "unauthorized", "Use the account SID and auth token") from None


async def describe(world: World, _p: Principal, _r: Request) -> Response:
    me = identity()
    counts = {name: len(world.table(name)) for name in _TABLES}
    return JSONResponse(
        {
            "app": "twilio",
            "api_root": "/2010-04-01",
            "account_sid": me.account_sid,
            "credentials_hint": {
                "account_sid": me.account_sid,
                "auth_token": me.auth_token[:4] + "…",
                "api_key_sid": me.api_key_sid,
            },
            "counts": counts,
            "clock": {"speed": world.config.speed, "pending": world.runtime.clock.pending},
            "unreachable_numbers": UNREACHABLE_RULE,
            "seeded_at": world.runtime.state.meta.get("seeded_at"),
        }
    )


_TABLES = (
    "accounts",
    "numbers",
    "applications",
    "queues",
    "addresses",
    "messages",
    "media",
    "calls",
    "recordings",
    "conferences",
    "participants",
    "triggers",
)


async def reset(world: World, _p: Principal, _r: Request) -> Response:
    world.runtime.state.reset()
    return JSONResponse({"reset": True})


async def advance(world: World, _p: Principal, request: Request) -> Response:
    body = await _json(request, required=False)
    ran = await world.runtime.clock.advance()
    if body.get("wait_for_webhooks"):
        await world.callbacks.drain(10.0)
    return JSONResponse({"ran": ran, "pending": world.runtime.clock.pending})


async def deliveries(world: World, _p: Principal, _r: Request) -> Response:
    entries = [
        {
            **d.summary(),
            "method": "POST" if d.body else "GET",
            "body": d.body.decode("utf-8", errors="replace"),
            "signature": d.headers.get("X-Twilio-Signature"),
        }
        for d in world.runtime.webhooks.log
    ]
    return JSONResponse({"deliveries": entries})


async def inbound_sms(world: World, principal: Principal, request: Request) -> Response:
    body = await _json(request)
    sender = _phone(body, "from")
    number = _our_number(world, principal, _phone(body, "to"))
    text = body.get("body", "")
    media = body.get("media_urls", [])
    if not isinstance(text, str) or not isinstance(media, list):
        raise ControlError(400, "invalid_request", "body must be a string, media_urls a list")
    if not text and not media:
        raise ControlError(400, "invalid_request", "Send a body or media_urls")
    urls = [str(m) for m in media]
    record = messaging.receive(world, sender, number["phone_number"], text, urls)
    message_media.attach(world, record, urls)
    world.save()
    return JSONResponse({"message": public(record)}, status_code=201)


async def inbound_call(world: World, principal: Principal, request: Request) -> Response:
    body = await _json(request)
    sender = _phone(body, "from")
    number = _our_number(world, principal, _phone(body, "to"))
    duration = body.get("duration", voice.DEFAULT_TALK)
    if not isinstance(duration, int) or not 1 <= duration <= 14400:
        raise ControlError(400, "invalid_request", "duration must be 1 to 14400 seconds")
    record = call_record(
        number["account_sid"],
        world.new_sid("CA"),
        to=number["phone_number"],
        sender=sender,
        direction="inbound",
        status="ringing",
        created=world.now(),
        number_sid=number["sid"],
    )
    record["_talk"] = duration
    record["_callback"] = number.get("status_callback") or None
    record["_callback_method"] = number.get("status_callback_method") or "POST"
    stamp(record, "start_time", world.now())
    world.table("calls")[record["sid"]] = record
    world.save()
    voice.start_inbound(world, record["sid"])
    return JSONResponse({"call": public(record)}, status_code=201)


async def hang_up(world: World, principal: Principal, request: Request) -> Response:
    sid = request.path_params["sid"]
    record = world.table("calls").get(sid)
    if record is None or not _visible(world, principal, record["account_sid"]):
        raise ControlError(404, "not_found", f"No call {sid}")
    if record["status"] in FINAL:
        raise ControlError(409, "call_ended", f"Call {sid} has already ended")
    if record["status"] == "in-progress":
        status = "completed"
    else:
        status = "canceled" if record["direction"] == "inbound" else "busy"
    record = voice.end(world, sid, status)
    return JSONResponse({"call": public(record)})


async def enqueue(world: World, principal: Principal, request: Request) -> Response:
    body = await _json(request)
    queue = world.table("queues").get(request.path_params["sid"])
    if queue is None or not _visible(world, principal, queue["account_sid"]):
        raise ControlError(404, "not_found", "No such queue")
    record = world.table("calls").get(str(body.get("call_sid")))
    if record is None or record["account_sid"] != queue["account_sid"]:
        raise ControlError(404, "not_found", "call_sid must name a call of the queue's account")
    if record["status"] != "in-progress":
        raise ControlError(409, "call_not_in_progress", "Only an answered call can wait in a queue")
    if queue["current_size"] >= queue["max_size"]:
        raise ControlError(409, "queue_full", "The queue is full")
    member = queues.enqueue(world, queue, record)
    position = queue["current_size"]
    return JSONResponse({"member": queues.member_view(world, member, position)}, status_code=201)


async def _json(request: Request, required: bool = True) -> dict[str, Any]:
    raw = await request.body()
    if not raw and not required:
        return {}
    try:
        body = json.loads(raw)
    except ValueError:
        raise ControlError(400, "invalid_json", "The body must be a JSON object") from None
    if not isinstance(body, dict):
        raise ControlError(400, "invalid_json", "The body must be a JSON object")
    return body


def _phone(body: dict[str, Any], name: str) -> str:
    value = body.get(name)
    phone = phones.normalize(value) if isinstance(value, str) else None
    if phone is None:
        raise ControlError(400, "invalid_request", f"'{name}' must be a phone number")
    return phone


def _our_number(world: World, principal: Principal, phone: str) -> Record:
    number = world.numbers_by_phone(phone)
    if number is None or not _visible(world, principal, number["account_sid"]):
        raise ControlError(404, "not_found", f"{phone} is not one of your sandbox numbers")
    return number


def _visible(world: World, principal: Principal, account_sid: str) -> bool:
    account = world.account(account_sid)
    return account is not None and principal.account_sid in (
        account["sid"],
        account["owner_account_sid"],
    )
