"""The control API: ``/connections`` (Maton's wire shape), ``/apps``, ``/user`` and ``/healthz``."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import text
from starlette.requests import Request
from starlette.routing import BaseRoute, Route

from trunkline import accounts
from trunkline.accounts import Caller
from trunkline.control.http import JSON, json_body
from trunkline.enums import Method, Status
from trunkline.errors import InvalidRequest, NotFound
from trunkline.services import Services

E = TypeVar("E", bound=StrEnum)


class CreateConnection(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    app: str = Field(min_length=1, max_length=64)
    method: str | None = None
    credentials: dict[str, Any] | None = None
    metadata: dict[str, Any] | None = None


class Reconnect(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    credentials: dict[str, Any] | None = None


def _filter(request: Request, name: str) -> str | None:
    value = request.query_params.get(name)
    if value and ("\x00" in value or len(value) > 200):
        raise InvalidRequest(f"{name} is not a valid filter value")
    return value or None


def _choice(raw: str | None, name: str, kind: type[E]) -> E | None:
    if raw is None or raw == "":
        return None
    try:
        return kind(raw.upper())
    except ValueError:
        raise InvalidRequest(f"{name} must be one of {', '.join(kind)}") from None


def _limit(request: Request) -> int | None:
    raw = request.query_params.get("limit")
    if raw is None or raw == "":
        return None
    if not raw.isdigit() or len(raw) > 6:
        raise InvalidRequest("limit must be a whole number from 0 to 999999")
    return int(raw)


def routes(services: Services) -> list[BaseRoute]:
    connections = services.connections

    async def caller(request: Request) -> Caller:
        who = await services.caller(request.headers.get("authorization"))
        connection = request.path_params.get("connection_id")
        who.scope.check_control(request.method, connection=connection)
        if connection is not None and who.scope.apps is not None:
            who.scope.check_app((await connections.get(who, connection)).app)
        return who

    async def list_connections(request: Request) -> JSON:
        who = await caller(request)
        rows = await connections.listing(
            who,
            app=_filter(request, "app"),
            status=_choice(request.query_params.get("status"), "status", Status),
            method=_choice(request.query_params.get("method"), "method", Method),
            limit=_limit(request),
        )
        rows = [c for c in rows if who.scope.allows(c.app, c.id)]
        return JSON({"connections": [connections.wire(c) for c in rows]})

    async def create_connection(request: Request) -> JSON:
        who = await caller(request)
        payload = await json_body(request, CreateConnection)
        who.scope.check_app(payload.app)
        method = _choice(payload.method, "method", Method)
        conn = await connections.create(
            who, payload.app, method, payload.credentials, payload.metadata
        )
        return JSON({"connection": connections.wire(conn)}, status_code=201)

    async def get_connection(request: Request) -> JSON:
        who = await caller(request)
        conn = await connections.get(who, request.path_params["connection_id"])
        return JSON({"connection": connections.wire(conn)})

    async def delete_connection(request: Request) -> JSON:
        who = await caller(request)
        await connections.delete(who, request.path_params["connection_id"])
        return JSON({})

    async def reconnect_connection(request: Request) -> JSON:
        """A fresh connect ``url`` for the same connection id (or, with ``credentials``, the new
        credential verified and swapped in at once). The old credential works until replaced."""
        who = await caller(request)
        payload = await json_body(request, Reconnect)
        conn = await connections.reconnect(
            who, request.path_params["connection_id"], payload.credentials
        )
        return JSON({"connection": connections.wire(conn)})

    async def list_apps(request: Request) -> JSON:
        await caller(request)
        return JSON({"apps": [p.public() for p in services.catalogue.providers.values()]})

    async def get_app(request: Request) -> JSON:
        await caller(request)
        provider = services.catalogue.get(request.path_params["app"])
        if provider is None:
            raise NotFound(f"unknown app {request.path_params['app']!r}", code="app_not_found")
        return JSON({"app": provider.public()})

    async def user(request: Request) -> JSON:
        """Who the key belongs to (Maton's ``whoami``), for SDKs and agents."""
        who = await caller(request)
        async with services.sessions() as db:
            name = (await accounts.account(db, who.account_id)).name
        return JSON(
            {
                "id": who.account_id,
                "account_id": who.account_id,
                "account_name": name,
                "name": name,
                "email": None,
                "key_id": who.key_id,
                "mode": who.mode.value,
                "scope": who.scope.wire(),
                "sandboxes": sorted(services.catalogue.sandboxes),
            }
        )

    async def healthz(request: Request) -> JSON:
        async with services.sessions() as db:
            await db.execute(text("select 1"))
        return JSON({"status": "ok", "apps": sorted(services.catalogue.providers)})

    return [
        Route("/connections", list_connections, methods=["GET"]),
        Route("/connections", create_connection, methods=["POST"]),
        Route("/connections/{connection_id}", get_connection, methods=["GET"]),
        Route("/connections/{connection_id}", delete_connection, methods=["DELETE"]),
        Route("/connections/{connection_id}/reconnect", reconnect_connection, methods=["POST"]),
        Route("/apps", list_apps, methods=["GET"]),
        Route("/apps/{app}", get_app, methods=["GET"]),
        Route("/user", user, methods=["GET"]),
        Route("/healthz", healthz, methods=["GET"]),
    ]
