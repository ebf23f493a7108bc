"""The Quo sandbox as an ASGI app: Quo's 27 v1 operations under ``/v1``, the 51 operations of
the dated API (``Quo-Api-Version: 2026-03-30``) at the root, both over one world, and the
control surface under ``/_sandbox``. ``create_app(SandboxConfig(...))`` is what trunkline mounts
and what ``trunkline sandbox quo`` serves."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute

from trunkline.sandbox.kit import SandboxConfig
from trunkline.sandbox.quo import (
    calllife,
    calls,
    contacts,
    control,
    conversations,
    customfields,
    directory,
    errors,
    messages,
    webhooks,
)
from trunkline.sandbox.quo.dated import a2p, delivery
from trunkline.sandbox.quo.dated.errors import error_response as dated_error_response
from trunkline.sandbox.quo.dated.routes import dated_routes
from trunkline.sandbox.quo.endpoint import route
from trunkline.sandbox.quo.errors import QuoError, error_response
from trunkline.sandbox.quo.world import QuoWorld


def api_routes() -> list[BaseRoute]:
    e = errors
    return [
        route("/v1/calls", "GET", e.CALLS, calls.list_calls),
        route("/v1/calls/{callId}", "GET", e.CALLS, calls.get_call),
        route("/v1/call-recordings/{callId}", "GET", e.RECORDINGS, calls.get_recordings),
        route("/v1/call-summaries/{callId}", "GET", e.CALL_SUMMARIES, calls.get_summary),
        route("/v1/call-transcripts/{id}", "GET", e.CALL_TRANSCRIPTS, calls.get_transcript),
        route("/v1/call-voicemails/{callId}", "GET", e.VOICEMAILS, calls.get_voicemail),
        route("/v1/contact-custom-fields", "GET", e.CUSTOM_FIELDS, customfields.list_definitions),
        route("/v1/contacts", "GET", e.CONTACTS, contacts.list_contacts),
        route("/v1/contacts", "POST", e.CONTACTS, contacts.create_contact),
        route("/v1/contacts/{id}", "GET", e.CONTACTS, contacts.get_contact),
        route("/v1/contacts/{id}", "PATCH", e.CONTACTS, contacts.update_contact),
        route("/v1/contacts/{id}", "DELETE", e.CONTACTS, contacts.delete_contact),
        route("/v1/conversations", "GET", e.CONVERSATIONS, conversations.list_conversations),
        route("/v1/messages", "GET", e.MESSAGES, messages.list_messages),
        route("/v1/messages", "POST", e.MESSAGES, messages.send_message),
        route("/v1/messages/{id}", "GET", e.MESSAGES, messages.get_message),
        route("/v1/phone-numbers", "GET", e.PHONE_NUMBERS, directory.list_phone_numbers),
        route(
            "/v1/phone-numbers/{phoneNumberId}", "GET", e.PHONE_NUMBERS, directory.get_phone_number
        ),
        route("/v1/users", "GET", e.USERS, directory.list_users),
        route("/v1/users/{userId}", "GET", e.USERS, directory.get_user),
        route("/v1/webhooks", "GET", e.WEBHOOKS, webhooks.list_webhooks),
        route("/v1/webhooks/{id}", "GET", e.WEBHOOKS, webhooks.get_webhook),
        route("/v1/webhooks/{id}", "DELETE", e.WEBHOOKS, webhooks.delete_webhook),
        *(
            route(f"/v1/webhooks/{family}", "POST", e.WEBHOOKS, webhooks.creator(family))
            for family in ("messages", "calls", "call-summaries", "call-transcripts")
        ),
    ]


async def _http_error(request: Request, exc: Exception) -> Response:
    """Unknown paths and methods: Quo's body when the path names a resource, else a plain one."""
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    path = request.url.path.removeprefix(request.scope.get("root_path", ""))
    family = errors.family_for_path(path)
    message = "Method not allowed" if status == 405 else "Not found"
    if family is not None:
        return error_response(family, QuoError(status, message))
    if not path.startswith(("/v1/", "/_sandbox")):
        # Everything unprefixed is the dated API's, with its error body.
        return dated_error_response(QuoError(status, message))
    return JSONResponse({"message": message, "status": status}, status_code=status)


def _resume(world: QuoWorld) -> None:
    for doc in world.table("messages").values():
        if doc["status"] in ("queued", "sent"):
            messages.schedule_delivery(world, doc["id"])
    calllife.resume(world)
    delivery.resume(world)
    a2p.resume(world)


def create_app(config: SandboxConfig | None = None) -> Starlette:
    world = QuoWorld(config or SandboxConfig())
    world.on_start = lambda: _resume(world)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with world.runtime.lifespan(app):
            await world.ensure_running()
            try:
                yield
            finally:
                await world.aclose()
        world.running = False

    app = Starlette(
        routes=[*api_routes(), *control.routes(), *dated_routes()],
        exception_handlers={404: _http_error, 405: _http_error},
        lifespan=lifespan,
    )
    app.state.world = world
    return app
