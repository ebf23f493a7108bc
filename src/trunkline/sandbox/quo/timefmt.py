"""Timestamps as Quo writes them: ISO 8601, UTC, milliseconds, ``Z``.

Stored that way too, so equal-format strings sort in time order and compare directly.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from trunkline.sandbox.kit import utcnow


def stamp(moment: datetime) -> str:
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def now_stamp() -> str:
    return stamp(utcnow())


def parse_stamp(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def shift(value: str, seconds: float) -> str:
    return stamp(parse_stamp(value) + timedelta(seconds=seconds))


def epoch_ms() -> int:
    return int(utcnow().timestamp() * 1000)
