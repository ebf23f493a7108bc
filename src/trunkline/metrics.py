"""Prometheus metrics: ``/metrics`` (text format) behind a bearer token, optionally on a port
of its own.

The hot path never touches prometheus_client: the gateway, throttle, idempotency store, OAuth2
refresher and webhook ingress count in plain ints, and this collector turns them into metric
families at scrape time. Every number covers this process only: with several worker processes,
each answers for itself (scrape each, or sum in Prometheus).
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.process_collector import ProcessCollector
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from trunkline.connections.refresh import TokenRefresher
from trunkline.errors import render_error
from trunkline.events.ingest import Counters
from trunkline.gateway.backoff import Pauses
from trunkline.gateway.stats import BUCKETS, GatewayStats
from trunkline.idempotency import Stats as IdempotencyStats
from trunkline.throttle import ThrottleStats


@dataclass
class Sources:
    """Where the numbers live (all in this process)."""

    gateway: GatewayStats
    throttle: ThrottleStats
    pauses: Pauses
    idempotency: IdempotencyStats
    refresher: TokenRefresher
    ingest: Counters


class Collector:
    def __init__(self, sources: Sources) -> None:
        self.sources = sources

    def describe(self) -> list[Metric]:
        return []  # families are built at scrape time

    def collect(self) -> Iterator[Metric]:
        yield from self._gateway()
        yield from self._throttle()
        yield from self._idempotency()
        yield from self._events()
        refreshes = CounterMetricFamily(
            "trunkline_oauth_refreshes", "OAuth2 token refreshes by outcome.", labels=["outcome"]
        )
        for outcome, count in sorted(self.sources.refresher.outcomes.items()):
            refreshes.add_metric([outcome], count)
        yield refreshes

    def _gateway(self) -> Iterator[Metric]:
        stats = self.sources.gateway
        requests = CounterMetricFamily(
            "trunkline_gateway_requests",
            "Proxied requests by app and status class.",
            labels=["app", "status_class"],
        )
        for (app, status_class), count in sorted(stats.requests.items()):
            requests.add_metric([app, status_class], count)
        yield requests
        latency = HistogramMetricFamily(
            "trunkline_upstream_latency_seconds",
            "Time from the first send to the provider until its answer was relayed.",
            labels=["app"],
        )
        for app, histogram in sorted(stats.latency.items()):
            running = 0
            buckets = []
            for bound, count in zip([*map(str, BUCKETS), "+Inf"], histogram.counts, strict=True):
                running += count
                buckets.append((bound, running))
            latency.add_metric([app], buckets, histogram.sum)
        yield latency
        retries = CounterMetricFamily(
            "trunkline_upstream_retries",
            "Requests sent to a provider again, by app and reason (connect, 429, 502, 503, 504).",
            labels=["app", "reason"],
        )
        for (app, reason), count in sorted(stats.retries.items()):
            retries.add_metric([app, reason], count)
        yield retries
        pauses = CounterMetricFamily(
            "trunkline_upstream_pauses",
            "Pauses of a credential started by a provider's 429/503 with Retry-After.",
            labels=["app"],
        )
        for app, count in sorted(stats.pauses.items()):
            pauses.add_metric([app], count)
        yield pauses

    def _throttle(self) -> Iterator[Metric]:
        throttle, pauses = self.sources.throttle, self.sources.pauses
        waits = CounterMetricFamily(
            "trunkline_throttle_waits",
            "Requests queued before going out, by cause (rate limit, provider pause).",
            labels=["cause"],
        )
        waits.add_metric(["rate_limit"], throttle.waits)
        waits.add_metric(["pause"], pauses.waits)
        yield waits
        yield CounterMetricFamily(
            "trunkline_throttle_wait_seconds",
            "Seconds requests spent queued for a provider's rate limit.",
            value=throttle.wait_seconds,
        )
        rejected = CounterMetricFamily(
            "trunkline_throttle_rejected",
            "Requests answered 429 here instead of queueing, by cause.",
            labels=["cause"],
        )
        rejected.add_metric(["rate_limit"], throttle.rejected)
        rejected.add_metric(["pause"], pauses.rejected)
        yield rejected
        depth = GaugeMetricFamily(
            "trunkline_throttle_queue_depth",
            "Requests queued right now, by cause.",
            labels=["cause"],
        )
        depth.add_metric(["rate_limit"], throttle.queued)
        depth.add_metric(["pause"], pauses.queued)
        yield depth

    def _idempotency(self) -> Iterator[Metric]:
        stats = self.sources.idempotency
        yield CounterMetricFamily(
            "trunkline_idempotent_replays",
            "Keyed requests answered from the stored first answer.",
            value=self.sources.gateway.replays,
        )
        keys = CounterMetricFamily(
            "trunkline_idempotency_keys",
            "Idempotency-Key outcomes: claimed (ran), reused (422), in_flight (409), released, "
            "taken_over (the first owner's lease ran out).",
            labels=["outcome"],
        )
        keys.add_metric(["claimed"], stats.claims)
        keys.add_metric(["reused"], stats.reused)
        keys.add_metric(["in_flight"], stats.in_flight)
        keys.add_metric(["released"], stats.released)
        keys.add_metric(["taken_over"], stats.takeovers)
        yield keys

    def _events(self) -> Iterator[Metric]:
        ingest = self.sources.ingest
        yield CounterMetricFamily(
            "trunkline_events_stored",
            "Verified webhook deliveries stored as new events.",
            value=ingest.accepted,
        )
        yield CounterMetricFamily(
            "trunkline_events_duplicates",
            "Verified deliveries of an event already stored (provider retries).",
            value=ingest.duplicates,
        )
        refused = CounterMetricFamily(
            "trunkline_webhooks_rejected",
            "Webhook deliveries refused, by reason (the error code answered).",
            labels=["reason"],
        )
        for reason, count in sorted(ingest.refused.items()):
            refused.add_metric([reason], count)
        yield refused


def registry(sources: Sources) -> CollectorRegistry:
    found = CollectorRegistry(auto_describe=False)
    found.register(Collector(sources))
    ProcessCollector(registry=found)
    return found


def authorized(authorization: str | None, token: str) -> bool:
    scheme, _, presented = (authorization or "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(
        presented.strip().encode(), token.encode()
    )


def answer(found: CollectorRegistry, token: str | None, authorization: str | None) -> Response:
    """The scrape: 401 in the error shape without the token (when one is required)."""
    if token is not None and not authorized(authorization, token):
        body = render_error(401, "unauthorized", "metrics need the metrics bearer token", "")
        return Response(
            body, 401, {"WWW-Authenticate": 'Bearer realm="metrics"'}, "application/json"
        )
    return Response(generate_latest(found), 200, media_type=CONTENT_TYPE_LATEST)


def routes(found: CollectorRegistry, token: str | None) -> list[BaseRoute]:
    """``GET /metrics`` on the main port: only with a token (else the path is a 404)."""
    if token is None:
        return []

    async def metrics(request: Request) -> Response:
        return answer(found, token, request.headers.get("authorization"))

    return [Route("/metrics", metrics, methods=["GET"])]


@contextlib.asynccontextmanager
async def separate_port(
    found: CollectorRegistry, token: str | None, host: str, port: int
) -> AsyncIterator[None]:
    """``/metrics`` on a port of its own: a minimal HTTP/1.1 server, one request per
    connection (a scraper's pattern), no framework."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
            line, *fields = head.decode("latin-1").split("\r\n")
            parts = line.split(" ")
            headers = dict(
                (n.strip().lower(), v.strip()) for n, _, v in (f.partition(":") for f in fields)
            )
            path = parts[1].split("?", 1)[0] if len(parts) == 3 else ""
            if parts[0] != "GET" or path != "/metrics":
                body = render_error(404, "not_found", "only GET /metrics is served here", "")
                response = Response(body, 404, media_type="application/json")
            else:
                response = answer(found, token, headers.get("authorization"))
            writer.write(_http(response))
            await writer.drain()
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError):
            pass
        finally:
            writer.close()

    # reuse_port: several workers may each serve it (each answers with its own numbers).
    server = await asyncio.start_server(handle, host, port, reuse_port=True)
    try:
        yield
    finally:
        server.close()
        await server.wait_closed()


def _http(response: Response) -> bytes:
    reason = {200: "OK", 401: "Unauthorized", 404: "Not Found"}.get(response.status_code, "")
    lines = [f"HTTP/1.1 {response.status_code} {reason}"]
    lines += [f"{n.decode('latin-1')}: {v.decode('latin-1')}" for n, v in response.raw_headers]
    lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + bytes(response.body)
