"""What every dated operation does around its own work.

The version header first (Quo checks it before the key: a request with no headers at all is a
400, not a 401), then the raw key, then the key's 10 requests per second (one budget shared
with v1), then the handler; errors come back in the dated body.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from trunkline.sandbox.quo.dated.errors import VERSION, VERSION_MESSAGE, error_response
from trunkline.sandbox.quo.endpoint import Call, world_of
from trunkline.sandbox.quo.errors import QuoError

log = logging.getLogger("trunkline.sandbox.quo")

Handler = Callable[[Call], Awaitable[Response]]
HEADERS = ("quo-api-version", "x-quo-api-version")


def requested_version(request: Request) -> str | None:
    """``Quo-Api-Version``, or the beta docs' ``x-quo-api-version`` when it is absent."""
    for name in HEADERS:
        value = request.headers.get(name)
        if value is not None:
            return value.strip()
    return None


def check_version(request: Request) -> None:
    if requested_version(request) != VERSION:
        raise QuoError(400, VERSION_MESSAGE)


def operation(handler: Handler, *, trace: bool = True) -> Callable[[Request], Awaitable[Response]]:
    async def run(request: Request) -> Response:
        world = world_of(request)
        await world.ensure_running()
        try:
            check_version(request)
            org = world.workspace_for_key(request.headers.get("authorization"))
            world.check_rate(org["apiKey"])
            return await handler(Call(request, world, org))
        except QuoError as exc:
            return error_response(exc, trace=trace)
        except Exception:
            log.exception("quo sandbox (dated): %s %s failed", request.method, request.url.path)
            return error_response(QuoError(500, "We have encountered an unknown error"))

    return run


def route(path: str, method: str, handler: Handler, *, trace: bool = True) -> Route:
    return Route(path, operation(handler, trace=trace), methods=[method])
