"""The README's MCP section, used as written: the Claude Desktop entry's command, arguments and
environment start the stdio server, and the URL and header it gives any other client reach
``/mcp`` — both against a live ``trunkline serve`` with its sandboxes."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import httpx2
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamable_http_client

from tests.support import secrets
from tests.support.process import BIN, TrunklineProcess

README = Path(__file__).resolve().parents[2] / "README.md"
DOCUMENTED_BASE = "http://127.0.0.1:8470"  # `trunkline serve`'s default address


def section() -> str:
    return README.read_text().split("\n## Agents (MCP)\n", 1)[1].split("\n## ", 1)[0]


def desktop_entry() -> dict[str, Any]:
    (block,) = re.findall(r"```json\n(.*?)```", section(), re.S)
    entry: dict[str, Any] = json.loads(block)["mcpServers"]["trunkline"]
    return entry


async def check(session: ClientSession, key: str) -> None:
    await session.initialize()
    names = {tool.name for tool in (await session.list_tools()).tools}
    assert {"whoami", "send_sms", "wait_for_event", "run_action", "api"} <= names
    result = await session.call_tool("whoami", {})
    assert not result.is_error, result.content
    me = json.loads(result.content[0].text)  # type: ignore[union-attr]
    assert me["mode"] == "test" and key.startswith("tk_test_")


async def test_the_claude_desktop_entry_starts_the_stdio_server(
    trunkline_sandboxed: TrunklineProcess,
) -> None:
    entry = desktop_entry()
    assert entry["command"] == "trunkline" and entry["env"]["TRUNKLINE_URL"] == DOCUMENTED_BASE
    assert entry["env"]["TRUNKLINE_API_KEY"].startswith("tk_test_")
    key = trunkline_sandboxed.api_key or ""
    env = {**entry["env"], "TRUNKLINE_URL": trunkline_sandboxed.url, "TRUNKLINE_API_KEY": key}
    if "PYTHONPATH" in os.environ:  # this checkout's code, as installed for the user
        env["PYTHONPATH"] = os.environ["PYTHONPATH"]
    # `trunkline` as the user's PATH finds it: the one installed next to this interpreter.
    params = StdioServerParameters(command=str(BIN.parent / entry["command"]), args=entry["args"])
    params.env = env
    with open(secrets.log_dir() / "readme-mcp-stdio.err", "a") as errlog:
        async with (
            stdio_client(params, errlog=errlog) as (read, write),
            ClientSession(read, write) as session,
        ):
            await check(session, key)


async def test_the_documented_url_and_header_reach_streamable_http(
    trunkline_sandboxed: TrunklineProcess,
) -> None:
    text = " ".join(section().split())
    found = re.search(
        r"the URL `(\S+)` with the header `Authorization: Bearer (tk_test_\.\.\.)`", text
    )
    assert found is not None, "the README names the /mcp URL and its header"
    assert found.group(1) == DOCUMENTED_BASE + "/mcp"
    url = found.group(1).replace(DOCUMENTED_BASE, trunkline_sandboxed.url)
    key = trunkline_sandboxed.api_key or ""
    async with (
        httpx2.AsyncClient(headers={"Authorization": f"Bearer {key}"}, timeout=60) as http,
        streamable_http_client(url, http_client=http) as (read, write),
        ClientSession(read, write) as session,
    ):
        await check(session, key)
