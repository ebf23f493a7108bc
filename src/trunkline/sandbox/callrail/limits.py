"""CallRail's request limits, counted per account over an hour and a day.

Defaults are CallRail's documented ones. ``SandboxConfig(extra={"rate_limits": {...}})`` lowers
them for tests, e.g. ``{"general": {"per_hour": 5}}``; ``hour_seconds``/``day_seconds`` shorten
the windows themselves. ``SandboxConfig(rate_limits=False)`` turns all of them off.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from trunkline.sandbox.callrail.errors import rate_limited
from trunkline.sandbox.kit import SlidingWindow

DEFAULT_LIMITS: dict[str, tuple[int, int]] = {
    "general": (1_000, 10_000),
    "sms": (150, 1_000),
    "outbound_calls": (100, 2_000),
}


@dataclass
class Bucket:
    hourly: SlidingWindow
    daily: SlidingWindow

    def hit(self, key: str) -> bool:
        return self.hourly.hit(key) is None and self.daily.hit(key) is None


def _bucket(defaults: tuple[int, int], override: dict[str, Any]) -> Bucket:
    return Bucket(
        SlidingWindow(
            int(override.get("per_hour", defaults[0])), override.get("hour_seconds", 3600)
        ),
        SlidingWindow(
            int(override.get("per_day", defaults[1])), override.get("day_seconds", 86400)
        ),
    )


class Limits:
    def __init__(self, enabled: bool, overrides: dict[str, Any] | None = None) -> None:
        self.enabled = enabled
        self.overrides = overrides or {}
        self.clear()

    def clear(self) -> None:
        """Forget every counted request (a sandbox reset starts with fresh windows)."""
        self.buckets = {
            name: _bucket(defaults, self.overrides.get(name, {}))
            for name, defaults in DEFAULT_LIMITS.items()
        }

    def check(self, bucket: str, account_id: str) -> None:
        """Count one request for ``account_id``; raise CallRail's 429 when over the limit."""
        if self.enabled and not self.buckets[bucket].hit(account_id):
            raise rate_limited()
