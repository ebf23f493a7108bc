"""``Trunkline``'s options: where it finds the server and key, and the default connection."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.scripted import Answer, ScriptedServer, scripted_server
from trunkline.client import AsyncTrunkline, Client, Trunkline, TrunklineClientError


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    with scripted_server() as running:
        yield running


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("TRUNKLINE_URL", "TRUNKLINE_API_KEY", "MATON_API_BASE_URL", "MATON_API_KEY"):
        monkeypatch.delenv(name, raising=False)


def test_trunkline_env_wins_over_maton(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MATON_API_BASE_URL", "http://127.0.0.1:1/")
    monkeypatch.setenv("MATON_API_KEY", "tk_maton")
    assert (Trunkline().base_url, Trunkline().api_key) == ("http://127.0.0.1:1", "tk_maton")
    monkeypatch.setenv("TRUNKLINE_URL", "http://127.0.0.1:2")
    monkeypatch.setenv("TRUNKLINE_API_KEY", "tk_trunkline")
    assert (Trunkline().base_url, Trunkline().api_key) == ("http://127.0.0.1:2", "tk_trunkline")
    assert Trunkline("tk_given", base_url="http://127.0.0.1:3").api_key == "tk_given"


def test_no_key_is_a_clear_error() -> None:
    with pytest.raises(TrunklineClientError, match="TRUNKLINE_API_KEY"):
        Trunkline()


def test_the_old_names_are_the_same_classes() -> None:
    assert Client is Trunkline
    assert isinstance(Client("tk_x"), Trunkline)
    assert AsyncTrunkline("tk_x").max_retries == 2


def test_the_default_connection_goes_to_gateway_calls_only(server: ScriptedServer) -> None:
    with Trunkline("tk_x", base_url=server.url, connection="conn_default") as client:
        client.get("/quo/v1/phone-numbers")
        client.get("/quo/v1/phone-numbers", connection="conn_other")
        server.script = [Answer(200, body={"connections": []})]
        assert client.connections.list() == []
    sent = [a.headers.get("maton-connection") for a in server.attempts]
    assert sent == ["conn_default", "conn_other", None]
    assert {a.headers["authorization"] for a in server.attempts} == {"Bearer tk_x"}
