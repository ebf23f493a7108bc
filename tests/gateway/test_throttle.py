"""Provider-aware throttling: queue under the provider's limit, 429 with Retry-After past it."""

from __future__ import annotations

import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.support.process import TrunklineProcess

PROVIDERS = Path(__file__).resolve().parents[1] / "support" / "providers"


def start(tmp: Path, echo_url: str, name: str, **env: str) -> TrunklineProcess:
    return TrunklineProcess(
        tmp / name,
        env={
            "TRUNKLINE_PROVIDERS_DIR": str(PROVIDERS),
            "TRUNKLINE_UPSTREAM_LIMITED": echo_url,
            "TRUNKLINE_UPSTREAM_SCARCE": echo_url,
            **env,
        },
        args=["--no-sandbox"],
    ).start()


def connect(
    proc: TrunklineProcess, key: str | None = None, app: str = "limited", credential: str = "k"
) -> str:
    r = httpx.post(
        proc.url + "/connections",
        headers=proc.headers(key),
        json={"app": app, "credentials": {"api_key": credential}},
    )
    assert r.status_code == 201, r.text
    return str(r.json()["connection"]["connection_id"])


def burst(
    proc: TrunklineProcess, n: int, key: str | None = None, app: str = "limited"
) -> list[httpx.Response]:
    with ThreadPoolExecutor(8) as pool:
        return list(
            pool.map(
                lambda _: httpx.get(f"{proc.url}/{app}/x", headers=proc.headers(key), timeout=30),
                range(n),
            )
        )


def test_rejects_past_the_limit_when_not_allowed_to_wait(
    tmp_path: Path, echo: tuple[str, object]
) -> None:
    proc = start(tmp_path, echo[0], "a", TRUNKLINE_THROTTLE_WAIT="0")
    try:
        connect(proc, app="scarce")
        statuses = sorted(r.status_code for r in burst(proc, 8, app="scarce"))
        assert statuses.count(200) == 5 and statuses.count(429) == 3
        r = httpx.get(proc.url + "/scarce/x", headers=proc.headers())
        assert r.status_code == 429
        assert r.json()["error"]["code"] == "rate_limited"
        assert 55 <= int(r.headers["retry-after"]) <= 61  # the window frees a slot after 60 s
    finally:
        proc.stop()


def test_queues_under_the_limit(tmp_path: Path, echo: tuple[str, object]) -> None:
    proc = start(tmp_path, echo[0], "b", TRUNKLINE_THROTTLE_WAIT="5")
    try:
        connect(proc)
        started = time.monotonic()
        responses = burst(proc, 10)
        elapsed = time.monotonic() - started
        assert [r.status_code for r in responses] == [200] * 10
        assert elapsed >= 0.9  # 5 at once, the next 5 spread over the following second
    finally:
        proc.stop()


@pytest.mark.redis
def test_replicas_share_the_limit_through_redis(
    tmp_path: Path, pg_url: str, echo: tuple[str, object]
) -> None:
    import redis

    try:
        redis.Redis.from_url("redis://127.0.0.1:6379/0").ping()
    except redis.RedisError:
        import os

        if os.environ.get("CI"):
            raise
        pytest.skip("no Redis at 127.0.0.1:6379 (CI requires it)")
    from trunkline.vault import new_key_line

    env = {
        "TRUNKLINE_DATABASE_URL": pg_url,
        "TRUNKLINE_MASTER_KEYS": new_key_line(),
        "TRUNKLINE_REDIS_URL": "redis://127.0.0.1:6379/0",
        "TRUNKLINE_THROTTLE_WAIT": "0",
    }
    one = start(tmp_path, echo[0], "one", **env)
    two = start(tmp_path, echo[0], "two", **env)
    try:
        key = one.api_key or two.api_key
        # Limits count per credential in Redis: a fresh credential keeps another run's window
        # (a minute long) out of this one.
        connect(one, key, app="scarce", credential=uuid.uuid4().hex)
        statuses = [
            r.status_code for r in burst(one, 4, key, "scarce") + burst(two, 4, key, "scarce")
        ]
        assert statuses.count(200) == 5 and statuses.count(429) == 3
    finally:
        one.stop()
        two.stop()
