"""Event type patterns: an exact type (``message.received``), a prefix (``message.*``) or ``*``."""

from __future__ import annotations

from collections.abc import Iterable

from trunkline.errors import InvalidRequest

MAX_PATTERNS = 50
MAX_PATTERN = 80


def valid(pattern: str) -> bool:
    if pattern == "*":
        return True
    body = pattern[:-2] if pattern.endswith(".*") else pattern
    return all(
        part and part.replace("_", "").replace("-", "").isalnum() for part in body.split(".")
    )


def checked(patterns: Iterable[str]) -> list[str]:
    """The patterns, de-duplicated in order; 400 for an empty list or a malformed one."""
    out: list[str] = []
    for pattern in patterns:
        if len(pattern) > MAX_PATTERN or not pattern.isascii() or not valid(pattern):
            raise InvalidRequest(
                f"types: {pattern[:MAX_PATTERN]!r} is not an event type, a pattern like "
                "'message.*', or '*'"
            )
        if pattern not in out:
            out.append(pattern)
    if not out or len(out) > MAX_PATTERNS:
        raise InvalidRequest(f"types must list 1 to {MAX_PATTERNS} event types or patterns")
    return out


def matches(patterns: Iterable[str], event_type: str) -> bool:
    for pattern in patterns:
        if pattern in ("*", event_type):
            return True
        if pattern.endswith(".*") and event_type.startswith(pattern[:-1]):
            return True
    return False
