"""The RingCentral sandbox as an ASGI app: the OAuth endpoints and a slice of REST API v1.0 at
the root, the control surface under ``/_sandbox``. ``create_app(SandboxConfig(...))`` is what
trunkline mounts and what ``trunkline sandbox ringcentral`` serves."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from trunkline.sandbox.kit import SandboxConfig
from trunkline.sandbox.ringcentral import api, control, messages, oauth
from trunkline.sandbox.ringcentral.errors import ApiError
from trunkline.sandbox.ringcentral.world import RingCentralWorld


async def _http_error(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    if status == 405:
        return ApiError(405, "CMN-405", "The requested method is not supported").response()
    return ApiError(404, "AGW-404", "Resource not found").response()


def _resume(world: RingCentralWorld) -> None:
    for message_id, message in world.table("messages").items():
        if message["status"] in ("Queued", "Sent"):
            messages.schedule(world, message_id)


def create_app(config: SandboxConfig | None = None) -> Starlette:
    world = RingCentralWorld(config or SandboxConfig())

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with world.runtime.lifespan(app):
            await world.ensure_running()
            _resume(world)
            yield
        world.running = False

    app = Starlette(
        routes=[*oauth.routes(), *api.routes(), *control.routes()],
        exception_handlers={404: _http_error, 405: _http_error},
        lifespan=lifespan,
    )
    app.state.world = world
    return app
