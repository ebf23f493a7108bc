"""``trunkline.client.testing``: a user's own test, run the way they would, with no port."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from trunkline.client.testing import asandboxed, sandboxed


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Any TCP bind, listen or connect fails the test: the harness must stay in-process."""
    attempts: list[str] = []
    for name in ("bind", "listen", "connect", "connect_ex"):
        original = getattr(socket.socket, name)

        def guard(self: socket.socket, *args: Any, _name: str = name, _orig: Any = original) -> Any:
            if self.family in (socket.AF_INET, socket.AF_INET6):
                attempts.append(f"{_name}{args}")
                raise OSError(f"network used in-process: {_name}{args}")
            return _orig(self, *args)

        monkeypatch.setattr(socket.socket, name, guard)
    yield attempts
    assert attempts == []


def test_readme_example_sync(tmp_path: Path, no_network: list[str]) -> None:
    # The example from the module docstring and README, as a user would write it.
    with sandboxed(tmp_path) as client:
        assert client.user().mode == "test"
        numbers = client.request("GET", "/quo/v1/phone-numbers").json()["data"]
        sent = client.request(
            "POST",
            "/quo/v1/messages",
            json={"from": numbers[0]["number"], "to": ["+14155550100"], "content": "Hi there"},
        )
        assert sent.status_code in (200, 202), sent.text
        message = sent.json()["data"]
        listed = client.request(
            "GET",
            "/quo/v1/messages",
            params={
                "phoneNumberId": numbers[0]["id"],
                "participants": ["+14155550100"],
                "maxResults": 10,
            },
        ).json()["data"]
        assert message["id"] in {m["id"] for m in listed}
        apps = {c.app for c in client.connections.list()}
        assert apps == {"quo", "twilio", "callrail", "ringcentral"}


async def test_async_harness(tmp_path: Path, no_network: list[str]) -> None:
    async with asandboxed(tmp_path) as client:
        accounts = await client.request("GET", "/twilio/2010-04-01/Accounts.json")
        assert accounts.status_code == 200
        sid = accounts.json()["accounts"][0]["sid"]
        (twilio,) = await client.connections.list(app="twilio")
        assert twilio.metadata["account_sid"] == sid  # identity filled as for real connections


def test_harness_runs_are_independent(tmp_path: Path) -> None:
    with sandboxed(tmp_path / "a") as first:
        first.connections.create("quo")
        assert len(first.connections.list(app="quo")) == 2
    with sandboxed(tmp_path / "b") as second:
        assert len(second.connections.list(app="quo")) == 1


def test_the_inbound_loop_closes_in_process(tmp_path: Path, no_network: list[str]) -> None:
    """The sandbox's signed webhook reaches the inbox with no socket: an agent's test can wait
    for the customer's reply."""
    with sandboxed(tmp_path) as client:
        start = client.events.list().next_cursor
        client.request(
            "POST",
            "/quo/_sandbox/messages/inbound",
            json={"from": "+14155550142", "to": "+14155550123", "text": "Yes, 3pm works"},
        )
        page = client.events.wait(type="message.received", after=start, timeout=20)
        assert [e.data["text"] for e in page.events] == ["Yes, 3pm works"]
