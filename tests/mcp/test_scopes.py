"""Scoped keys through MCP, with the official ``mcp`` client over both transports: the gateway's
refusal comes back as a clear tool error, nothing is sent, and each tool call leaves one audit
line (key id, tool, action, connection, outcome, duration) without the message text."""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.mcp.conftest import TRANSPORTS, Agent, agent, stdio_session
from tests.support import secrets
from tests.support.process import TrunklineProcess

INSIDE, OUTSIDE = "+15551234567", "+14155550100"


def scoped_key(proc: TrunklineProcess, *flags: str) -> tuple[str, str]:
    """A new key with ``flags`` and its id."""
    data = str(proc.data_dir)
    made = proc.cli("keys", "create", "--data-dir", data, "--mode", "test", *flags)
    assert made.returncode == 0, made.stderr
    key = made.stdout.strip()
    listed = json.loads(proc.cli("keys", "list", "--data-dir", data, "--json").stdout)
    return key, next(k["id"] for k in listed if key.startswith(k["prefix"]))


async def texts_with(a: Agent, number: str) -> str:
    """Everything the Quo workspace has exchanged with ``number``, as JSON text."""
    return json.dumps(await a.call("list_messages", participant=number, limit=50))


def audit_lines(
    path: Path, marker: str, count: int = 1, logger: str = "trunkline.audit", also: str = ""
) -> list[dict[str, Any]]:
    """The ``logger``'s lines that contain ``marker`` (a key id, say) and ``also``; waits for
    ``count`` of them."""
    deadline = time.monotonic() + 10
    while True:
        text = path.read_text(errors="replace") if path.exists() else ""
        lines = [
            json.loads(line)
            for line in text.splitlines()
            if f'"logger":"{logger}"' in line and marker in line and also in line
        ]
        if len(lines) >= count or time.monotonic() > deadline:
            return lines
        time.sleep(0.05)


def log_of(served: TrunklineProcess, transport: str) -> Path:
    """Where a tool call's audit line goes: the server's log for /mcp, the stdio server's own
    stderr for ``trunkline mcp``."""
    return served.stderr_path if transport == "http" else secrets.log_dir() / "mcp-stdio.err"


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_read_only_key_cannot_send_sms(served: TrunklineProcess, transport: str) -> None:
    key, key_id = scoped_key(served, "--read-only")
    words = f"never sent {uuid.uuid4().hex}"
    async with agent(served, transport, key) as a:
        assert (await a.call("list_calls", limit=1))["items"] is not None  # reading works
        error = await a.fail("send_sms", to=INSIDE, text=words)
        assert "read-only" in error and "HTTP 403" in error
        assert words not in await texts_with(a, INSIDE)
    [line] = audit_lines(log_of(served, transport), key_id + '","tool":"send_sms"')
    assert line["outcome"] == "scope_read_only"
    assert line["action"] == "quo.list_phone_numbers,quo.send_message"
    assert line["connection"] == "default" and line["ms"] >= 0
    assert words not in log_of(served, transport).read_text()
    # The runner named the action to the gateway, which logged it with the key and outcome.
    [access] = audit_lines(
        served.stderr_path, key_id, 1, "trunkline.access", '"action":"quo.send_message"'
    )
    assert (access["status"], access["error"]) == (403, "scope_read_only")
    assert access["path"] == "/v1/messages"  # refused before choosing a connection
    assert words not in served.stderr()


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_destination_scope_through_mcp(served: TrunklineProcess, transport: str) -> None:
    key, key_id = scoped_key(served, "--to", "+1555*")
    words = f"hello {uuid.uuid4().hex}"
    async with agent(served, transport, key) as a:
        sent = await a.call("send_sms", to=INSIDE, text=words)
        assert sent["action"] == "quo.send_message"
        error = await a.fail("send_sms", to=OUTSIDE, text=words)
        assert f"may send only to +1555*, not {OUTSIDE}" in error
        assert words in await texts_with(a, INSIDE)
        assert words not in await texts_with(a, OUTSIDE)
        raw = await a.session.call_tool(
            "api",
            {"app": "quo", "path": "/v1/messages", "method": "POST", "body": {"to": [OUTSIDE]}},
        )
        assert raw.is_error and "scope_destination" in json.dumps(raw.structured_content)
    lines = audit_lines(log_of(served, transport), key_id, 5)
    assert [(x["tool"], x["outcome"]) for x in lines] == [
        ("send_sms", "ok"),
        ("send_sms", "scope_destination"),
        ("list_messages", "ok"),
        ("list_messages", "ok"),
        ("api", "scope_destination"),
    ]
    assert all("arguments" not in x for x in lines)


async def test_audit_bodies_setting_puts_arguments_in_the_line(served: TrunklineProcess) -> None:
    key, key_id = scoped_key(served, "--read-only")
    words = f"logged on purpose {uuid.uuid4().hex}"
    env = {"TRUNKLINE_AUDIT_BODIES": "true"}
    async with stdio_session(served, key, env) as session:
        result = await session.call_tool("send_sms", {"to": INSIDE, "text": words})
        assert result.is_error
    [line] = audit_lines(log_of(served, "stdio"), key_id)
    assert line["arguments"] == {"to": INSIDE, "text": words}
    assert line["outcome"] == "scope_read_only"


async def test_send_budget_through_mcp(served: TrunklineProcess) -> None:
    key, _ = scoped_key(served, "--sends-per-day", "1")
    async with agent(served, "http", key) as a:
        await a.call("send_sms", to=INSIDE, text="the one text today")
        error = await a.fail("send_sms", to=INSIDE, text="one too many")
        assert "send budget" in error and "HTTP 429" in error
