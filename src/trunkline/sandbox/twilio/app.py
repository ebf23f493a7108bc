"""The Twilio sandbox as one ASGI app: the REST API under ``/2010-04-01`` and the control
surface under ``/_sandbox``. It works mounted under a prefix (``Mount("/sandbox/twilio")``):
every link it hands out is relative to the API root, as Twilio's are.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from trunkline.sandbox.kit import SandboxConfig
from trunkline.sandbox.twilio import (
    accounts,
    addons,
    addresses,
    applications,
    available,
    balance,
    callinfo,
    calls,
    conferences,
    control,
    errors,
    media,
    messages,
    messaging,
    numbers,
    queues,
    recordings,
    triggers,
    usage,
    voice,
)
from trunkline.sandbox.twilio.api import provider_path
from trunkline.sandbox.twilio.seed import build_world
from trunkline.sandbox.twilio.world import World


def create_app(config: SandboxConfig | None = None) -> Starlette:
    world = World(config or SandboxConfig(), build_world)
    # What follows a call's answer and end: its recordings, conference, queue, usage triggers.
    world.call_listeners += [
        recordings.on_call,
        conferences.on_call,
        queues.on_call,
        triggers.on_call,
    ]

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with world.runtime.lifespan(app):
            messaging.resume(world)
            voice.resume(world)
            try:
                yield
            finally:
                await world.callbacks.aclose()

    routes = [
        *accounts.routes(world),
        *messages.routes(world),
        *media.routes(world),
        *calls.routes(world),
        *callinfo.routes(world),
        *recordings.routes(world),
        *conferences.routes(world),
        *numbers.routes(world),
        *addons.routes(world),
        *available.routes(world),
        *applications.routes(world),
        *queues.routes(world),
        *queues.member_routes(world),
        *addresses.routes(world),
        *usage.routes(world),
        *triggers.routes(world),
        *balance.routes(world),
        *control.routes(world),
    ]
    app = Starlette(
        routes=routes,
        lifespan=lifespan,
        exception_handlers={
            HTTPException: _http_error,
            Exception: _server_error,
        },
    )
    app.state.world = world
    return app


async def _http_error(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    if status == 405:
        return errors.method_not_allowed(request.method).response()
    if status == 404:
        return errors.not_found(provider_path(request)).response()
    return errors.TwilioError(status, 20001, "Bad request").response()


async def _server_error(_request: Request, _exc: Exception) -> Response:
    return errors.internal().response()
