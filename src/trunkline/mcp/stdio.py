"""``trunkline mcp``: the MCP server over stdio for desktop agents, against any trunkline."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from mcp.server.context import ServerRequestContext
from mcp.server.stdio import stdio_server

from trunkline.client import AsyncClient, TrunklineClientError
from trunkline.mcp.server import build_server


async def serve_stdio(
    client: AsyncClient, connection: str | None = None, *, audit_bodies: bool = False
) -> None:
    """Serve until stdin closes; every tool call uses ``client`` (one key, one server)."""
    key_id: list[str] = []  # asked of the server once, for the audit lines

    @contextlib.asynccontextmanager
    async def bind(
        _: ServerRequestContext[Any, Any],
    ) -> AsyncIterator[tuple[AsyncClient, str | None, str | None]]:
        if not key_id:
            with contextlib.suppress(TrunklineClientError):
                key_id.append((await client.user()).key_id)
        yield client, connection, key_id[0] if key_id else None

    server = build_server(bind, audit_bodies=audit_bodies)
    async with client, stdio_server() as (read, write):
        await server.run(read, write, server.create_initialization_options())
