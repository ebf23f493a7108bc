"""``trunkline serve --workers N``: pre-forked workers on one port, replaced when killed, drained
and stopped together on SIGTERM; on SQLite and on PostgreSQL + Redis."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import upstream_env
from tests.support import echo as echo_mod
from tests.support.process import TrunklineProcess

QUO = {"app": "quo", "credentials": {"api_key": echo_mod.QUO_KEY}}
REDIS = os.environ.get("TRUNKLINE_TEST_REDIS", "redis://127.0.0.1:6379/14")


def workers_of(proc: TrunklineProcess) -> set[int]:
    assert proc.proc is not None
    pid = proc.proc.pid
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return {int(c) for c in children}


def alive(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/stat").read_text().split()[2]
    except FileNotFoundError:
        return False
    return status != "Z"


def seen_workers(url: str, tries: int = 60) -> set[str]:
    seen = set()
    for _ in range(tries):  # a fresh connection each time: the kernel picks a worker per accept
        seen.add(httpx.get(url + "/healthz", timeout=5).headers["trunkline-worker"])
        if len(seen) > 1:
            break
    return seen


def start(data_dir: Path, env: dict[str, str], workers: int = 2) -> TrunklineProcess:
    return TrunklineProcess(
        data_dir, env=env, args=["--no-sandbox", "--workers", str(workers)]
    ).start()


def test_two_workers_share_the_port_and_stop_together(
    data_dir: Path, echo: tuple[str, object]
) -> None:
    proc = start(data_dir, upstream_env(echo[0]))
    try:
        pids = workers_of(proc)
        assert len(pids) == 2
        assert seen_workers(proc.url) == {"1", "2"}
        r = httpx.post(proc.url + "/connections", headers=proc.headers(), json=QUO)
        assert r.status_code == 201
        for _ in range(10):  # whichever worker answers reads the row the other wrote
            r = httpx.get(proc.url + "/quo/v1/echo", headers=proc.headers())
            assert r.status_code == 200
            assert r.json()["headers"]["authorization"] == echo_mod.QUO_KEY
        assert "1/2 of every provider rate limit" in proc.stdout()

        # A slow request in flight when SIGTERM arrives still gets its answer (drain).
        result: dict[str, int] = {}

        def slow() -> None:
            r = httpx.get(proc.url + "/quo/slow/1.5", headers=proc.headers(), timeout=10)
            result["status"] = r.status_code

        thread = threading.Thread(target=slow)
        thread.start()
        time.sleep(0.5)
        assert proc.proc is not None
        proc.proc.send_signal(signal.SIGTERM)
        thread.join(10)
        assert result.get("status") == 200
        assert proc.proc.wait(20) == 0
        deadline = time.monotonic() + 5
        while any(alive(p) for p in pids) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not any(alive(p) for p in pids)
    finally:
        proc.stop()


def test_a_killed_worker_is_replaced(data_dir: Path, echo: tuple[str, object]) -> None:
    proc = start(data_dir, upstream_env(echo[0]))
    try:
        before = workers_of(proc)
        victim = min(before)
        os.kill(victim, signal.SIGKILL)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            now = workers_of(proc)
            if len(now) == 2 and victim not in now:
                break
            time.sleep(0.1)
        assert len(now) == 2 and victim not in now
        deadline = time.monotonic() + 20
        while seen_workers(proc.url, tries=5) != {"1", "2"} and time.monotonic() < deadline:
            time.sleep(0.2)  # the new worker answers once its lifespan has run
        assert seen_workers(proc.url) == {"1", "2"}
        assert "replacing" in proc.stderr()
    finally:
        proc.stop()
    assert proc.proc is not None and proc.proc.returncode == 0


def test_workers_need_no_sandbox(data_dir: Path) -> None:
    import subprocess

    from tests.support.process import BIN

    result = subprocess.run(
        [str(BIN), "serve", "--data-dir", str(data_dir), "--workers", "2", "--port", "1"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2 and "--no-sandbox" in result.stderr


def _redis_up() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS, socket_connect_timeout=2).ping())
    except redis.RedisError:
        return False


@pytest.mark.postgres
@pytest.mark.redis
def test_workers_on_postgres_and_redis(
    tmp_path: Path, pg_url: str, echo: tuple[str, object]
) -> None:
    if not _redis_up():
        if os.environ.get("CI"):
            pytest.fail("Redis at 127.0.0.1:6379 is required under CI")
        pytest.skip("no Redis at 127.0.0.1:6379")
    from trunkline.vault import new_key_line

    env = {
        **upstream_env(echo[0]),
        "TRUNKLINE_DATABASE_URL": pg_url,
        "TRUNKLINE_REDIS_URL": REDIS,
        "TRUNKLINE_MASTER_KEYS": new_key_line(),
    }
    proc = start(tmp_path / "data", env)
    try:
        assert seen_workers(proc.url) == {"1", "2"}
        r = httpx.post(proc.url + "/connections", headers=proc.headers(), json=QUO)
        assert r.status_code == 201
        for _ in range(10):
            r = httpx.get(proc.url + "/quo/v1/echo", headers=proc.headers())
            assert r.status_code == 200
        assert "rate limit" not in proc.stdout()  # Redis shares the limits: no split to report
    finally:
        proc.stop()
    assert proc.proc is not None and proc.proc.returncode == 0


async def test_workers_without_redis_split_each_limit() -> None:
    """Two workers on one node, no Redis: each may start half of a provider's limit, so
    together they never exceed it."""
    from trunkline.catalogue import RateLimit
    from trunkline.errors import Throttled
    from trunkline.throttle import LocalThrottle

    limits = [RateLimit(requests=10, per_seconds=60)]
    worker = LocalThrottle(0, share=2)
    for _ in range(5):
        await worker.acquire("cred", limits)
    with pytest.raises(Throttled):
        await worker.acquire("cred", limits)
    single = LocalThrottle(0)
    for _ in range(10):
        await single.acquire("cred", limits)


def test_granian_workers(data_dir: Path, echo: tuple[str, object]) -> None:
    """granian: each worker binds its own SO_REUSEPORT socket under the same supervisor."""
    env = {**upstream_env(echo[0]), "TRUNKLINE_SERVER": "granian"}
    proc = start(data_dir, env)
    try:
        pids = workers_of(proc)
        assert len(pids) == 2
        r = httpx.post(proc.url + "/connections", headers=proc.headers(), json=QUO)
        assert r.status_code == 201
        for _ in range(10):
            assert httpx.get(proc.url + "/quo/v1/echo", headers=proc.headers()).status_code == 200
        assert proc.proc is not None
        proc.proc.send_signal(signal.SIGTERM)
        assert proc.proc.wait(30) == 0
        deadline = time.monotonic() + 5
        while any(alive(p) for p in pids) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not any(alive(p) for p in pids)
    finally:
        proc.stop()
