"""A real ``trunkline serve`` with its sandboxes, and MCP sessions to it over both transports:
Streamable HTTP at ``/mcp`` and stdio through ``trunkline mcp``, each with the official client."""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import httpx2
import pytest
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamable_http_client

from tests.support import secrets
from tests.support.process import BIN, TrunklineProcess

TRANSPORTS = ["http", "stdio"]


@pytest.fixture(scope="session")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TrunklineProcess]:
    data = tmp_path_factory.mktemp("mcp") / "data"
    env = {"TRUNKLINE_SANDBOX_SPEED": "50", "TRUNKLINE_THROTTLE_WAIT": "30"}
    proc = TrunklineProcess(data, env=env).start()
    try:
        yield proc
    finally:
        proc.stop()


@dataclass
class Agent:
    """An MCP session plus the transcript of the tools it called."""

    session: ClientSession
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    async def call(self, tool: str, **arguments: Any) -> Any:
        """The tool's structured result; a tool error fails the test with its message."""
        self.calls.append((tool, arguments))
        result = await self.session.call_tool(tool, arguments)
        assert not result.is_error, result.content[0].text  # type: ignore[union-attr]
        return json.loads(result.content[0].text)  # type: ignore[union-attr]

    async def fail(self, tool: str, **arguments: Any) -> str:
        """The text of the tool error the call must produce."""
        self.calls.append((tool, arguments))
        result = await self.session.call_tool(tool, arguments)
        assert result.is_error, result.content
        return str(result.content[0].text)  # type: ignore[union-attr]


@contextlib.asynccontextmanager
async def http_session(
    proc: TrunklineProcess, key: str | None = None, connection: str | None = None
) -> AsyncIterator[ClientSession]:
    headers = proc.headers(key)
    if connection:
        headers["Maton-Connection"] = connection
    async with (
        httpx2.AsyncClient(headers=headers, timeout=120) as http,
        streamable_http_client(proc.url + "/mcp", http_client=http) as (read, write),
        ClientSession(read, write) as session,
    ):
        await session.initialize()
        yield session


@contextlib.asynccontextmanager
async def stdio_session(
    proc: TrunklineProcess, key: str | None = None, env: dict[str, str] | None = None
) -> AsyncIterator[ClientSession]:
    params = StdioServerParameters(
        command=str(BIN),
        args=["mcp"],
        # The client passes only a minimal environment on; PYTHONPATH keeps this checkout's code.
        env={
            "TRUNKLINE_URL": proc.url,
            "TRUNKLINE_API_KEY": key or proc.api_key or "",
            **(env or {}),
            **({"PYTHONPATH": os.environ["PYTHONPATH"]} if "PYTHONPATH" in os.environ else {}),
        },
    )
    with open(secrets.log_dir() / "mcp-stdio.err", "a") as errlog:
        async with (
            stdio_client(params, errlog=errlog) as (read, write),
            ClientSession(read, write) as session,
        ):
            await session.initialize()
            yield session


@contextlib.asynccontextmanager
async def agent(
    proc: TrunklineProcess, transport: str, key: str | None = None
) -> AsyncIterator[Agent]:
    opened = http_session(proc, key) if transport == "http" else stdio_session(proc, key)
    async with opened as session:
        yield Agent(session)


def gateway(proc: TrunklineProcess, method: str, path: str, **kwargs: Any) -> httpx.Response:
    """A plain gateway call with the test key (plays the outside world: customers texting)."""
    return httpx.request(method, proc.url + path, headers=proc.headers(), timeout=30, **kwargs)
