"""The control API: ``/connections`` (Maton's wire shape), ``/apps`` and ``/healthz``."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import text
from starlette.requests import Request
from starlette.routing import Route

from trunkline import connections
from trunkline.connect.revocation import revoke_deleted, revoke_quietly
from trunkline.connections import METHODS, STATUSES
from trunkline.control.http import JSON, caller, json_body
from trunkline.errors import InvalidRequest, NotFound


class CreateConnection(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    app: str = Field(min_length=1, max_length=64)
    method: str | None = None
    credentials: dict[str, Any] | None = None
    metadata: dict[str, Any] | None = None


def _filter(request: Request, name: str, allowed: tuple[str, ...] | None = None) -> str | None:
    value = request.query_params.get(name)
    if value is None or value == "":
        return None
    if allowed is not None and value.upper() not in allowed:
        raise InvalidRequest(f"{name} must be one of {', '.join(allowed)}")
    return value.upper() if allowed is not None else value


def _limit(request: Request) -> int | None:
    raw = request.query_params.get("limit")
    if raw is None or raw == "":
        return None
    if not raw.isdigit() or len(raw) > 6:
        raise InvalidRequest("limit must be a whole number from 0 to 999999")
    return int(raw)


async def list_connections(request: Request) -> JSON:
    account = await caller(request)
    services = request.app.state.services
    async with services.sessions() as db:
        rows = await connections.listing(
            db,
            account,
            app=_filter(request, "app"),
            status=_filter(request, "status", STATUSES),
            method=_filter(request, "method", METHODS),
            limit=_limit(request),
        )
        return JSON({"connections": [connections.wire(c, services.ctx) for c in rows]})


async def create_connection(request: Request) -> JSON:
    account = await caller(request)
    payload = await json_body(request, CreateConnection)
    services = request.app.state.services
    method = payload.method.upper() if payload.method else None
    if method is not None and method not in METHODS:
        raise InvalidRequest(f"method must be one of {', '.join(METHODS)}")
    async with services.sessions() as db, db.begin():
        conn = await connections.create(
            db, services.ctx, account, payload.app, method, payload.credentials, payload.metadata
        )
    services.resolver.forget_account(account)
    return JSON({"connection": connections.wire(conn, services.ctx)}, status_code=201)


async def get_connection(request: Request) -> JSON:
    account = await caller(request)
    services = request.app.state.services
    async with services.sessions() as db:
        conn = await connections.get(db, account, request.path_params["connection_id"])
        return JSON({"connection": connections.wire(conn, services.ctx)})


async def delete_connection(request: Request) -> JSON:
    account = await caller(request)
    services = request.app.state.services
    async with services.sessions() as db, db.begin():
        conn = await connections.delete(db, account, request.path_params["connection_id"])
    services.resolver.forget_account(account)
    provider = services.catalogue.get(conn.app)
    await revoke_deleted(services.http, request.app.state.oauth, services.vault, provider, conn)
    return JSON({})


class Reconnect(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    credentials: dict[str, Any] | None = None


async def reconnect_connection(request: Request) -> JSON:
    """A fresh connect ``url`` for the same connection id (or, with ``credentials``, the new
    credential verified and swapped in at once). The old credential works until replaced."""
    account = await caller(request)
    payload = await json_body(request, Reconnect)
    services = request.app.state.services
    async with services.sessions() as db, db.begin():
        conn, replaced = await connections.reconnect(
            db, services.ctx, account, request.path_params["connection_id"], payload.credentials
        )
    services.resolver.forget_account(account)
    provider = services.catalogue.get(conn.app)
    await revoke_quietly(
        services.http, request.app.state.oauth, provider, replaced, conn.id, "reconnected"
    )
    return JSON({"connection": connections.wire(conn, services.ctx)})


async def list_apps(request: Request) -> JSON:
    await caller(request)
    catalogue = request.app.state.services.catalogue
    return JSON({"apps": [p.public() for p in catalogue.providers.values()]})


async def get_app(request: Request) -> JSON:
    await caller(request)
    provider = request.app.state.services.catalogue.get(request.path_params["app"])
    if provider is None:
        raise NotFound(f"unknown app {request.path_params['app']!r}", code="app_not_found")
    return JSON({"app": provider.public()})


async def healthz(request: Request) -> JSON:
    services = request.app.state.services
    async with services.sessions() as db:
        await db.execute(text("select 1"))
    return JSON({"status": "ok", "apps": sorted(services.catalogue.providers)})


ROUTES = [
    Route("/connections", list_connections, methods=["GET"]),
    Route("/connections", create_connection, methods=["POST"]),
    Route("/connections/{connection_id}", get_connection, methods=["GET"]),
    Route("/connections/{connection_id}", delete_connection, methods=["DELETE"]),
    Route("/connections/{connection_id}/reconnect", reconnect_connection, methods=["POST"]),
    Route("/apps", list_apps, methods=["GET"]),
    Route("/apps/{app}", get_app, methods=["GET"]),
    Route("/healthz", healthz, methods=["GET"]),
]
