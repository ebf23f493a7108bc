"""Idempotency keys: a keyed POST/PATCH reaches the provider once per (account, key), on SQLite
and PostgreSQL, across concurrent duplicates and a restart."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.gateway.safe_sends import connect, start
from tests.support.flaky import FlakyUpstream
from tests.support.process import TrunklineProcess
from tests.support.servers import serve_asgi


@pytest.fixture(scope="module")
def flaky() -> Iterator[tuple[str, FlakyUpstream]]:
    upstream = FlakyUpstream()
    with serve_asgi(upstream) as url:
        yield url, upstream


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_env(request: pytest.FixtureRequest) -> dict[str, str]:
    if request.param == "sqlite":
        return {}
    from trunkline.vault import new_key_line

    pg_url: str = request.getfixturevalue("pg_url")
    return {"TRUNKLINE_DATABASE_URL": pg_url, "TRUNKLINE_MASTER_KEYS": new_key_line()}


def post(
    proc: TrunklineProcess, path: str, key: str | None, body: bytes, method: str = "POST"
) -> httpx.Response:
    headers = {**proc.headers(), "Content-Type": "application/json"}
    if key is not None:
        headers["Idempotency-Key"] = key
    return httpx.request(method, proc.url + path, headers=headers, content=body, timeout=30)


def test_a_keyed_post_is_sent_once_and_replayed(
    tmp_path: Path, flaky: tuple[str, FlakyUpstream], store_env: dict[str, str]
) -> None:
    url, upstream = flaky
    proc = start(tmp_path / "data", url, **store_env)
    try:
        connect(proc)
        tag = uuid.uuid4().hex
        path = f"/steady/v1/messages/{tag}"
        first = post(proc, path, "key-1", b'{"to": "+15555550123"}')
        assert first.status_code == 201, first.text
        assert "idempotent-replayed" not in first.headers
        assert first.json()["idempotency_key"] == "key-1"  # passed on to the provider
        again = post(proc, path, "key-1", b'{"to": "+15555550123"}')
        assert again.status_code == 201
        assert again.headers["idempotent-replayed"] == "true"
        assert again.headers["x-scripted"] == "yes"
        assert again.json() == first.json()
        assert again.headers["x-request-id"] != first.headers["x-request-id"]
        assert upstream.hits[f"/v1/messages/{tag}"] == 1

        other = post(proc, path, "key-1", b'{"to": "+15555550199"}')
        assert other.status_code == 422
        assert other.json()["error"]["code"] == "idempotency_key_reused"
        assert set(other.json()["error"]) >= {"code", "message", "status", "request_id"}
        patched = post(proc, path, "key-1", b'{"to": "+15555550123"}', method="PATCH")
        assert patched.status_code == 422  # the method is part of what must match
        assert upstream.hits[f"/v1/messages/{tag}"] == 1

        assert post(proc, path, "key-2", b'{"to": "+15555550123"}').status_code == 201
        assert post(proc, path, None, b'{"to": "+15555550123"}').status_code == 201
        assert upstream.hits[f"/v1/messages/{tag}"] == 3

        bad = post(proc, path, "bad key\x7f", b"{}")
        assert bad.status_code == 400

        # A restart keeps the promise: the answer is in the database.
        proc.stop()
        proc.start()
        after = post(proc, path, "key-1", b'{"to": "+15555550123"}')
        assert after.status_code == 201 and after.headers["idempotent-replayed"] == "true"
        assert after.json() == first.json()
        assert upstream.hits[f"/v1/messages/{tag}"] == 3
    finally:
        proc.stop()


def test_concurrent_duplicates_send_once(
    tmp_path: Path, flaky: tuple[str, FlakyUpstream], store_env: dict[str, str]
) -> None:
    url, upstream = flaky
    proc = start(tmp_path / "data", url, **store_env)
    try:
        connect(proc)
        tag = uuid.uuid4().hex
        path = f"/steady/hold/0.5/{tag}"
        with ThreadPoolExecutor(6) as pool:
            answers = list(pool.map(lambda _: post(proc, path, tag, b'{"n": 1}'), range(6)))
        assert [r.status_code for r in answers] == [201] * 6
        assert upstream.hits[f"/hold/0.5/{tag}"] == 1
        replayed = [r for r in answers if r.headers.get("idempotent-replayed") == "true"]
        assert len(replayed) == 5
        assert len({r.content for r in answers}) == 1
    finally:
        proc.stop()


def test_bounded_wait_large_answers_and_declined_sends(
    tmp_path: Path, flaky: tuple[str, FlakyUpstream]
) -> None:
    url, upstream = flaky
    proc = start(
        tmp_path / "data",
        url,
        TRUNKLINE_IDEMPOTENCY_WAIT="0.3",
        TRUNKLINE_IDEMPOTENCY_MAX_BODY="1000",
    )
    try:
        connect(proc)
        tag = uuid.uuid4().hex
        # A repeat while the first still runs waits, then gives up with 409.
        with ThreadPoolExecutor(2) as pool:
            slow = pool.submit(post, proc, f"/steady/hold/2/{tag}", "slow", b"{}")
            time.sleep(0.5)
            busy = post(proc, f"/steady/hold/2/{tag}", "slow", b"{}")
            assert busy.status_code == 409
            assert busy.json()["error"]["code"] == "idempotency_in_flight"
            assert slow.result().status_code == 201
        assert upstream.hits[f"/hold/2/{tag}"] == 1

        # Too large to keep: recorded by status, replayed without a body, and says so.
        big = post(proc, f"/steady/size/5000/{tag}", "big", b"{}")
        assert big.status_code == 201 and len(big.content) > 5000
        again = post(proc, f"/steady/size/5000/{tag}", "big", b"{}")
        assert again.status_code == 201 and again.content == b""
        assert again.headers["idempotent-body-omitted"] == "true"
        assert upstream.hits[f"/size/5000/{tag}"] == 1

        # A provider that declines (503) has not acted: the key is free for a real retry.
        declined = post(proc, f"/steady/fail/{tag}/1/503", "declined", b"{}")
        assert declined.status_code == 503
        retried = post(proc, f"/steady/fail/{tag}/1/503", "declined", b"{}")
        assert retried.status_code == 201 and "idempotent-replayed" not in retried.headers
        assert upstream.hits[f"/fail/{tag}/1/503"] == 2
    finally:
        proc.stop()
