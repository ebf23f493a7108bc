"""A scripted agent (no model: deterministic) drives the MCP tools through a realistic job:
a customer called and nobody answered; find who it was, text them, wait for their reply."""

from __future__ import annotations

import asyncio

import pytest

from tests.mcp.conftest import TRANSPORTS, Agent, agent, gateway
from tests.support.process import TrunklineProcess

MAIN_LINE, TOM = "+14155550123", "+14155550177"


async def follow_up_missed_call(a: Agent) -> dict[str, str]:
    """What the agent does; it knows only the tools and their answers."""
    calls = await a.call("list_calls", status="missed", direction="incoming", limit=1)
    [call] = calls["items"]
    caller = next(p["phoneNumber"] for p in call["participants"] if p["phoneNumber"] != MAIN_LINE)
    contacts = (await a.call("search_contacts", query=caller, limit=1))["items"]
    name = contacts[0]["defaultFields"]["firstName"] if contacts else "there"
    text = f"Hi {name}, sorry we missed your call. How can we help?"
    sent = await a.call("send_sms", to=caller, text=text)
    reply = await a.call(
        "wait_for_event",
        type="message.received",
        after=sent["events_cursor"],
        timeout=30,
        **{"from": caller},
    )
    return {"caller": caller, "name": name, "reply": reply["events"][0]["data"]["text"]}


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_agent_follows_up_a_missed_call(served: TrunklineProcess, transport: str) -> None:
    ring = {"from": TOM, "to": MAIN_LINE, "outcome": "missed"}
    assert gateway(served, "POST", "/quo/_sandbox/calls/inbound", json=ring).status_code == 201
    assert gateway(served, "POST", "/quo/_sandbox/clock/advance").status_code == 200

    async with agent(served, transport) as a:

        async def customer() -> None:
            """Tom answers once he has the text (the agent is then waiting, or about to)."""
            while "send_sms" not in [tool for tool, _ in a.calls[:-1]]:
                await asyncio.sleep(0.05)
            inbound = {"from": TOM, "to": MAIN_LINE, "text": f"Yes, my boiler leaks ({transport})"}
            r = await asyncio.to_thread(
                gateway, served, "POST", "/quo/_sandbox/messages/inbound", json=inbound
            )
            assert r.status_code == 201, r.text

        world = asyncio.create_task(customer())
        outcome = await follow_up_missed_call(a)
        await world

    assert outcome == {"caller": TOM, "name": "Tom", "reply": f"Yes, my boiler leaks ({transport})"}
    assert [tool for tool, _ in a.calls] == [
        "list_calls",
        "search_contacts",
        "send_sms",
        "wait_for_event",
    ]
    assert a.calls[2][1] == {
        "to": TOM,
        "text": "Hi Tom, sorry we missed your call. How can we help?",
    }
    assert a.calls[3][1]["from"] == TOM and a.calls[3][1]["after"].startswith("cur_")
