"""UTC timestamps and their wire form: RFC 3339 with microseconds and ``Z``."""

from __future__ import annotations

from datetime import UTC, datetime


def now() -> datetime:
    return datetime.now(UTC)


def aware(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything we store is UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def rfc3339(value: datetime) -> str:
    return aware(value).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
