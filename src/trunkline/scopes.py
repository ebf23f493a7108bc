"""What an API key may do: which apps and connections it reaches, whether it may only read, which
numbers it may send to, and how many sends an hour or a day it may make.

A scope is stored with its key (``api_keys.scope``, JSON) and fixed for the key's life: to change
it, issue a new key and revoke the old one. ``None`` in a field means "no limit"; a key with no
scope at all (every key from before scopes) may do everything its account may.

Refusals are ``ScopeDenied`` (403) with a code naming the part of the scope that refused, or
``SendBudgetExceeded`` (429 with ``Retry-After``), raised before anything reaches a provider.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from trunkline.catalogue import RateLimit
from trunkline.errors import InvalidRequest, ScopeDenied, SendBudgetExceeded, Throttled
from trunkline.throttle import Throttle

# ``+1555*``: a plus, a first digit 1-9, then digits, ``?`` (any one digit) or ``*`` (any digits).
DESTINATION = re.compile(r"^\+[1-9][0-9?*]{0,14}$")
APP = re.compile(r"^[a-z][a-z0-9-]{1,40}$")
CONNECTION = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
HOUR, DAY = 3600.0, 86400.0


@dataclass(frozen=True)
class Scope:
    apps: tuple[str, ...] | None = None
    connections: tuple[str, ...] | None = None
    read_only: bool = False
    to: tuple[str, ...] | None = None
    sends_per_hour: int | None = None
    sends_per_day: int | None = None

    @classmethod
    def build(
        cls,
        *,
        apps: Iterable[str] | None = None,
        connections: Iterable[str] | None = None,
        read_only: bool = False,
        to: Iterable[str] | None = None,
        sends_per_hour: int | None = None,
        sends_per_day: int | None = None,
    ) -> Scope:
        """A checked scope; ``InvalidRequest`` says what is wrong with a value."""
        return cls(
            apps=_checked(apps, APP, "an app is a catalogue slug such as quo"),
            connections=_checked(connections, CONNECTION, "a connection is its id"),
            read_only=read_only,
            to=_checked(
                to,
                DESTINATION,
                "a destination is an E.164 number or pattern such as +15551234567 or +1555* "
                "(digits, ? for one digit, * for any)",
            ),
            sends_per_hour=_budget(sends_per_hour, "sends per hour"),
            sends_per_day=_budget(sends_per_day, "sends per day"),
        )

    @classmethod
    def from_json(cls, data: Any) -> Scope:
        if not isinstance(data, dict):
            return UNSCOPED
        return cls.build(
            apps=data.get("apps"),
            connections=data.get("connections"),
            read_only=bool(data.get("read_only")),
            to=data.get("to"),
            sends_per_hour=data.get("sends_per_hour"),
            sends_per_day=data.get("sends_per_day"),
        )

    def wire(self) -> dict[str, Any]:
        """The scope as stored and listed: ``null`` is "no limit"."""
        return {
            "apps": list(self.apps) if self.apps is not None else None,
            "connections": list(self.connections) if self.connections is not None else None,
            "read_only": self.read_only,
            "to": list(self.to) if self.to is not None else None,
            "sends_per_hour": self.sends_per_hour,
            "sends_per_day": self.sends_per_day,
        }

    @property
    def unscoped(self) -> bool:
        return self == UNSCOPED

    @property
    def limits_sends(self) -> bool:
        """Whether sends need looking at: destinations to check or a budget to count."""
        return (
            self.to is not None
            or self.sends_per_hour is not None
            or (self.sends_per_day is not None)
        )

    @property
    def budgets(self) -> list[RateLimit]:
        limits = [(self.sends_per_hour, HOUR), (self.sends_per_day, DAY)]
        return [RateLimit(requests=n, per_seconds=s) for n, s in limits if n is not None]

    def allows(self, app: str, connection_id: str) -> bool:
        """Whether a connection is within the scope (for listings, which leave out the rest)."""
        return (self.apps is None or app in self.apps) and (
            self.connections is None or connection_id in self.connections
        )

    def check_control(
        self, method: str, app: str | None = None, connection: str | None = None
    ) -> None:
        """A control-API request: read-only keys only read; named apps and connections must be
        within the scope."""
        self.check_method(method)
        if app is not None:
            self.check_app(app)
        if connection is not None:
            self.check_connection(connection)

    def check_app(self, app: str) -> None:
        if self.apps is not None and app not in self.apps:
            raise ScopeDenied(
                f"this API key may use {', '.join(self.apps) or 'no app'}, not {app}",
                code="scope_app",
            )

    def check_connection(self, connection_id: str) -> None:
        if self.connections is not None and connection_id not in self.connections:
            raise ScopeDenied(
                f"this API key may not use connection {connection_id}; it may use "
                f"{', '.join(self.connections) or 'none'} (name one with Maton-Connection)",
                code="scope_connection",
            )

    def check_method(self, method: str) -> None:
        if self.read_only and method not in SAFE_METHODS:
            raise ScopeDenied(
                f"this API key is read-only: {method[:20]} is refused (GET, HEAD and OPTIONS only)",
                code="scope_read_only",
            )

    def check_recipients(self, recipients: list[str] | None) -> None:
        """``recipients`` of a send; None when the request does not name them (a resend)."""
        if self.to is None:
            return
        if not recipients:
            raise ScopeDenied(
                "this API key may send only to "
                f"{', '.join(self.to)}, and this send names no recipient to check",
                code="scope_destination",
            )
        for number in recipients:
            if not any(_pattern(p).fullmatch(number) for p in self.to):
                shown = number if len(number) <= 32 else number[:32] + "…"
                raise ScopeDenied(
                    f"this API key may send only to {', '.join(self.to)}, not {shown}",
                    code="scope_destination",
                )


UNSCOPED = Scope()


class SendBudget:
    """Per-key send budgets on a throttle that never waits (``max_wait=0``): the Redis sliding
    window shares them between replicas; the local one keeps them per process."""

    def __init__(self, throttle: Throttle) -> None:
        self.throttle = throttle

    async def spend(self, key_id: str, scope: Scope) -> None:
        budgets = scope.budgets
        if not budgets:
            return
        try:
            await self.throttle.acquire(f"budget:{key_id}", budgets)
        except Throttled as exc:
            raise SendBudgetExceeded(
                "this API key has used its send budget "
                f"({_describe(scope)}); retry after the Retry-After seconds",
                retry_after=exc.retry_after,
            ) from None


def _describe(scope: Scope) -> str:
    parts = [f"{scope.sends_per_hour} per hour"] if scope.sends_per_hour else []
    parts += [f"{scope.sends_per_day} per day"] if scope.sends_per_day else []
    return ", ".join(parts)


def _checked(
    values: Iterable[str] | None, shape: re.Pattern[str], hint: str
) -> tuple[str, ...] | None:
    if values is None:
        return None
    if isinstance(values, str) or not all(isinstance(v, str) for v in values):
        raise InvalidRequest(f"scope values must be a list of strings; {hint}")
    out = tuple(dict.fromkeys(v.strip() for v in values))
    for value in out:
        if not shape.fullmatch(value):
            shown = value if len(value) <= 40 else value[:40] + "…"
            raise InvalidRequest(f"{shown!r} is not valid: {hint}")
    return out


def _budget(value: int | None, name: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 1_000_000:
        raise InvalidRequest(f"{name} must be a whole number from 1 to 1000000")
    return value


_PATTERNS: dict[str, re.Pattern[str]] = {}


def _pattern(glob: str) -> re.Pattern[str]:
    found = _PATTERNS.get(glob)
    if found is None:
        if len(_PATTERNS) > 10_000:
            _PATTERNS.clear()
        body = "".join({"*": "[0-9]*", "?": "[0-9]"}.get(c, re.escape(c)) for c in glob)
        found = _PATTERNS[glob] = re.compile(body)
    return found
