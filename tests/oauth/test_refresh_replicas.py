"""Two trunkline processes sharing PostgreSQL refresh a RingCentral connection exactly once,
under the refresh lease on the connection row (with or without Redis configured)."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.oauth.helpers import CLIENT, Dance, control, refreshes
from tests.support.process import TrunklineProcess
from tests.support.servers import serve_asgi
from trunkline.sandbox.kit import SandboxConfig
from trunkline.sandbox.ringcentral import create_app

REDIS = os.environ.get("TRUNKLINE_TEST_REDIS", "redis://127.0.0.1:6379/15")


@pytest.fixture(scope="module")
def rc() -> Iterator[str]:
    with serve_asgi(create_app(SandboxConfig(speed=100))) as url:
        yield url


def _redis_available() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS, socket_connect_timeout=2).ping())
    except redis.RedisError:
        return False


@pytest.fixture(params=["postgres-lock", "redis-lock"])
def lock(request: pytest.FixtureRequest) -> dict[str, str]:
    if request.param == "postgres-lock":
        return {}
    if not _redis_available():
        if os.environ.get("CI"):
            pytest.fail("Redis at 127.0.0.1:6379 is required under CI")
        pytest.skip("no Redis at 127.0.0.1:6379")
    return {"TRUNKLINE_REDIS_URL": REDIS}


@pytest.mark.postgres
async def test_two_replicas_refresh_once(
    tmp_path: Path, pg_url: str, rc: str, lock: dict[str, str]
) -> None:
    from trunkline.vault import new_key_line

    env = {
        "TRUNKLINE_DATABASE_URL": pg_url,
        "TRUNKLINE_MASTER_KEYS": new_key_line(),
        "TRUNKLINE_UPSTREAM_RINGCENTRAL": rc,
        "TRUNKLINE_OAUTH_RINGCENTRAL_CLIENT_ID": CLIENT["client_id"],
        "TRUNKLINE_OAUTH_RINGCENTRAL_CLIENT_SECRET": CLIENT["client_secret"],
        **lock,
    }
    one = TrunklineProcess(tmp_path / "one", env=env, args=["--no-sandbox"]).start()
    two = TrunklineProcess(tmp_path / "two", env=env, args=["--no-sandbox"]).start()
    try:
        headers = {"Authorization": f"Bearer {one.api_key or two.api_key}"}
        control(rc, "POST", "/_sandbox/tokens/lifetimes", json={"access_token": 1})
        try:
            r = httpx.post(one.url + "/connections", headers=headers, json={"app": "ringcentral"})
            conn = r.json()["connection"]
            assert Dance(conn["url"]).run().status_code == 200
        finally:
            control(rc, "POST", "/_sandbox/tokens/lifetimes", json={"access_token": 3600})
        await asyncio.sleep(1.2)
        before = refreshes(rc)
        calls = {**headers, "Maton-Connection": conn["connection_id"]}
        path = "/ringcentral/restapi/v1.0/account/~/extension/~"
        async with httpx.AsyncClient(timeout=60, limits=httpx.Limits(max_connections=60)) as c:
            answers = await asyncio.gather(
                *(c.get(proc.url + path, headers=calls) for proc in [one, two] * 25)
            )
        assert [a.status_code for a in answers] == [200] * 50
        assert refreshes(rc) == before + 1
        logs = one.stderr() + two.stderr()
        assert logs.count('"outcome":"refreshed"') == 1 and "refresh_lock_timeout" not in logs
    finally:
        one.stop()
        two.stop()


@pytest.mark.postgres
def test_waiting_too_long_for_the_lock_is_its_own_error(
    tmp_path: Path, pg_url: str, rc: str
) -> None:
    """Another replica holds the refresh lease: after the timeout the caller gets a distinct,
    retryable 504 (not a dead-credential 424), and the connection stays ACTIVE."""
    import time

    import asyncpg

    env = {
        "TRUNKLINE_DATABASE_URL": pg_url,
        "TRUNKLINE_UPSTREAM_RINGCENTRAL": rc,
        "TRUNKLINE_OAUTH_RINGCENTRAL_CLIENT_ID": CLIENT["client_id"],
        "TRUNKLINE_OAUTH_RINGCENTRAL_CLIENT_SECRET": CLIENT["client_secret"],
        "TRUNKLINE_OAUTH_REFRESH_LOCK_TIMEOUT": "0.5",
    }
    proc = TrunklineProcess(tmp_path / "data", env=env, args=["--no-sandbox"]).start()
    try:
        conn = httpx.post(
            proc.url + "/connections", headers=proc.headers(), json={"app": "ringcentral"}
        ).json()["connection"]
        assert Dance(conn["url"]).run().status_code == 200
        control(rc, "POST", "/_sandbox/tokens/expire", json={})
        headers = {**proc.headers(), "Maton-Connection": conn["connection_id"]}
        url = proc.url + "/ringcentral/restapi/v1.0/account/~"

        async def lease(until: float | None) -> None:
            other = await asyncpg.connect(pg_url.replace("postgresql+asyncpg", "postgresql"))
            try:
                await other.execute(
                    "UPDATE connections SET refresh_holder = $1, refresh_lease_until = $2 "
                    "WHERE id = $3",
                    None if until is None else "another-replica",
                    until,
                    conn["connection_id"],
                )
            finally:
                await other.close()

        asyncio.run(lease(time.time() + 600))
        blocked = httpx.get(url, headers=headers, timeout=30)
        assert blocked.status_code == 504, blocked.text
        assert blocked.json()["error"]["code"] == "refresh_lock_timeout"
        asyncio.run(lease(None))
        assert httpx.get(url, headers=headers).status_code == 200  # lease gone: refreshed
    finally:
        proc.stop()
