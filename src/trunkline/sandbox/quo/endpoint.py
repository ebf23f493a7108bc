"""What every Quo operation does before and after its own work.

Authenticate the raw key (Quo's key-auth runs first), count the request against the key's
10 requests per second, run the handler, and render any :class:`QuoError` (or a crash) in the
documented body with the operation family's codes.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from trunkline.sandbox.quo.errors import Family, QuoError, error_response
from trunkline.sandbox.quo.world import QuoWorld

log = logging.getLogger("trunkline.sandbox.quo")

Doc = dict[str, Any]


@dataclass
class Call:
    """One authenticated API request: the world, the caller's workspace and the request."""

    request: Request
    world: QuoWorld
    org: Doc

    @property
    def query(self) -> Any:
        return self.request.query_params

    def path(self, name: str) -> str:
        return str(self.request.path_params[name])

    @property
    def base_url(self) -> str:
        return served_at(self.request)


Handler = Callable[[Call], Awaitable[Response]]


def served_at(request: Request) -> str:
    """Where this sandbox is served, including the path it is mounted at; no trailing slash.

    (Starlette's ``request.base_url`` is the outermost app's root, not the mount's.)
    """
    root = request.scope.get("root_path", "")
    return str(request.url.replace(path=root, query="", fragment="")).rstrip("/")


def world_of(request: Request) -> QuoWorld:
    world: QuoWorld = request.app.state.world
    return world


def operation(family: Family, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    async def run(request: Request) -> Response:
        world = world_of(request)
        await world.ensure_running()
        try:
            org = world.workspace_for_key(request.headers.get("authorization"))
            world.check_rate(org["apiKey"])
            return await handler(Call(request, world, org))
        except QuoError as exc:
            return error_response(family, exc)
        except Exception:
            log.exception("quo sandbox: %s %s failed", request.method, request.url.path)
            return error_response(family, QuoError(500, "Something went wrong"))

    return run


def route(path: str, method: str, family: Family, handler: Handler) -> Route:
    return Route(path, operation(family, handler), methods=[method])


def data(payload: Any, status: int = 200) -> JSONResponse:
    return JSONResponse({"data": payload}, status_code=status)
