"""``/metrics``: Prometheus text behind the metrics token; the counters follow the traffic."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.gateway.safe_sends import connect, start
from tests.support.flaky import FlakyUpstream
from tests.support.servers import free_port, serve_asgi

TOKEN = "scrape-" + "s" * 30


@pytest.fixture(scope="module")
def flaky() -> Iterator[tuple[str, FlakyUpstream]]:
    upstream = FlakyUpstream()
    with serve_asgi(upstream) as url:
        yield url, upstream


def parse(text: str) -> dict[str, dict[tuple[tuple[str, str], ...], float]]:
    found: dict[str, dict[tuple[tuple[str, str], ...], float]] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found.setdefault(sample.name, {})[tuple(sorted(sample.labels.items()))] = sample.value
    return found


def test_metrics_are_404_without_a_token(tmp_path: Path, flaky: tuple[str, FlakyUpstream]) -> None:
    proc = start(tmp_path / "data", flaky[0])
    try:
        r = httpx.get(proc.url + "/metrics", headers={"Authorization": "Bearer anything"})
        assert r.status_code == 404
        assert r.json()["error"]["code"] == "not_found"
    finally:
        proc.stop()


def test_metrics_need_the_token_and_follow_the_traffic(
    tmp_path: Path, flaky: tuple[str, FlakyUpstream]
) -> None:
    port = free_port()
    proc = start(
        tmp_path / "data",
        flaky[0],
        TRUNKLINE_METRICS_TOKEN=TOKEN,
        TRUNKLINE_METRICS_PORT=str(port),
    )
    scrape = {"Authorization": f"Bearer {TOKEN}"}
    try:
        for headers in ({}, {"Authorization": "Bearer wrong"}, proc.headers()):
            r = httpx.get(proc.url + "/metrics", headers=headers)
            assert r.status_code == 401
            assert r.json()["error"]["code"] == "unauthorized"
        before = parse(httpx.get(proc.url + "/metrics", headers=scrape).text)
        assert "trunkline_gateway_requests_total" not in before or not any(
            dict(k).get("app") == "steady" for k in before["trunkline_gateway_requests_total"]
        )
        connect(proc)
        for _ in range(3):
            assert httpx.get(proc.url + "/steady/v1/x", headers=proc.headers()).status_code == 200
        assert (
            httpx.get(proc.url + "/steady/fail/m/9/404", headers=proc.headers()).status_code == 404
        )
        keyed = {**proc.headers(), "Idempotency-Key": "metrics-1"}
        for _ in range(2):
            httpx.post(proc.url + "/steady/v1/y", headers=keyed, json={"a": 1})
        assert httpx.get(proc.url + "/nope/x", headers=proc.headers()).status_code == 404

        r = httpx.get(proc.url + "/metrics", headers=scrape)
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/plain")
        after = parse(r.text)
        requests = after["trunkline_gateway_requests_total"]
        assert requests[(("app", "steady"), ("status_class", "2xx"))] == 5
        assert requests[(("app", "steady"), ("status_class", "4xx"))] == 1
        assert requests[(("app", "unknown"), ("status_class", "4xx"))] == 1
        assert after["trunkline_upstream_latency_seconds_count"][(("app", "steady"),)] == 5
        assert after["trunkline_idempotent_replays_total"][()] == 1
        assert after["trunkline_idempotency_keys_total"][(("outcome", "claimed"),)] == 1
        for family in (
            "trunkline_throttle_queue_depth",
            "trunkline_throttle_waits_total",
            "trunkline_events_stored_total",
            "trunkline_events_duplicates_total",
            "process_resident_memory_bytes",
        ):
            assert family in after, family

        # The same numbers on the metrics port, token required there too.
        side = f"http://127.0.0.1:{port}/metrics"
        assert httpx.get(side).status_code == 401
        there = httpx.get(side, headers=scrape)
        assert there.status_code == 200
        assert parse(there.text)["trunkline_gateway_requests_total"] == requests
        assert httpx.get(f"http://127.0.0.1:{port}/other", headers=scrape).status_code == 404
    finally:
        proc.stop()


def test_webhook_refusals_are_counted(tmp_path: Path, flaky: tuple[str, FlakyUpstream]) -> None:
    proc = start(tmp_path / "data", flaky[0], TRUNKLINE_METRICS_TOKEN=TOKEN)
    try:
        r = httpx.post(proc.url + "/webhooks/quo/not-a-token", json={"type": "x"})
        assert r.status_code == 404
        found = parse(
            httpx.get(proc.url + "/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).text
        )
        assert (
            found["trunkline_webhooks_rejected_total"][(("reason", r.json()["error"]["code"]),)]
            == 1
        )
    finally:
        proc.stop()
