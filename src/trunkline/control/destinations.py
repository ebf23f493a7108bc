"""The forwarding API: ``/event-destinations`` (CRUD and the delivery log) and
``POST /events/{id}/replay``. Account and mode isolation as for connections: another account's
or mode's destination is a 404."""

from __future__ import annotations

from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.routing import BaseRoute, Route

from trunkline.accounts import Caller
from trunkline.control.http import JSON, json_body
from trunkline.errors import InvalidRequest
from trunkline.forwarding import DestinationStatus, ForwardingService

DEFAULT_PAGE = 50


class HasForwarding(Protocol):
    """What the routes need of ``Services``."""

    @property
    def forwarding(self) -> ForwardingService: ...

    async def caller(self, authorization: str | None) -> Caller: ...


class CreateDestination(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    url: str = Field(min_length=1, max_length=2048)
    types: list[str] | None = Field(default=None, max_length=50)
    connection_id: str | None = Field(default=None, min_length=1, max_length=64)


class UpdateDestination(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    url: str | None = Field(default=None, min_length=1, max_length=2048)
    types: list[str] | None = Field(default=None, max_length=50)
    status: Literal["enabled", "disabled"] | None = None


class Replay(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    destination_id: str | None = Field(default=None, min_length=1, max_length=64)


def _page_size(request: Request) -> int:
    raw = request.query_params.get("limit")
    if raw is None or raw == "":
        return DEFAULT_PAGE
    if not raw.isdigit() or len(raw) > 4 or int(raw) > 500:
        raise InvalidRequest("limit must be a whole number from 0 to 500")
    return int(raw)


def routes(services: HasForwarding) -> list[BaseRoute]:
    async def caller(request: Request) -> Caller:
        who = await services.caller(request.headers.get("authorization"))
        who.scope.check_control(request.method, connection=request.path_params.get("connection_id"))
        return who

    async def create(request: Request) -> JSON:
        who = await caller(request)
        body = await json_body(request, CreateDestination)
        forwarding = services.forwarding
        dst, secret = await forwarding.create(who, body.url, body.types, body.connection_id)
        return JSON({"destination": forwarding.wire(dst, secret)}, status_code=201)

    async def listing(request: Request) -> JSON:
        who = await caller(request)
        forwarding = services.forwarding
        found = await forwarding.listing(who)
        return JSON({"destinations": [forwarding.wire(dst) for dst in found]})

    async def get(request: Request) -> JSON:
        who = await caller(request)
        dst = await services.forwarding.get(who, request.path_params["destination_id"])
        return JSON({"destination": services.forwarding.wire(dst)})

    async def patch(request: Request) -> JSON:
        who = await caller(request)
        body = await json_body(request, UpdateDestination)
        dst = await services.forwarding.update(
            who,
            request.path_params["destination_id"],
            url=body.url,
            types=body.types,
            status=DestinationStatus(body.status) if body.status else None,
        )
        return JSON({"destination": services.forwarding.wire(dst)})

    async def delete(request: Request) -> JSON:
        who = await caller(request)
        await services.forwarding.delete(who, request.path_params["destination_id"])
        return JSON({})

    async def deliveries(request: Request) -> JSON:
        who = await caller(request)
        forwarding = services.forwarding
        page, cursor = await forwarding.deliveries(
            who,
            request.path_params["destination_id"],
            limit=_page_size(request),
            after=request.query_params.get("after") or None,
        )
        return JSON(
            {
                "deliveries": [forwarding.wire_delivery(d) for d in page],
                "has_more": cursor is not None,
                "next_cursor": cursor,
            }
        )

    async def replay(request: Request) -> JSON:
        who = await caller(request)
        body = await json_body(request, Replay)
        forwarding = services.forwarding
        queued = await forwarding.replay(who, request.path_params["event_id"], body.destination_id)
        return JSON({"deliveries": [forwarding.wire_delivery(d) for d in queued]}, status_code=202)

    one = "/event-destinations/{destination_id}"
    return [
        Route("/event-destinations", listing, methods=["GET"]),
        Route("/event-destinations", create, methods=["POST"]),
        Route(one, get, methods=["GET"]),
        Route(one, patch, methods=["PATCH"]),
        Route(one, delete, methods=["DELETE"]),
        Route(one + "/deliveries", deliveries, methods=["GET"]),
        Route("/events/{event_id}/replay", replay, methods=["POST"]),
    ]
