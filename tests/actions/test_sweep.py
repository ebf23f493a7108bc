"""Every catalogued action runs against its sandbox: the mappings match the APIs the specs in
tests/specs/ describe (the sandboxes are checked against those specs by their own suites)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from trunkline.actions import ActionRunner, Actions
from trunkline.client.testing import asandboxed

ACTIONS = Actions.load()
MARIA, MAIN_LINE = "+14155550142", "+14155550123"
TWILIO_MAIN, RC_DANA = "+14155552671", "+16505550101"


@pytest.fixture(scope="module")
async def runner() -> AsyncIterator[ActionRunner]:
    # Real-time clock, so the call update_call changes is still ringing.
    async with asandboxed(speed=1) as client:
        yield ActionRunner(client)


async def first(runner: ActionRunner, name: str, args: dict[str, Any], key: str = "id") -> Any:
    result = await runner.run(ACTIONS.get(name), {**args, "limit": 1})  # type: ignore[arg-type]
    return result["items"][0][key]


async def sweep_args(runner: ActionRunner, name: str) -> dict[str, Any]:
    """A realistic input for each action, ids taken from the sandbox's seeded world."""
    if name == "quo.list_messages":
        number = (await runner.run(ACTIONS.get("quo.list_phone_numbers"), {}))["data"][0]["id"]  # type: ignore[arg-type]
        return {"phone_number_id": number, "participant": MARIA}
    if name in ("quo.get_call",):
        return {"call_id": await first(runner, "quo.list_calls", {})}
    if name == "quo.get_contact":
        return {"contact_id": await first(runner, "quo.list_contacts", {})}
    if name == "quo.update_contact":
        return {"contact_id": await first(runner, "quo.list_contacts", {}), "role": "Owner"}
    if name == "twilio.get_message":
        return {"message_sid": await first(runner, "twilio.list_messages", {}, "sid")}
    if name == "twilio.get_call":
        return {"call_sid": await first(runner, "twilio.list_calls", {}, "sid")}
    if name == "twilio.update_call":
        made = await runner.run(ACTIONS.get("twilio.create_call"), call_args())  # type: ignore[arg-type]
        return {"call_sid": made["data"]["sid"], "status": "canceled"}
    if name in ("callrail.get_call", "callrail.update_call", "callrail.tag_call"):
        call_id = await first(runner, "callrail.list_calls", {"date_range": "all_time"})
        extra = {
            "callrail.get_call": {},
            "callrail.update_call": {"note": "Called back", "lead_status": "good_lead"},
            "callrail.tag_call": {"tags": ["Followed up"]},
        }[name]
        return {"call_id": call_id, **extra}
    return STATIC.get(name, {})


def call_args() -> dict[str, Any]:
    return {"from": TWILIO_MAIN, "to": MARIA, "twiml": "<Response><Say>Hi</Say></Response>"}


STATIC: dict[str, dict[str, Any]] = {
    "quo.send_message": {"from": MAIN_LINE, "to": MARIA, "text": "Sweep"},
    "quo.search_contacts": {"query": "Maria"},
    "quo.create_contact": {"first_name": "Sweep", "phone_number": "+14155550161"},
    "twilio.send_message": {"from": TWILIO_MAIN, "to": MARIA, "body": "Sweep"},
    "twilio.create_call": call_args(),
    "callrail.list_calls": {"date_range": "last_30_days", "answer_status": "missed"},
    "ringcentral.send_sms": {"from": RC_DANA, "to": MARIA, "text": "Sweep"},
}


@pytest.mark.parametrize("name", sorted(ACTIONS.by_name))
async def test_action_runs_against_its_sandbox(runner: ActionRunner, name: str) -> None:
    action = ACTIONS.get(name)
    assert action is not None
    result = await runner.run(action, await sweep_args(runner, name))
    if action.pages:
        assert isinstance(result["items"], list)
    else:
        assert result["data"] is not None
    assert ("idempotency_key" in result) == action.hints.costs_money
