"""A burst of 300 requests at one Quo connection through two replicas (PostgreSQL + Redis): the
one Quo sandbox behind them sees at most 10 requests in any second (Quo's documented limit),
judged from its own arrival times; every caller gets 200, or 429 with Retry-After; none is lost.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support import secrets
from tests.support.own_servers import OwnRedis, wait_port
from tests.support.process import TrunklineProcess
from tests.support.servers import free_port

pytestmark = [pytest.mark.postgres]
BURST = 300


@pytest.fixture
def quo_sandbox(tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """The one Quo sandbox both replicas send to, in its own process."""
    from trunkline.sandbox import load_sandbox

    port = free_port()
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(root), *sys.path])}
    with open(secrets.log_dir() / f"counting-sandbox-{port}.err", "wb") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "tests.support.counting_sandbox", str(port)],
            cwd=root,
            env=env,
            stderr=err,
        )
    try:
        wait_port(port, up=True, seconds=30)
        yield f"http://127.0.0.1:{port}", dict(load_sandbox("quo").credentials)
    finally:
        proc.kill()
        proc.wait(10)


def arrivals(url: str) -> list[tuple[float, int]]:
    return [(at, status) for at, status in httpx.get(url + "/_arrivals").json()]


def busiest_second(times: list[float]) -> int:
    times = sorted(times)
    return max(
        (sum(1 for t in times[i:] if t < start + 1.0) for i, start in enumerate(times)), default=0
    )


async def burst(urls: list[str], headers: dict[str, str], n: int) -> list[httpx.Response]:
    # 40 connections at once: with hundreds in flight on this small shared box, a replica's
    # event loop lags its sends past the throttle's 50 ms margin (docs/faults.md).
    limits = httpx.Limits(max_connections=40)
    async with httpx.AsyncClient(headers=headers, timeout=60, limits=limits) as client:
        return await asyncio.gather(
            *(client.get(urls[i % 2] + "/quo/v1/phone-numbers") for i in range(n))
        )


def test_a_burst_across_replicas_stays_under_quos_limit(
    tmp_path: Path, pg_url: str, quo_sandbox: tuple[str, dict[str, str]]
) -> None:
    from trunkline.vault import new_key_line

    url, credentials = quo_sandbox
    redis = OwnRedis(tmp_path / "redis").start()
    env = {
        "TRUNKLINE_UPSTREAM_QUO": url,
        "TRUNKLINE_DATABASE_URL": pg_url,
        "TRUNKLINE_MASTER_KEYS": new_key_line(),
        "TRUNKLINE_REDIS_URL": redis.url,
        "TRUNKLINE_CACHE_TTL": "2",  # the default: keys and connections are not re-read per call
    }
    one = TrunklineProcess(tmp_path / "one", env=env, args=["--no-sandbox"]).start()
    two = TrunklineProcess(tmp_path / "two", env=env, args=["--no-sandbox"]).start()
    try:
        headers = {"Authorization": f"Bearer {one.api_key or two.api_key}"}
        made = httpx.post(
            one.url + "/connections",
            headers=headers,
            json={"app": "quo", "credentials": credentials},
        )
        assert made.status_code == 201, made.text
        # Warm each replica's pool to the sandbox (connects would spread the burst's first
        # sends), then let the window of those requests and of the key check pass: the key
        # check at connection create is not counted by the throttle.
        asyncio.run(burst([one.url, two.url], headers, 20))
        time.sleep(1.2)
        before = len(arrivals(url))
        answers = asyncio.run(burst([one.url, two.url], headers, BURST))

        statuses = [r.status_code for r in answers]
        assert set(statuses) <= {200, 429}
        for r in answers:
            if r.status_code == 429:  # ours, not the provider's: it never got that far
                assert r.json()["error"]["code"] == "rate_limited"
                assert int(r.headers["retry-after"]) >= 1
        seen = arrivals(url)[before:]
        assert [status for _, status in seen] == [200] * len(seen)  # it never had to refuse
        assert len(seen) == statuses.count(200)  # every pass reached it, once
        assert statuses.count(200) >= 10
        assert busiest_second([at for at, _ in seen]) <= 10
    finally:
        one.stop()
        two.stop()
        redis.close()
