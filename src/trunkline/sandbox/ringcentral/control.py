"""The control surface: play the outside world against the RingCentral sandbox.

Under ``/_sandbox`` (never a RingCentral path), JSON in and out, authenticated like the token
endpoint: ``Authorization: Basic base64(client_id:client_secret)`` of a registered app.

=========================================  =========================================================
``GET  /_sandbox``                          what this is, the app, counts, the rules
``POST /_sandbox/reset``                    back to the seed (every token issued so far is gone)
``POST /_sandbox/clock/advance``            run every pending state change now -> ``{"ran": n}``
``GET  /_sandbox/webhooks/deliveries``      webhook deliveries (this slice sends none: ``[]``)
``GET  /_sandbox/token-requests``           the token endpoint's log; ``?grant_type=refresh_token``
``POST /_sandbox/tokens/expire``            access tokens expire now: ``{"access_token"?: ...}``
``POST /_sandbox/tokens/revoke``            the user revokes the app: ``{"token"?: ...}`` (default
                                            every session of this app)
``POST /_sandbox/tokens/lifetimes``         lifetimes of tokens issued from now on, in seconds:
                                            ``{"access_token": 1, "refresh_token": 604800}``
=========================================  =========================================================

Errors: ``{"error": {"code", "message", "status"}}``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from trunkline.sandbox.ringcentral import tokens
from trunkline.sandbox.ringcentral.errors import OAuthError
from trunkline.sandbox.ringcentral.messages import unreachable
from trunkline.sandbox.ringcentral.world import RingCentralWorld, world_of

Doc = dict[str, Any]
Handler = Callable[[Request, RingCentralWorld, Doc, Doc], Awaitable[Response]]


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message, "status": status}}, status)


def control(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    async def run(request: Request) -> Response:
        world = world_of(request)
        await world.ensure_running()
        try:
            client, proven = tokens.client_from_request(
                world, request.headers.get("authorization", ""), {}
            )
        except OAuthError as exc:
            return _error(401, "unauthorized", exc.description)
        if not proven:
            return _error(401, "unauthorized", "send the app's client id and secret (Basic)")
        raw = await request.body()
        try:
            body = json.loads(raw) if raw.strip() else {}
        except (ValueError, RecursionError):
            return _error(400, "invalid_json", "The body is not valid JSON")
        if not isinstance(body, dict):
            return _error(400, "invalid_json", "The body must be a JSON object")
        return await handler(request, world, client, body)

    return run


def _sessions(world: RingCentralWorld, client: Doc) -> list[Doc]:
    return [s for s in world.table("sessions").values() if s["clientId"] == client["id"]]


async def info(request: Request, world: RingCentralWorld, client: Doc, body: Doc) -> Response:
    live = [s for s in _sessions(world, client) if s["revokedAt"] is None]
    account = world.account
    return JSONResponse(
        {
            "app": "ringcentral",
            "provider": "RingCentral REST API v1.0 and OAuth 2.0 (a slice)",
            "account": {"id": account["id"], "companyName": account["companyName"]},
            "client": {
                "id": client["id"],
                "name": client["name"],
                "secretHint": f"{client['secret'][:4]}…{client['secret'][-4:]}",
                "scopes": client["scopes"],
                "accessTokenTtl": client["accessTtl"],
                "refreshTokenTtl": client["refreshTtl"],
            },
            "extensions": [
                {"id": e["id"], "extensionNumber": e["extensionNumber"], "number": e["phoneNumber"]}
                for e in world.extensions()
            ],
            "counts": {
                "liveSessions": len(live),
                "calls": len(world.table("calls")),
                "messages": len(world.table("messages")),
            },
            "rules": {
                "unreachable": "SMS to numbers whose last 4 digits are 0000-0099 fail",
                "refreshTokens": "single use; refreshing ends the old access token at once",
            },
        }
    )


async def reset(request: Request, world: RingCentralWorld, client: Doc, body: Doc) -> Response:
    world.state.reset()
    return JSONResponse({"reset": True})


async def advance(request: Request, world: RingCentralWorld, client: Doc, body: Doc) -> Response:
    return JSONResponse({"ran": await world.runtime.clock.advance()})


async def deliveries(request: Request, world: RingCentralWorld, client: Doc, body: Doc) -> Response:
    return JSONResponse({"deliveries": []})


async def token_log(request: Request, world: RingCentralWorld, client: Doc, body: Doc) -> Response:
    wanted = request.query_params.get("grant_type")
    log = [
        entry
        for entry in world.state.meta.get("tokenRequests", [])
        if entry["clientId"] == client["id"] and (wanted is None or entry["grantType"] == wanted)
    ]
    return JSONResponse({"requests": log})


def _chosen(world: RingCentralWorld, client: Doc, body: Doc, field: str) -> list[Doc] | Response:
    token = body.get(field)
    if token is None:
        return _sessions(world, client)
    if not isinstance(token, str):
        return _error(400, "invalid_request", f"'{field}' must be a string")
    session_id = world.index("accessTokens").get(token) or world.index("refreshTokens").get(token)
    session = world.table("sessions").get(session_id or "")
    if session is None or session["clientId"] != client["id"]:
        return _error(404, "unknown_token", "no live session of this app has that token")
    return [session]


async def expire(request: Request, world: RingCentralWorld, client: Doc, body: Doc) -> Response:
    chosen = _chosen(world, client, body, "access_token")
    if isinstance(chosen, Response):
        return chosen
    now = time.time()
    for session in chosen:
        session["accessExpiresAt"] = min(session["accessExpiresAt"], now - 1)
    world.save()
    return JSONResponse({"expired": len(chosen)})


async def revoke(request: Request, world: RingCentralWorld, client: Doc, body: Doc) -> Response:
    chosen = _chosen(world, client, body, "token")
    if isinstance(chosen, Response):
        return chosen
    live = [s for s in chosen if s["revokedAt"] is None]
    for session in live:
        tokens.end_session(world, session)
    return JSONResponse({"revoked": len(live)})


async def lifetimes(request: Request, world: RingCentralWorld, client: Doc, body: Doc) -> Response:
    for field, key in (("access_token", "accessTtl"), ("refresh_token", "refreshTtl")):
        if field in body:
            value = body[field]
            if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 10**8:
                return _error(400, "invalid_lifetime", f"'{field}' must be whole seconds >= 1")
            client[key] = value
    world.save()
    return JSONResponse(
        {"access_token": client["accessTtl"], "refresh_token": client["refreshTtl"]}
    )


def routes() -> list[Route]:
    return [
        Route("/_sandbox", control(info), methods=["GET"]),
        Route("/_sandbox/reset", control(reset), methods=["POST"]),
        Route("/_sandbox/clock/advance", control(advance), methods=["POST"]),
        Route("/_sandbox/webhooks/deliveries", control(deliveries), methods=["GET"]),
        Route("/_sandbox/token-requests", control(token_log), methods=["GET"]),
        Route("/_sandbox/tokens/expire", control(expire), methods=["POST"]),
        Route("/_sandbox/tokens/revoke", control(revoke), methods=["POST"]),
        Route("/_sandbox/tokens/lifetimes", control(lifetimes), methods=["POST"]),
    ]


__all__ = ["routes", "unreachable"]
