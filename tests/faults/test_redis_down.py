"""Redis stopped under two replicas (a Redis of the test's own): the gateway keeps serving on
in-process limits and says so once per outage; idempotency stays exact (it lives in the
database); cache invalidation falls back to the TTL; all of it comes back with Redis."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import upstream_env
from tests.faults.conftest import until
from tests.support import echo as echo_mod
from tests.support.echo import EchoUpstream
from tests.support.own_servers import OwnRedis
from tests.support.process import TrunklineProcess

pytestmark = [pytest.mark.postgres]
QUO = {"app": "quo", "credentials": {"api_key": echo_mod.QUO_KEY}}
TTL = 4.0
DOWN = "Redis unreachable"
BACK = "Redis is reachable again"


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[OwnRedis]:
    redis = OwnRedis(tmp_path / "redis").start()
    try:
        yield redis
    finally:
        redis.close()


def pinned(proc: TrunklineProcess, conn: str) -> dict[str, str]:
    return {**proc.headers(), "Maton-Connection": conn}


def gone_after(one: TrunklineProcess, two: TrunklineProcess, seconds: float) -> float:
    """Delete a fresh connection on ``one`` right after ``two`` cached it; how long until
    ``two`` stops using it."""
    made = httpx.post(one.url + "/connections", headers=one.headers(), json=QUO)
    conn = made.json()["connection"]["connection_id"]
    assert httpx.get(two.url + "/quo/v1/echo", headers=pinned(two, conn)).status_code == 200
    assert httpx.delete(f"{one.url}/connections/{conn}", headers=one.headers()).status_code == 200
    started = time.monotonic()
    until(
        lambda: httpx.get(two.url + "/quo/v1/echo", headers=pinned(two, conn)).status_code == 404,
        seconds,
        "the deletion seen by the other replica",
    )
    return time.monotonic() - started


def test_redis_stop_and_return(
    tmp_path: Path, pg_url: str, own_redis: OwnRedis, echo: tuple[str, EchoUpstream]
) -> None:
    from trunkline.vault import new_key_line

    env = {
        **upstream_env(echo[0]),
        "TRUNKLINE_DATABASE_URL": pg_url,
        "TRUNKLINE_MASTER_KEYS": new_key_line(),
        "TRUNKLINE_REDIS_URL": own_redis.url,
        "TRUNKLINE_CACHE_TTL": str(TTL),
    }
    one = TrunklineProcess(tmp_path / "one", env=env, args=["--no-sandbox"]).start()
    two = TrunklineProcess(tmp_path / "two", env=env, args=["--no-sandbox"]).start()
    try:
        key = one.api_key or two.api_key
        one.api_key = two.api_key = key
        assert httpx.post(one.url + "/connections", headers=one.headers(), json=QUO).is_success

        own_redis.stop()
        for i in range(20):  # both keep serving (on in-process limits)
            proc = (one, two)[i % 2]
            r = httpx.get(proc.url + "/quo/v1/echo", headers=proc.headers(), timeout=10)
            assert r.status_code == 200, r.text
        # Idempotency lives in the database: a repeat on the other replica is a replay.
        tag = uuid.uuid4().hex
        keyed = {**one.headers(), "Idempotency-Key": tag}
        first = httpx.post(one.url + f"/quo/v1/send/{tag}", headers=keyed, json={"n": 1})
        again = httpx.post(two.url + f"/quo/v1/send/{tag}", headers=keyed, json={"n": 1})
        assert first.status_code == again.status_code == 200
        assert again.headers["idempotent-replayed"] == "true"
        assert again.json() == first.json()
        assert sum(1 for s in echo[1].seen if s["path"] == f"/v1/send/{tag}") == 1
        # No invalidation: the other replica stops using a deleted connection within the TTL.
        gone_after(one, two, TTL + 3)
        for proc in (one, two):  # one loud warning per outage, however many requests
            assert proc.stderr().count(DOWN) == 1, proc.stderr()[-2000:]

        own_redis.start()

        def back() -> bool:
            for proc in (one, two):
                httpx.get(proc.url + "/quo/v1/echo", headers=proc.headers(), timeout=10)
            return all(BACK in proc.stderr() for proc in (one, two))

        until(back, 15, "both replicas using Redis again")
        # Invalidation is back too: far sooner than the TTL (after its re-subscribe).
        until(lambda: gone_after(one, two, TTL + 3) < TTL / 2, 20, "invalidation again")
        for proc in (one, two):
            assert "Traceback" not in proc.stderr()
    finally:
        one.stop()
        two.stop()
