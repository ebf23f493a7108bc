"""``trunkline mcp``: serve the MCP tools over stdio (Claude Desktop, Cursor, any MCP client)."""

from __future__ import annotations

import asyncio
import os

import typer

from trunkline import logs
from trunkline.cli.output import exit_for
from trunkline.client import AsyncClient, TrunklineClientError
from trunkline.settings import Settings


def mcp(
    url: str = typer.Option(None, "--url", help="trunkline server (TRUNKLINE_URL)."),
    api_key: str = typer.Option(None, "--api-key", help="API key (TRUNKLINE_API_KEY)."),
    connection: str = typer.Option(
        None, "--connection", help="Default connection id (MATON_CONNECTION)."
    ),
) -> None:
    """Run the MCP server on stdin/stdout, calling the trunkline server at --url."""
    from trunkline.mcp.stdio import serve_stdio

    try:
        client = AsyncClient(api_key, base_url=url, timeout=120)
    except TrunklineClientError as exc:
        raise exit_for(exc) from None
    # One audit line per tool call on stderr (stdout carries the protocol).
    settings = Settings()
    logs.configure(settings.log_level)
    default = connection or os.environ.get("MATON_CONNECTION")
    asyncio.run(serve_stdio(client, default, audit_bodies=settings.audit_bodies))
