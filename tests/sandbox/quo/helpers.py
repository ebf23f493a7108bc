"""Shared pieces of the Quo sandbox tests: the seeded ids, where Quo is, waiting, a webhook
receiver."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from trunkline.sandbox.kit import SandboxConfig
from trunkline.sandbox.quo.seed import build_seed

SEED = build_seed()
NORTHWIND, GLOBEX = list(SEED["workspaces"].values())
MAIN_LINE = next(p for p in SEED["phoneNumbers"].values() if p["name"] == "Main Line")
GLOBEX_LINE = next(p for p in SEED["phoneNumbers"].values() if p["orgId"] == GLOBEX["id"])


ApiFactory = Callable[[dict[str, str]], httpx.Client]
Json = dict[str, Any]


@dataclass(frozen=True)
class QuoTarget:
    """Where scenario tests find Quo: the API (``/v1/...`` under ``api_base``) and the control
    surface (``/_sandbox/...`` under ``control_base``), each with its credentials."""

    api_base: str
    api_headers: dict[str, str]
    control_base: str
    control_headers: dict[str, str]
    strip_prefix: str = ""


def quo_config(**overrides: Any) -> SandboxConfig:
    """Fast clock, quick webhook retries, no rate limit (tests make many calls a second)."""
    settings: dict[str, Any] = {
        "speed": 20.0,
        "webhook_attempts": 3,
        "webhook_base_delay": 0.05,
        "rate_limits": False,
    }
    settings.update(overrides)
    return SandboxConfig(**settings)


def wait_for(predicate: Callable[[], Any], timeout: float = 5.0) -> Any:
    """Poll until ``predicate()`` is truthy; returns its value."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.02)


@dataclass
class Receiver:
    """A webhook endpoint that records every POST (raw body and headers)."""

    url: str = ""
    status: int = 200
    received: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def events(self, event_type: str | None = None) -> list[dict[str, Any]]:
        with self.lock:
            items = list(self.received)
        return [i for i in items if event_type is None or i["json"]["type"] == event_type]

    def wait(self, event_type: str, count: int = 1, timeout: float = 5.0) -> list[dict[str, Any]]:
        def enough() -> list[dict[str, Any]]:
            found = self.events(event_type)
            return found if len(found) >= count else []

        found: list[dict[str, Any]] = wait_for(enough, timeout)
        return found


VERSION = "2026-03-30"


def dated_headers(key: str) -> dict[str, str]:
    return {"Authorization": key, "Quo-Api-Version": VERSION}
