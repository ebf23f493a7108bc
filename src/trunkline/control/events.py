"""The event inbox and subscriptions over HTTP.

``GET /events`` (cursor, filters, ``wait`` long-poll), ``GET /events/{id}``, ``GET /events/stream``
(Server-Sent Events with ``Last-Event-ID`` resume), and per connection:
``POST|GET /connections/{id}/subscriptions``, ``DELETE /connections/{id}/subscriptions/{sid}``,
``GET /connections/{id}/ingress`` and ``POST /connections/{id}/ingress/rotate``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import orjson
from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import StreamingResponse
from starlette.routing import BaseRoute, Route

from trunkline.accounts import Caller
from trunkline.control.http import JSON, json_body
from trunkline.errors import InvalidRequest
from trunkline.events.inbox import Filters, envelope, is_heartbeat
from trunkline.events.subscriptions import Request as SubscriptionRequest
from trunkline.events.subscriptions import wire
from trunkline.services import Services


class CreateSubscription(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    events: list[str] = Field(default_factory=list, max_length=50)
    numbers: list[str] = Field(default_factory=list, max_length=100)
    replace: bool = False
    api: str | None = Field(default=None, max_length=20)


def _number(request: Request, name: str, default: float, top: float) -> float:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise InvalidRequest(f"{name} must be a number from 0 to {top:g}") from None
    if not 0 <= value <= top or value != value:
        raise InvalidRequest(f"{name} must be a number from 0 to {top:g}")
    return value


def _filters(request: Request) -> Filters:
    q = request.query_params
    return Filters.parse(q.get("app"), q.get("type"), q.get("connection_id"))


def routes(services: Services) -> list[BaseRoute]:
    inbox = services.events
    subs = services.subscriptions

    async def caller(request: Request) -> Caller:
        who = await services.caller(request.headers.get("authorization"))
        connection = request.path_params.get("connection_id")
        who.scope.check_control(request.method, connection=connection)
        if connection is not None and who.scope.apps is not None:
            who.scope.check_app((await services.connections.get(who, connection)).app)
        return who

    async def list_events(request: Request) -> JSON:
        who = await caller(request)
        limit = int(_number(request, "limit", 100, 500))
        wait = _number(request, "wait", 0, 60)
        rows, cursor = await inbox.wait_page(
            who, _filters(request), request.query_params.get("after"), limit, wait
        )
        # A scoped key sees its apps' and connections' events only (the cursor still moves on).
        rows = [r for r in rows if who.scope.allows(r.app, r.connection_id)]
        return JSON({"events": [envelope(r) for r in rows], "next_cursor": cursor})

    async def get_event(request: Request) -> JSON:
        who = await caller(request)
        row = await inbox.get(who, request.path_params["event_id"])
        who.scope.check_app(row.app)
        who.scope.check_connection(row.connection_id)
        return JSON({"event": envelope(row)})

    async def stream(request: Request) -> StreamingResponse:
        who = await caller(request)
        filters = _filters(request)
        after = request.headers.get("last-event-id") or request.query_params.get("after")
        if after and not after.startswith("cur_"):
            after = f"cur_{after}" if after.isdigit() else after
        await inbox.page(who, filters, after, 1)  # a bad cursor is a 400 before streaming

        async def frames() -> AsyncIterator[bytes]:
            yield b": stream open\n\n"
            async for row in inbox.follow(who, filters, after):
                if await request.is_disconnected():
                    return
                if is_heartbeat(row):
                    yield b": keep-alive\n\n"
                    continue
                if not who.scope.allows(row.app, row.connection_id):
                    continue
                data = orjson.dumps(envelope(row))
                yield b"id: %d\nevent: %s\ndata: %s\n\n" % (row.seq, row.type.encode(), data)

        return StreamingResponse(
            frames(),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
        )

    async def create_subscription(request: Request) -> JSON:
        who = await caller(request)
        body = await json_body(request, CreateSubscription)
        ask = SubscriptionRequest(body.events, body.numbers, body.replace, body.api)
        row = await subs.create(who, request.path_params["connection_id"], ask)
        url = await services.connections.ingress(who, row.connection_id)
        return JSON({"subscription": wire(row, url)}, status_code=201)

    async def list_subscriptions(request: Request) -> JSON:
        who = await caller(request)
        rows = await subs.listing(who, request.path_params["connection_id"])
        url = await services.connections.ingress(who, request.path_params["connection_id"])
        return JSON({"subscriptions": [wire(r) for r in rows], "ingress_url": url})

    async def delete_subscription(request: Request) -> JSON:
        who = await caller(request)
        params = request.path_params
        await subs.delete(who, params["connection_id"], params["subscription_id"])
        return JSON({})

    async def ingress(request: Request) -> JSON:
        who = await caller(request)
        url = await services.connections.ingress(who, request.path_params["connection_id"])
        return JSON({"ingress_url": url})

    async def rotate_ingress(request: Request) -> JSON:
        who = await caller(request)
        conn_id = request.path_params["connection_id"]
        url = await services.connections.ingress(who, conn_id, rotate=True)
        return JSON({"ingress_url": url})

    base = "/connections/{connection_id}"
    return [
        Route("/events", list_events, methods=["GET"]),
        Route("/events/stream", stream, methods=["GET"]),
        Route("/events/{event_id}", get_event, methods=["GET"]),
        Route(f"{base}/subscriptions", create_subscription, methods=["POST"]),
        Route(f"{base}/subscriptions", list_subscriptions, methods=["GET"]),
        Route(f"{base}/subscriptions/{{subscription_id}}", delete_subscription, methods=["DELETE"]),
        Route(f"{base}/ingress", ingress, methods=["GET"]),
        Route(f"{base}/ingress/rotate", rotate_ingress, methods=["POST"]),
    ]
