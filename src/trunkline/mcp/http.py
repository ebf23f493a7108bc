"""``/mcp``: the MCP server over Streamable HTTP, inside ``trunkline serve``.

Each HTTP request's ``Authorization: Bearer <key>`` is the identity: the tools call the gateway
with that key (and the request's ``Maton-Connection``, if any), in-process through the app's
own ASGI interface, so a key sees exactly what it would see over plain HTTP. The transport is
stateless (no MCP session kept between requests), so any replica can answer any request and
Maton's toolkit, which opens a session per operation, leaves nothing behind.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from mcp.server.context import ServerRequestContext
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import Receive, Scope, Send

from trunkline.actions import Actions
from trunkline.client import AsyncClient
from trunkline.mcp.server import build_server

# A client for a key: ``AsyncClient(key, transport=<the app in-process>)``.
ClientFactory = Callable[[str], AsyncClient]
# Raises (any exception) when the ``Authorization`` header holds no valid key.
KeyCheck = Callable[[str | None], Awaitable[Any]]
# Where the request's scope keeps the key's id (what the check returned), for the audit lines.
KEY_ID = "trunkline_key_id"


class McpEndpoint:
    """An ASGI app for ``/mcp``; ``run()`` must be entered in the host's lifespan."""

    def __init__(
        self,
        clients: ClientFactory,
        check_key: KeyCheck,
        actions: Actions | None = None,
        *,
        audit_bodies: bool = False,
    ) -> None:
        self.clients = clients
        self.check_key = check_key
        self.server = build_server(self._bind, actions, audit_bodies=audit_bodies)
        # The bearer key already guards every request, so browser DNS rebinding gains nothing:
        # no Host/Origin allow-list (which would break every public hostname).
        self.manager = StreamableHTTPSessionManager(
            self.server, stateless=True, json_response=True, session_idle_timeout=None
        )

    def run(self) -> contextlib.AbstractAsyncContextManager[None]:
        return self.manager.run()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        authorization = Request(scope).headers.get("authorization")
        try:
            caller = await self.check_key(authorization)
        except Exception as exc:  # the check's own error says why (no key, unknown key)
            response = JSONResponse(
                {"error": {"code": "unauthorized", "message": str(exc) or "invalid API key"}},
                status_code=401,
                headers={"WWW-Authenticate": 'Bearer realm="trunkline"'},
            )
            await response(scope, receive, send)
            return
        # The key's id, for the audit line of each tool call in this request.
        scope.setdefault("state", {})[KEY_ID] = getattr(caller, "key_id", None)
        await self.manager.handle_request(scope, receive, send)

    @contextlib.asynccontextmanager
    async def _bind(
        self, ctx: ServerRequestContext[Any, Any]
    ) -> AsyncIterator[tuple[AsyncClient, str | None, str | None]]:
        request = ctx.request
        if not isinstance(request, Request):
            raise RuntimeError("an /mcp tool call without its HTTP request")
        scheme, _, key = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer":  # check_key let it through, so this cannot happen
            raise RuntimeError("an /mcp request without a bearer key")
        key_id = request.scope.get("state", {}).get(KEY_ID)
        async with self.clients(key.strip()) as client:
            yield client, request.headers.get("maton-connection"), key_id
