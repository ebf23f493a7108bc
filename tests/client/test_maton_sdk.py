"""The official Maton Python SDK (PyPI maton-ai) reaches trunkline by changing only its base URL."""

from __future__ import annotations

import pytest

from tests.support import echo as echo_mod
from tests.support.process import TrunklineProcess


@pytest.fixture
def maton(stack: TrunklineProcess, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    import maton_ai

    monkeypatch.setenv("MATON_API_BASE_URL", stack.url)
    monkeypatch.setenv("MATON_API_KEY", stack.api_key or "")
    monkeypatch.setenv("MATON_TELEMETRY", "0")
    client = maton_ai.Maton(max_retries=0)
    yield client
    client.close()


def test_connections_crud(maton, stack: TrunklineProcess) -> None:  # type: ignore[no-untyped-def]
    listed = maton.connections.list(app="quo", status="ACTIVE")
    assert [c["connection_id"] for c in listed["connections"]] == [stack.connections["quo"]]  # type: ignore[attr-defined]
    created = maton.connections.create(app="callrail")
    conn = created["connection"]
    assert conn["status"] == "PENDING" and conn["url"].startswith(stack.url + "/connect?")
    got = maton.connections.get(conn["connection_id"])
    assert got["connection"]["connection_id"] == conn["connection_id"]
    maton.connections.delete(conn["connection_id"])
    import maton_ai

    with pytest.raises(maton_ai.ResourceNotFoundError):
        maton.connections.get(conn["connection_id"])


def test_gateway_calls(maton, stack: TrunklineProcess) -> None:  # type: ignore[no-untyped-def]
    got = maton.api.get("/quo/v1/phone-numbers")
    assert got["data"][0]["id"] == "PNabc"
    posted = maton.api.post("/quo/v1/messages", json={"content": "hello", "to": ["+15555550100"]})
    assert posted["method"] == "POST" and '"content":"hello"' in posted["body"].replace(" ", "")
    assert posted["headers"]["authorization"] == echo_mod.QUO_KEY
    assert "x-maton-client-user-agent" not in posted["headers"]
    chosen = maton.api.get(
        "/twilio/2010-04-01/Accounts.json", connection=stack.connections["twilio"]
    )  # type: ignore[attr-defined]
    assert chosen["headers"]["authorization"] == echo_mod.EXPECTED_AUTH["twilio"]


def test_errors_map_to_sdk_exceptions(maton) -> None:  # type: ignore[no-untyped-def]
    import maton_ai

    with pytest.raises(maton_ai.ResourceNotFoundError) as missing:
        maton.api.get("/quo/v1/x", connection="00000000-0000-0000-0000-000000000000")
    assert missing.value.request_id
    with pytest.raises(maton_ai.ValidationError):
        maton.connections.create(app="quo", credentials={"api_key": "wrongKEYwrongKEYwrong"})


def test_a_test_key_works_unchanged(
    trunkline_sandboxed: TrunklineProcess, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same SDK with a ``tk_test_`` key reaches the sandboxes (the keys above are live)."""
    import maton_ai

    key = trunkline_sandboxed.api_key or ""
    assert key.startswith("tk_test_")
    monkeypatch.setenv("MATON_API_BASE_URL", trunkline_sandboxed.url)
    monkeypatch.setenv("MATON_API_KEY", key)
    monkeypatch.setenv("MATON_TELEMETRY", "0")
    client = maton_ai.Maton(max_retries=0)
    try:
        listed = client.connections.list(app="quo", status="ACTIVE")["connections"]
        assert listed and listed[0]["mode"] == "test"
        numbers = client.api.get("/quo/v1/phone-numbers")["data"]
        assert "+14155550123" in {n["number"] for n in numbers}
    finally:
        client.close()
