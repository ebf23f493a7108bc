"""Outbound webhook delivery shared by the sandboxes: POST, retry with backoff, keep a log.

Each provider signs its own way; the sandbox computes the headers and hands over the exact bytes.
Delivery runs in the background and gives up after ``max_attempts`` (bounded in time).
Deliveries sent with the same ``key`` (one resource's status callbacks) go out one after the other,
so a receiver sees them in lifecycle order even when several are queued at once.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from trunkline.sandbox.kit.clock import utcnow


@dataclass
class Delivery:
    url: str
    body: bytes
    headers: dict[str, str]
    attempts: int = 0
    status: int | None = None
    error: str | None = None
    delivered: bool = False
    created_at: str = field(default_factory=lambda: utcnow().isoformat())

    def summary(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "attempts": self.attempts,
            "status": self.status,
            "error": self.error,
            "delivered": self.delivered,
            "createdAt": self.created_at,
        }


class WebhookSender:
    def __init__(
        self,
        *,
        max_attempts: int = 5,
        base_delay: float = 0.5,
        timeout: float = 5.0,
        keep: int = 500,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.transport = transport
        self.max_attempts = max_attempts
        self.base_delay = base_delay
        self.timeout = timeout
        self.keep = keep
        self.log: list[Delivery] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self._chains: dict[str, asyncio.Task[None]] = {}
        self._client: httpx.AsyncClient | None = None

    def send(
        self, url: str, body: bytes, headers: dict[str, str], *, key: str | None = None
    ) -> Delivery:
        """Queue one delivery; returns its log entry (updated as attempts happen)."""
        delivery = Delivery(url=url, body=body, headers=headers)
        self.run(delivery, self._deliver, key=key)
        return delivery

    def run(
        self,
        delivery: Delivery,
        attempt: Callable[[Delivery], Awaitable[None]],
        *,
        key: str | None = None,
    ) -> None:
        """Log ``delivery`` and run ``attempt(delivery)`` in the background, after the previous
        delivery with the same ``key`` has finished (delivered or given up)."""
        self.log.append(delivery)
        del self.log[: -self.keep]
        previous = self._chains.get(key) if key is not None else None
        task = asyncio.create_task(self._after(previous, attempt, delivery))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        if key is not None:
            self._chains[key] = task
            task.add_done_callback(lambda done: self._forget(key, done))

    def _forget(self, key: str, done: asyncio.Task[None]) -> None:
        if self._chains.get(key) is done:
            del self._chains[key]

    @staticmethod
    async def _after(
        previous: asyncio.Task[None] | None,
        attempt: Callable[[Delivery], Awaitable[None]],
        delivery: Delivery,
    ) -> None:
        if previous is not None:
            await asyncio.wait({previous})
        await attempt(delivery)

    async def drain(self, timeout: float = 10.0) -> None:
        """Wait for deliveries under way (tests, shutdown)."""
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=timeout)

    async def aclose(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def client(self) -> httpx.AsyncClient:
        """A client for outbound deliveries (over the configured transport)."""
        return httpx.AsyncClient(timeout=self.timeout, trust_env=False, transport=self.transport)

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = self.client()
        return self._client

    async def _deliver(self, delivery: Delivery) -> None:
        for attempt in range(self.max_attempts):
            delivery.attempts = attempt + 1
            try:
                response = await self._http().post(
                    delivery.url, content=delivery.body, headers=delivery.headers
                )
                delivery.status = response.status_code
                delivery.error = None
                if response.is_success:
                    delivery.delivered = True
                    return
            except httpx.HTTPError as exc:
                delivery.error = f"{type(exc).__name__}: {exc}"
            if attempt + 1 < self.max_attempts:
                await asyncio.sleep(self.base_delay * 2**attempt)
