"""Timestamps as Quo writes them: ISO 8601, UTC, milliseconds, ``Z``.

Stored that way too, so equal-format strings sort in time order and compare directly.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from trunkline.sandbox.kit import utcnow


def stamp(moment: datetime) -> str:
    utc = moment.astimezone(UTC).replace(tzinfo=None)
    return utc.isoformat(timespec="milliseconds") + "Z"


def now_stamp() -> str:
    return stamp(utcnow())


def parse_stamp(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def shift(value: str, seconds: float) -> str:
    return stamp(parse_stamp(value) + timedelta(seconds=seconds))


def epoch_ms() -> int:
    return int(utcnow().timestamp() * 1000)
