"""The small closed sets every layer shares, as string enums (their values are the wire values)."""

from __future__ import annotations

from enum import StrEnum


class Mode(StrEnum):
    """Like Stripe's keys: test-mode keys and connections use the sandboxes, live ones the
    real providers. A key sees only connections of its own mode; a connection never changes mode."""

    TEST = "test"
    LIVE = "live"


class Status(StrEnum):
    PENDING = "PENDING"
    ACTIVE = "ACTIVE"
    FAILED = "FAILED"


class Method(StrEnum):
    """How a connection authenticates. Maton also names the last three; accepted in filters."""

    API_KEY = "API_KEY"
    BASIC = "BASIC"
    OAUTH2 = "OAUTH2"
    JWT = "JWT"
    OAUTH1 = "OAUTH1"
    MCP = "MCP"
