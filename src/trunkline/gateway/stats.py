"""The gateway's counters: plain ints and dicts bumped on the hot path, read at scrape time by
the metrics collector (no metrics library in the request path)."""

from __future__ import annotations

import bisect

# Upstream latency buckets (seconds), Prometheus' defaults stretched for slow providers.
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


class Histogram:
    __slots__ = ("count", "counts", "sum")

    def __init__(self) -> None:
        self.counts = [0] * (len(BUCKETS) + 1)  # the last one is +Inf
        self.sum = 0.0
        self.count = 0

    def observe(self, seconds: float) -> None:
        self.counts[bisect.bisect_left(BUCKETS, seconds)] += 1
        self.sum += seconds
        self.count += 1


class GatewayStats:
    """Per process. Label values are bounded: apps come from the catalogue (else "unknown")."""

    def __init__(self) -> None:
        self.requests: dict[tuple[str, str], int] = {}  # (app, "2xx") -> count
        self.latency: dict[str, Histogram] = {}  # app -> upstream seconds
        self.retries: dict[tuple[str, str], int] = {}  # (app, reason) -> count
        self.pauses: dict[str, int] = {}  # app -> Retry-After pauses started
        self.paused_rejections = 0  # answered 429 here while a credential was paused
        self.replays = 0  # idempotent answers served from the store

    def request(self, app: str, status: int) -> None:
        key = (app, _CLASSES[status // 100] if 1 <= status // 100 <= 5 else "other")
        self.requests[key] = self.requests.get(key, 0) + 1

    def upstream(self, app: str, seconds: float) -> None:
        histogram = self.latency.get(app)
        if histogram is None:
            histogram = self.latency[app] = Histogram()
        histogram.observe(seconds)

    def retry(self, app: str, reason: str) -> None:
        self.retries[(app, reason)] = self.retries.get((app, reason), 0) + 1

    def pause(self, app: str) -> None:
        self.pauses[app] = self.pauses.get(app, 0) + 1


_CLASSES = {1: "1xx", 2: "2xx", 3: "3xx", 4: "4xx", 5: "5xx"}
