"""The typed per-provider helpers and ``client.actions`` against the in-process sandboxes."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from itertools import islice

import httpx
import pytest

from trunkline.client import (
    ActionError,
    ActionResult,
    AsyncTrunkline,
    CallRailCall,
    QuoCallDetails,
    QuoContact,
    QuoMessage,
    Trunkline,
    TwilioCall,
    TwilioMessage,
)
from trunkline.client.testing import asandboxed, sandboxed


class Recording(httpx.BaseTransport):
    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.paths: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.paths.append(request.url.path)
        return self.inner.handle_request(request)


@pytest.fixture(scope="module")
def client() -> Iterator[Trunkline]:
    with sandboxed() as running:
        retrying = running._http._transport
        retrying.inner = Recording(retrying.inner)  # type: ignore[attr-defined]
        yield running


def sent(client: Trunkline) -> list[str]:
    return client._http._transport.inner.paths  # type: ignore[attr-defined, no-any-return]


def test_send_and_list_quo_messages(client: Trunkline) -> None:
    main = client.quo.phone_numbers.list()[0]  # not a paged list: the answer's data
    message = client.quo.messages.send(from_=main["number"], to="+14155550142", text="On my way")
    assert isinstance(message, QuoMessage)
    assert (message.from_, message.to, message.text) == (
        main["number"],
        ["+14155550142"],
        "On my way",
    )
    assert message.status == "queued" and message.phone_number_id == main["id"]
    listed = client.quo.messages.list(phone_number_id=main["id"], participant="+14155550142")
    assert message.id in {m.id for m in listed}


def test_lists_fetch_pages_lazily_up_to_limit(client: Trunkline) -> None:
    before = len(sent(client))
    pager = client.callrail.calls.list(date_range="all_time", limit=260)
    assert len(sent(client)) == before  # nothing fetched yet
    first = next(iter(pager))
    assert isinstance(first, CallRailCall)
    pages = [p for p in sent(client)[before:] if p.startswith("/callrail/")]
    assert len(pages) == 1
    calls = list(pager)
    assert len(calls) == 260 and len({c.id for c in calls}) == 260
    assert calls[0] == first


def test_a_list_without_limit_reads_every_page(client: Trunkline) -> None:
    trackers = list(client.callrail.trackers.list())
    assert trackers and len({t["id"] for t in trackers}) == len(trackers)
    assert len(list(islice(client.callrail.calls.list(date_range="all_time"), 3))) == 3


def test_twilio_calls_round_trip(client: Trunkline) -> None:
    [number] = list(client.twilio.incoming_numbers.list(limit=1))
    call = client.twilio.calls.create(
        from_=number["phone_number"], to="+14155550142", twiml="<Response><Say>Hi</Say></Response>"
    )
    assert isinstance(call, TwilioCall) and call.sid.startswith("CA")
    assert client.twilio.calls.get(call_sid=call.sid).sid == call.sid
    assert call.sid in {c.sid for c in client.twilio.calls.list(limit=50)}


def test_twilio_message_with_my_idempotency_key(client: Trunkline) -> None:
    [number] = list(client.twilio.incoming_numbers.list(limit=1))
    args = {"from_": number["phone_number"], "to": "+14155550142", "body": "Hello"}
    first = client.twilio.messages.send(**args, idempotency_key="sdk-order-1")  # type: ignore[arg-type]
    again = client.twilio.messages.send(**args, idempotency_key="sdk-order-1")  # type: ignore[arg-type]
    assert isinstance(first, TwilioMessage) and first.sid == again.sid
    assert client.twilio.messages.get(message_sid=first.sid).body == "Hello"


def test_quo_contacts_and_call_details(client: Trunkline) -> None:
    [maria] = list(client.quo.contacts.search(query="LOPEZ"))
    assert isinstance(maria, QuoContact) and maria.default_fields["lastName"] == "Lopez"
    assert client.quo.contacts.get(contact_id=maria.id).id == maria.id
    missed = next(iter(client.quo.calls.list(status="missed", limit=1)))
    details = client.quo.calls.get(call_id=missed.id)
    assert isinstance(details, QuoCallDetails) and details.call.status == "missed"


def test_actions_list_get_run(client: Trunkline) -> None:
    names = [a.name for a in client.actions.list(app="twilio")]
    assert "twilio.list_calls" in names and all(n.startswith("twilio.") for n in names)
    assert client.actions.list(query="missed calls")[0].app in {"quo", "callrail", "ringcentral"}
    assert client.actions.get("quo.send_message").hints.costs_money
    twilio = client.connections.list(app="twilio")[0].connection_id
    page = client.actions.run("twilio.list_calls", limit=2, connection=twilio)
    assert isinstance(page, ActionResult)
    assert page.count == 2 and page.next_cursor and page.connection == twilio
    more = client.actions.run("twilio.list_calls", limit=2, cursor=page.next_cursor)
    assert {c["sid"] for c in more.items or []}.isdisjoint(c["sid"] for c in page.items or [])


def test_bad_input_and_refusals_are_action_errors(client: Trunkline) -> None:
    with pytest.raises(ActionError, match=r"invalid input for quo\.send_message: to"):
        client.quo.messages.send(from_="+14155550123", to="not a number", text="hi")
    with pytest.raises(ActionError, match="no action"):
        client.actions.run("quo.teleport")
    with pytest.raises(ActionError) as refused:
        client.callrail.calls.get(call_id="CALnope")
    assert refused.value.status == 404


@pytest.fixture(scope="module")
async def aclient() -> AsyncIterator[AsyncTrunkline]:
    async with asandboxed() as running:
        yield running


async def test_async_helpers(aclient: AsyncTrunkline) -> None:
    numbers = await aclient.quo.phone_numbers.list()
    message = await aclient.quo.messages.send(
        from_=numbers[0]["number"], to="+14155550142", text="Async hello"
    )
    assert isinstance(message, QuoMessage)
    calls = [c async for c in aclient.callrail.calls.list(date_range="all_time", limit=5)]
    assert len(calls) == 5 and all(isinstance(c, CallRailCall) for c in calls)
    result = await aclient.actions.run("quo.list_users")
    assert result.items and result.next_cursor is None
