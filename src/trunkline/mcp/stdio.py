"""``trunkline mcp``: the MCP server over stdio for desktop agents, against any trunkline."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from mcp.server.context import ServerRequestContext
from mcp.server.stdio import stdio_server

from trunkline.client import AsyncClient
from trunkline.mcp.server import build_server


async def serve_stdio(client: AsyncClient, connection: str | None = None) -> None:
    """Serve until stdin closes; every tool call uses ``client`` (one key, one server)."""

    @contextlib.asynccontextmanager
    async def bind(
        _: ServerRequestContext[Any, Any],
    ) -> AsyncIterator[tuple[AsyncClient, str | None]]:
        yield client, connection

    server = build_server(bind)
    async with client, stdio_server() as (read, write):
        await server.run(read, write, server.create_initialization_options())
