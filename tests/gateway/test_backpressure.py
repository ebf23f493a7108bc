"""Upstream back-pressure and safe retries: a provider's Retry-After pauses the credential here;
idempotent requests are retried within the budget, POST and PATCH are not."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.gateway.safe_sends import connect, start
from tests.support.flaky import FlakyUpstream
from tests.support.process import TrunklineProcess
from tests.support.servers import serve_asgi

TOKEN = "metrics-" + "t" * 24


@pytest.fixture(scope="module")
def flaky() -> Iterator[tuple[str, FlakyUpstream]]:
    upstream = FlakyUpstream()
    with serve_asgi(upstream) as url:
        yield url, upstream


def call(proc: TrunklineProcess, method: str, path: str, **kw: object) -> httpx.Response:
    return httpx.request(method, proc.url + path, headers=proc.headers(), timeout=30, **kw)  # type: ignore[arg-type]


def samples(proc: TrunklineProcess) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    r = httpx.get(proc.url + "/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 200, r.text
    found = {}
    for family in text_string_to_metric_families(r.text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def test_retry_after_pauses_the_credential_here(
    tmp_path: Path, flaky: tuple[str, FlakyUpstream]
) -> None:
    url, upstream = flaky
    proc = start(tmp_path / "data", url, TRUNKLINE_THROTTLE_WAIT="0", TRUNKLINE_METRICS_TOKEN=TOKEN)
    try:
        connect(proc)
        tag = uuid.uuid4().hex
        r = call(proc, "GET", f"/steady/fail/{tag}/1/429?retry_after=2")
        assert r.status_code == 429 and r.headers["x-scripted"] == "yes"  # the provider's own
        assert upstream.hits[f"/fail/{tag}/1/429"] == 1  # too long a pause to retry within
        held = call(proc, "GET", f"/steady/v1/after/{tag}")
        assert held.status_code == 429
        assert held.json()["error"]["code"] == "rate_limited"
        assert 1 <= int(held.headers["retry-after"]) <= 2
        assert upstream.hits[f"/v1/after/{tag}"] == 0  # never sent
        time.sleep(2.1)
        assert call(proc, "GET", f"/steady/v1/after/{tag}").status_code == 200
        assert upstream.hits[f"/v1/after/{tag}"] == 1
        found = samples(proc)
        assert found[("trunkline_upstream_pauses_total", (("app", "steady"),))] == 1
        assert found[("trunkline_throttle_rejected_total", (("cause", "pause"),))] == 1
    finally:
        proc.stop()


def test_requests_queue_through_a_short_pause_and_get_retried(
    tmp_path: Path, flaky: tuple[str, FlakyUpstream]
) -> None:
    url, upstream = flaky
    proc = start(tmp_path / "data", url, TRUNKLINE_THROTTLE_WAIT="5", TRUNKLINE_METRICS_TOKEN=TOKEN)
    try:
        connect(proc)
        tag = uuid.uuid4().hex
        started = time.monotonic()
        r = call(proc, "GET", f"/steady/fail/{tag}/1/429?retry_after=1")
        assert r.status_code == 200  # held for the pause, then retried
        assert time.monotonic() - started >= 0.9
        assert upstream.hits[f"/fail/{tag}/1/429"] == 2

        # GET: retried through 503s until it succeeds.
        assert call(proc, "GET", f"/steady/fail/{tag}/2/503").status_code == 200
        assert upstream.hits[f"/fail/{tag}/2/503"] == 3
        # POST (and PATCH): never retried, the provider may have acted.
        assert call(proc, "POST", f"/steady/fail/{tag}/1/503", json={}).status_code == 503
        assert upstream.hits[f"/fail/{tag}/1/503"] == 1
        assert call(proc, "PATCH", f"/steady/fail/{tag}/1/502", json={}).status_code == 502
        assert upstream.hits[f"/fail/{tag}/1/502"] == 1
        # Past the attempts, the provider's last answer goes back as it was.
        assert call(proc, "GET", f"/steady/fail/{tag}/9/504").status_code == 504
        assert upstream.hits[f"/fail/{tag}/9/504"] == 4  # one try and three retries

        found = samples(proc)
        retries = {
            dict(labels)["reason"]: value
            for (name, labels), value in found.items()
            if name == "trunkline_upstream_retries_total"
        }
        assert retries == {"429": 1, "503": 2, "504": 3}
        assert found[("trunkline_throttle_waits_total", (("cause", "pause"),))] >= 1
    finally:
        proc.stop()


def test_connect_errors_are_retried_only_when_safe(tmp_path: Path) -> None:
    """The provider goes away: GET and a keyed POST are tried again (nothing was sent), a
    plain POST is not."""
    upstream = FlakyUpstream()
    with serve_asgi(upstream) as url:
        proc = start(tmp_path / "data", url, TRUNKLINE_METRICS_TOKEN=TOKEN)
        connect(proc)
    try:
        assert call(proc, "GET", "/steady/v1/x").status_code == 502
        assert call(proc, "POST", "/steady/v1/x", json={}).status_code == 502
        keyed = httpx.post(
            proc.url + "/steady/v1/x",
            headers={**proc.headers(), "Idempotency-Key": "gone"},
            json={},
        )
        assert keyed.status_code == 502
        found = samples(proc)
        assert (
            found[("trunkline_upstream_retries_total", (("app", "steady"), ("reason", "connect")))]
            == 6
        )
        # Nothing reached the provider, so the key is free again (not a stored 502).
        assert found[("trunkline_idempotency_keys_total", (("outcome", "released"),))] == 1
    finally:
        proc.stop()
