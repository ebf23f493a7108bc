"""The sandbox's world: its state tables, clock, ids, API keys and request limit.

Every record carries the ``orgId`` of the workspace it belongs to; lookups always filter on it,
so another workspace's ids answer 404 exactly like ids that do not exist.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Coroutine
from typing import Any

import httpx

from trunkline.sandbox.kit import (
    IdMaker,
    SandboxConfig,
    SandboxRuntime,
    SandboxState,
    SlidingWindow,
)
from trunkline.sandbox.quo.errors import QuoError
from trunkline.sandbox.quo.seed import build_seed

Doc = dict[str, Any]

REQUESTS_PER_SECOND = 10


class QuoWorld:
    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self.runtime = SandboxRuntime("quo", config, build_seed)
        self.ids = IdMaker()
        self.limiter = SlidingWindow(REQUESTS_PER_SECOND, 1.0) if config.rate_limits else None
        # Webhook deliveries of this run (``events.SentEvent``); not persisted.
        self.sent_events: list[Any] = []
        self.on_start: Callable[[], None] | None = None
        self.running = False
        # Dated-API webhook attempts run as tasks (a slow receiver must not hold the clock).
        self._http: httpx.AsyncClient | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def ensure_running(self) -> None:
        """Start the clock (and resume unfinished work) once.

        The lifespan does it; requests do it too, for hosts that mount the app without
        running its lifespan.
        """
        if self.running:
            return
        self.running = True
        await self.runtime.clock.start()
        if self.on_start is not None:
            self.on_start()

    def spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def http(self) -> httpx.AsyncClient:
        if self._http is None:
            self._http = httpx.AsyncClient(
                timeout=5.0, trust_env=False, transport=self.runtime.webhooks.transport
            )
        return self._http

    async def drain(self, timeout: float = 10.0) -> None:
        """Wait for the webhook attempts under way (tests, shutdown)."""
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=timeout)

    async def aclose(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    @property
    def state(self) -> SandboxState:
        return self.runtime.state

    def table(self, name: str) -> dict[str, Doc]:
        return self.runtime.state.table(name)

    def save(self) -> None:
        self.runtime.state.save()

    def later(self, delay_s: float, step: Any) -> None:
        self.runtime.clock.later(delay_s, step)

    # --- workspaces and keys -------------------------------------------------------------

    def workspace_for_key(self, header: str | None) -> Doc:
        """The workspace owning the raw key in ``Authorization`` (no Bearer, as Quo)."""
        if not header or not header.strip():
            raise QuoError(401, "Missing authorization header")
        if header.lower().startswith("bearer "):
            raise QuoError(401, "Invalid API key: send the raw key, without 'Bearer'")
        for org in self.table("workspaces").values():
            if org["apiKey"] == header.strip():
                return org
        raise QuoError(401, "Invalid API key")

    def check_rate(self, api_key: str) -> None:
        if self.limiter is None:
            return
        wait = self.limiter.hit(api_key)
        if wait is not None:
            headers = {
                "Retry-After": SlidingWindow.retry_after_header(wait),
                "X-RateLimit-Limit-Second": str(REQUESTS_PER_SECOND),
                "X-RateLimit-Remaining-Second": "0",
            }
            raise QuoError(429, "API rate limit exceeded", headers=headers)

    # --- records -------------------------------------------------------------------------

    def of_org(self, table: str, org: Doc) -> list[Doc]:
        return [doc for doc in self.table(table).values() if doc["orgId"] == org["id"]]

    def find(self, table: str, org: Doc, record_id: str) -> Doc | None:
        doc = self.table(table).get(record_id)
        if doc is None or doc["orgId"] != org["id"]:
            return None
        return doc

    def workspace(self, org_id: str) -> Doc | None:
        return self.table("workspaces").get(org_id)

    def new_id(self, prefix: str) -> str:
        return self.ids.prefixed(prefix, 32)
