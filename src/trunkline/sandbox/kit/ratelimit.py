"""Sliding-window request limits, as the providers apply them (per key, per account)."""

from __future__ import annotations

import math
import time
from collections import deque


class SlidingWindow:
    """At most ``limit`` hits per ``seconds`` for each key."""

    def __init__(self, limit: int, seconds: float) -> None:
        self.limit = limit
        self.seconds = seconds
        self._hits: dict[str, deque[float]] = {}

    def hit(self, key: str) -> float | None:
        """Record a hit. Returns None if allowed, else the seconds until one is allowed again."""
        now = time.monotonic()
        hits = self._hits.setdefault(key, deque())
        while hits and hits[0] <= now - self.seconds:
            hits.popleft()
        if len(hits) >= self.limit:
            return max(0.0, hits[0] + self.seconds - now)
        hits.append(now)
        return None

    @staticmethod
    def retry_after_header(wait: float) -> str:
        return str(max(1, math.ceil(wait)))
