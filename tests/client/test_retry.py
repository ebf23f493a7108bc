"""Retries and errors against a real HTTP server that scripts failures (503, 429, resets)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from tests.support.scripted import RESET, Answer, ScriptedServer, scripted_server
from trunkline.client import (
    APIConnectionError,
    AsyncTrunkline,
    AuthenticationError,
    ConflictError,
    CredentialsExpiredError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    Trunkline,
    UpstreamError,
    ValidationError,
)
from trunkline.client._errors import retry_after
from trunkline.client._retry import BACKOFF_BASE, BACKOFF_CAP, backoff


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    with scripted_server() as running:
        yield running


def client_for(server: ScriptedServer, **options: object) -> Trunkline:
    return Trunkline("tk_test_x", base_url=server.url, **options)  # type: ignore[arg-type]


def test_a_get_rides_out_503_429_and_a_reset(server: ScriptedServer) -> None:
    server.script = [Answer(503), Answer(429, {"Retry-After": "0"}), RESET]
    with client_for(server, max_retries=3) as client:
        response = client.get("/quo/v1/messages")
    assert response.status_code == 200 and response.json()["attempt"] == 4
    assert [a.method for a in server.attempts] == ["GET"] * 4


def test_a_post_without_a_key_is_sent_once(server: ScriptedServer) -> None:
    server.script = [Answer(503)]
    with client_for(server) as client:
        assert client.post("/quo/v1/messages", json={"a": 1}).status_code == 503
        server.script = [RESET]
        with pytest.raises(APIConnectionError):
            client.post("/quo/v1/messages", json={"a": 1})
    assert len(server.attempts) == 2


def test_a_post_with_a_key_is_retried_with_the_same_key_and_body(server: ScriptedServer) -> None:
    server.script = [Answer(503), RESET, Answer(429, {"Retry-After": "0"})]
    with client_for(server, max_retries=3) as client:
        response = client.post(
            "/quo/v1/messages", json={"a": 1}, headers={"Idempotency-Key": "order-7"}
        )
    assert response.status_code == 200
    assert [a.headers["idempotency-key"] for a in server.attempts] == ["order-7"] * 4
    assert {a.body for a in server.attempts} == {b'{"a":1}'}


def test_retries_stop_at_max_retries_and_raise_the_mapped_error(server: ScriptedServer) -> None:
    server.script = [Answer(503, code="unavailable")] * 5
    with client_for(server, max_retries=2) as client, pytest.raises(UpstreamError) as failed:
        client.connections.list()
    assert len(server.attempts) == 3
    error = failed.value
    assert (error.status, error.code, error.request_id) == (503, "unavailable", "req_3")
    assert error.message == "scripted 503"


def test_max_retries_zero_sends_once(server: ScriptedServer) -> None:
    server.script = [Answer(502)]
    with client_for(server, max_retries=0) as client:
        assert client.get("/x").status_code == 502
    assert len(server.attempts) == 1


def test_retry_after_is_waited_out(server: ScriptedServer) -> None:
    server.script = [Answer(429, {"Retry-After": "1"})]
    started = time.monotonic()
    with client_for(server) as client:
        assert client.get("/x").status_code == 200
    assert time.monotonic() - started >= 0.9  # a lower bound: the wait happened
    assert len(server.attempts) == 2


def test_a_long_retry_after_is_the_callers(server: ScriptedServer) -> None:
    server.script = [Answer(429, {"Retry-After": "120"}, code="rate_limited")]
    with client_for(server) as client, pytest.raises(RateLimitError) as limited:
        client.apps.list()
    assert limited.value.retry_after == 120 and limited.value.code == "rate_limited"
    assert len(server.attempts) == 1


def test_connect_errors_are_retried_for_any_method() -> None:
    class Counting(httpx.HTTPTransport):
        calls = 0

        def handle_request(self, request: httpx.Request) -> httpx.Response:
            Counting.calls += 1
            return super().handle_request(request)

    with scripted_server() as gone:
        url = gone.url  # a port that was just closed: nothing listens there now
    client = Trunkline("tk_test_x", base_url=url, max_retries=2, transport=Counting())
    with client, pytest.raises(APIConnectionError, match="cannot reach"):
        client.post("/quo/v1/messages", json={})
    assert Counting.calls == 3


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, ValidationError),
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (409, ConflictError),
        (422, ValidationError),
        (424, CredentialsExpiredError),
        (500, UpstreamError),
    ],
)
def test_one_status_to_class_map(server: ScriptedServer, status: int, cls: type) -> None:
    server.script = [Answer(status, code=f"code_{status}")]
    with client_for(server) as client, pytest.raises(cls) as failed:
        client.connections.get("conn_1")
    assert failed.value.status == status and failed.value.code == f"code_{status}"
    assert failed.value.request_id == "req_1" and len(server.attempts) == 1


async def test_the_async_client_retries_the_same_way(server: ScriptedServer) -> None:
    server.script = [Answer(504), RESET, Answer(503)]
    async with AsyncTrunkline("tk_test_x", base_url=server.url, max_retries=3) as client:
        assert (await client.get("/x")).status_code == 200
        server.script = [Answer(503)]
        assert (await client.post("/x", json={})).status_code == 503
    assert len(server.attempts) == 5


def test_backoff_is_full_jitter_under_a_cap() -> None:
    for attempt in range(8):
        ceiling = min(BACKOFF_CAP, BACKOFF_BASE * 2**attempt)
        waits = [backoff(attempt) for _ in range(200)]
        assert all(0 <= w <= ceiling for w in waits)
        assert max(waits) > ceiling / 2  # spread over the range, not a fixed delay


def test_retry_after_reads_seconds_and_http_dates() -> None:
    def answer(value: str) -> httpx.Response:
        return httpx.Response(429, headers={"Retry-After": value})

    assert retry_after(answer("3")) == 3.0
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    assert 20 < (retry_after(answer(later)) or 0) <= 30
    assert retry_after(answer("soon")) is None
    assert retry_after(httpx.Response(429)) is None
