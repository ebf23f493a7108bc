"""Money-costing tools send an ``Idempotency-Key`` the provider side sees, the caller's or a
generated one, the same on a retry; the gateway then sends a keyed retry only once. Checked at
the echo stand-in, which records every request the gateway forwards."""

from __future__ import annotations

from typing import Any

from tests.mcp.conftest import http_session
from tests.support.echo import EchoUpstream
from tests.support.process import TrunklineProcess


def _sent_keys(upstream: EchoUpstream, path: str) -> list[str | None]:
    return [r["headers"].get("idempotency-key") for r in upstream.seen if r["path"] == path]


async def test_idempotency_header_reaches_the_gateway(
    stack: TrunklineProcess, echo: tuple[str, EchoUpstream]
) -> None:
    upstream = echo[1]
    args: dict[str, Any] = {"to": "+14155550142", "text": "Your quote is ready", "app": "quo"}
    args["from"] = "+15555550123"
    async with http_session(stack) as session:
        first = await session.call_tool("send_sms", {**args, "idempotency_key": "order-1042"})
        retry = await session.call_tool("send_sms", {**args, "idempotency_key": "order-1042"})
        fresh = await session.call_tool("send_sms", args)
        listed = await session.call_tool("list_calls", {"app": "quo", "limit": 1})
    assert not (first.is_error or retry.is_error or fresh.is_error), first.content
    assert first.structured_content["idempotency_key"] == "order-1042"  # type: ignore[index]
    generated = fresh.structured_content["idempotency_key"]  # type: ignore[index]
    assert generated and generated != "order-1042"
    # The gateway honours the key: the retry is answered from the first send, not sent again.
    assert _sent_keys(upstream, "/v1/messages")[-2:] == ["order-1042", generated]
    assert retry.structured_content == first.structured_content
    # Reads carry no key.
    assert listed is not None
    assert all(k is None for k in _sent_keys(upstream, "/calls"))
