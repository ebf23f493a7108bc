"""When a failed delivery is tried again, and when it is given up.

Retry ``n`` (1-based) waits a random time between 0 and ``schedule[n-1]`` seconds ("full
jitter": receivers that come back up are not hit by every queued retry at once); past the end of
the schedule its last step repeats. The default steps are 5 s, 30 s, 2 min, 10 min, 30 min,
1 h, 3 h, 6 h, 12 h. A delivery is retried until its retry window (24 h by default, counted from
when it was queued) ends; a retry that would fall later is moved to the window's end, so the last
attempt happens right at it. A receiver's ``Retry-After`` on 429 or 503 is honoured as a lower
bound, capped at :data:`MAX_RETRY_AFTER`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime

from trunkline.settings import Settings
from trunkline.timeutil import aware, now

MAX_RETRY_AFTER = 3600.0
DEFAULT_SCHEDULE = (5.0, 30.0, 120.0, 600.0, 1800.0, 3600.0, 10800.0, 21600.0, 43200.0)


@dataclass(frozen=True)
class RetryPolicy:
    schedule: tuple[float, ...] = DEFAULT_SCHEDULE
    window: float = 86400.0
    max_attempts: int = 15
    disable_after: int = 5  # abandoned deliveries in a row that disable a destination

    @classmethod
    def from_settings(cls, settings: Settings) -> RetryPolicy:
        return cls(
            schedule=tuple(settings.delivery_retry_schedule),
            window=settings.delivery_retry_window,
            max_attempts=settings.delivery_max_attempts,
            disable_after=settings.destination_disable_after,
        )

    def ceiling(self, attempts: int) -> float:
        """The longest wait after ``attempts`` failed attempts."""
        return self.schedule[min(max(attempts, 1), len(self.schedule)) - 1]

    def next_attempt(
        self,
        attempts: int,
        give_up_at: datetime,
        retry_after: float | None = None,
        at: datetime | None = None,
    ) -> datetime | None:
        """When to try again after ``attempts`` failed attempts; None to give up."""
        at = at or now()
        give_up_at = aware(give_up_at)
        if attempts >= self.max_attempts or at >= give_up_at:
            return None
        wait = random.uniform(0, self.ceiling(attempts))
        if retry_after is not None:
            wait = max(wait, min(retry_after, MAX_RETRY_AFTER))
        return min(at + timedelta(seconds=wait), give_up_at)


def parse_retry_after(value: str | None, at: datetime | None = None) -> float | None:
    """Seconds from a ``Retry-After`` header: delta-seconds or an HTTP date; None if absent or
    unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(min(int(value[:9]), 10**8))
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return max(0.0, (aware(when) - (at or now())).total_seconds())
