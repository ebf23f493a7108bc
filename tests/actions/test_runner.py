"""The generic runner against the in-process sandboxes: pages without gaps in every style,
context from the connection, idempotency keys, provider errors."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from trunkline.actions import ActionError, ActionRunner, Actions
from trunkline.client import AsyncClient
from trunkline.client.testing import asandboxed

ACTIONS = Actions.load()


class Recording(httpx.AsyncBaseTransport):
    """The harness's transport, remembering each request's headers."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.sent: list[httpx.Request] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(request)
        return await self.inner.handle_async_request(request)


@pytest.fixture(scope="module")
async def client() -> AsyncIterator[AsyncClient]:
    async with asandboxed() as sandboxed:
        transport = Recording(sandboxed._http._transport)  # type: ignore[arg-type]
        sandboxed._http._transport = transport
        sandboxed.recording = transport  # type: ignore[attr-defined]
        yield sandboxed


def small_pages(name: str, size: int = 2) -> Any:
    action = ACTIONS.get(name)
    assert action is not None and action.pages is not None
    return action.model_copy(update={"pages": action.pages.model_copy(update={"max_size": size})})


def ids(items: list[dict[str, Any]]) -> list[str]:
    return [str(i.get("id") or i.get("sid")) for i in items]


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("quo.list_users", {}),  # cursor: pageToken / nextPageToken
        ("twilio.list_calls", {}),  # link: relative next_page_uri
        ("callrail.list_calls", {"date_range": "all_time"}),  # link: absolute next_page
        ("callrail.list_trackers", {}),  # numbered: page / total_pages
        ("ringcentral.list_call_log", {}),  # link: navigation.nextPage.uri
    ],
)
async def test_pages_join_without_gaps(
    client: AsyncClient, name: str, args: dict[str, Any]
) -> None:
    runner = ActionRunner(client)
    whole = await runner.run(ACTIONS.get(name), {**args, "limit": 5})  # type: ignore[arg-type]
    action = small_pages(name)
    walked: list[str] = []
    cursor = None
    while len(walked) < 5:
        page = await runner.run(action, {**args, "limit": 3, "cursor": cursor})
        assert 1 <= page["count"] <= 3
        walked += ids(page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert walked[:5] == ids(whole["items"])[: len(walked[:5])]
    assert len(set(walked)) == len(walked)


async def test_context_comes_from_the_connection(client: AsyncClient) -> None:
    conns = await client.connections.list(app="twilio")
    result = await ActionRunner(client).run(
        ACTIONS.get("twilio.list_incoming_numbers"), {"limit": 1}
    )  # type: ignore[arg-type]
    assert result["connection"] == conns[0].connection_id
    assert result["items"][0]["account_sid"] == conns[0].metadata["account_sid"]


async def test_money_actions_send_an_idempotency_key(client: AsyncClient) -> None:
    runner = ActionRunner(client)
    recording: Recording = client.recording  # type: ignore[attr-defined]
    action = ACTIONS.get("ringcentral.send_sms")
    args = {"from": "+16505550101", "to": "+14155550142", "text": "hi"}
    mine = await runner.run(action, {**args, "idempotency_key": "k-1"})  # type: ignore[arg-type]
    assert mine["idempotency_key"] == "k-1"
    assert recording.sent[-1].headers["idempotency-key"] == "k-1"
    made = await runner.run(action, args)  # type: ignore[arg-type]
    assert len(made["idempotency_key"]) == 32
    assert recording.sent[-1].headers["idempotency-key"] == made["idempotency_key"]
    await runner.run(ACTIONS.get("quo.list_phone_numbers"), {})  # type: ignore[arg-type]
    assert "idempotency-key" not in recording.sent[-1].headers


async def test_combined_action_and_optional_parts(client: AsyncClient) -> None:
    calls = await ActionRunner(client).run(ACTIONS.get("quo.list_calls"), {"status": "missed"})  # type: ignore[arg-type]
    missed = calls["items"][-1]
    got = await ActionRunner(client).run(ACTIONS.get("quo.get_call"), {"call_id": missed["id"]})  # type: ignore[arg-type]
    assert set(got["data"]) == {"call", "recordings", "transcript", "summary", "voicemail"}
    assert got["data"]["call"]["status"] == "missed"


async def test_errors(client: AsyncClient) -> None:
    runner = ActionRunner(client)
    with pytest.raises(ActionError, match=r"invalid input for quo\.send_message: to"):
        await runner.run(ACTIONS.get("quo.send_message"), {"from": "+1", "to": "x", "text": "hi"})  # type: ignore[arg-type]
    with pytest.raises(ActionError, match="Additional properties") as bad:
        await runner.run(ACTIONS.get("quo.list_users"), {"colour": "red"})  # type: ignore[arg-type]
    assert bad.value.status is None
    with pytest.raises(ActionError) as refused:
        await runner.run(ACTIONS.get("callrail.get_call"), {"call_id": "CALnope"})  # type: ignore[arg-type]
    assert refused.value.status == 404 and refused.value.message


async def test_search_filters_locally(client: AsyncClient) -> None:
    found = await ActionRunner(client).run(ACTIONS.get("quo.search_contacts"), {"query": "LOPEZ"})  # type: ignore[arg-type]
    assert [c["defaultFields"]["lastName"] for c in found["items"]] == ["Lopez"]
