"""Fault tests: real ``trunkline serve`` processes against upstreams, databases and caches that
fail on purpose. Helpers: bounded waits, open file descriptors of a process, a connection to the
faulty provider."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.faulty import FAULTY_KEY, FaultyUpstream
from tests.support.process import TrunklineProcess

PROVIDERS = Path(__file__).resolve().parent / "providers"
__all__ = ["FAULTY_KEY", "connect_faulty", "faulty_env", "open_fds", "until"]


def until(check: Callable[[], object], seconds: float, what: str = "condition") -> object:
    """Poll ``check`` until it returns something truthy; fail after ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"{what}: not within {seconds} s")


def open_fds(proc: TrunklineProcess) -> int:
    assert proc.proc is not None
    return len(list(Path(f"/proc/{proc.proc.pid}/fd").iterdir()))


def faulty_env(upstream_url: str, **extra: str) -> dict[str, str]:
    return {
        "TRUNKLINE_PROVIDERS_DIR": str(PROVIDERS),
        "TRUNKLINE_UPSTREAM_FAULTY": upstream_url,
        **extra,
    }


def connect_faulty(proc: TrunklineProcess, key: str | None = None) -> str:
    r = httpx.post(
        proc.url + "/connections",
        headers=proc.headers(key),
        json={"app": "faulty", "credentials": {"api_key": FAULTY_KEY}},
        timeout=30,
    )
    assert r.status_code == 201, r.text
    return str(r.json()["connection"]["connection_id"])


@pytest.fixture(scope="module")
def faulty() -> Iterator[FaultyUpstream]:
    with FaultyUpstream() as upstream:
        yield upstream
