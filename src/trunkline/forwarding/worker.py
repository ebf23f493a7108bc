"""The background delivery loop of one replica.

It claims due deliveries (up to ``concurrency`` in flight), POSTs each one and records the
outcome. It wakes at once when this process queues deliveries (:meth:`DeliveryWorker.wake`),
at the earliest retry it scheduled itself, and otherwise every ``poll`` seconds to pick up what
other replicas queued or what a dead replica's lapsed lease freed.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import logging
import time
from datetime import datetime

from trunkline.errors import StoreUnavailable
from trunkline.forwarding.sender import Outcome, Sender
from trunkline.forwarding.service import ForwardingService, Job
from trunkline.settings import Settings
from trunkline.timeutil import aware, now

log = logging.getLogger("trunkline.forwarding")


class DeliveryWorker:
    def __init__(
        self,
        service: ForwardingService,
        sender: Sender,
        *,
        poll: float = 1.0,
        concurrency: int = 16,
    ) -> None:
        self.service = service
        self.sender = sender
        self.poll = poll
        self.concurrency = concurrency
        self._wakeup = asyncio.Event()
        self._due: list[float] = []  # monotonic times of retries this worker scheduled
        self._inflight: set[asyncio.Task[None]] = set()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        service.on_queued(self.wake)

    @classmethod
    def from_settings(cls, service: ForwardingService, settings: Settings) -> DeliveryWorker:
        sender = Sender(
            timeout=settings.delivery_timeout,
            response_limit=settings.delivery_response_limit,
            allow_private=settings.allow_private_destinations,
        )
        return cls(service, sender)

    def wake(self) -> None:
        self._wakeup.set()

    async def start(self) -> None:
        if self._task is None:
            self._stopping = False
            self._task = asyncio.create_task(self._run(), name="trunkline-forwarding")

    async def stop(self, grace: float | None = None) -> None:
        """Stop claiming, let attempts in flight finish (up to ``grace`` seconds, by default
        the sender's timeout), then close the HTTP client. An attempt cut off keeps its lease
        and is retried once the lease lapses."""
        if self._task is None:
            return
        self._stopping = True
        self.wake()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None
        if self._inflight:
            wait = self.sender.timeout + 1 if grace is None else grace
            _, late = await asyncio.wait(self._inflight, timeout=wait)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
        await self.sender.close()

    async def _run(self) -> None:
        while not self._stopping:
            self._wakeup.clear()
            try:
                await self._fill()
            except StoreUnavailable as exc:  # a restart or failover: claim again next round
                log.warning("claiming deliveries: %s", exc)
            except Exception:
                log.exception("claiming deliveries failed")
            await self._sleep()

    async def _fill(self) -> None:
        free = self.concurrency - len(self._inflight)
        for job in await self.service.claim(free):
            task = asyncio.create_task(self._deliver(job))
            self._inflight.add(task)
            task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._inflight.discard(task)
        self.wake()  # a slot is free: there may be more due

    async def _sleep(self) -> None:
        if self._stopping:
            return
        clock = time.monotonic()
        while self._due and self._due[0] <= clock:
            heapq.heappop(self._due)
        timeout = self.poll
        if self._due:
            timeout = min(timeout, self._due[0] - clock)
        if len(self._inflight) >= self.concurrency:
            timeout = self.poll  # full: only a finished attempt (which wakes us) frees a slot
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wakeup.wait(), timeout=max(timeout, 0.0))

    async def _deliver(self, job: Job) -> None:
        try:
            if job.secret is None:
                outcome = Outcome(False, error=job.problem)
            else:
                outcome = await self.sender.post(job.url, job.secret, job.message_id, job.body)
            later = await self.service.record(job, outcome)
        except StoreUnavailable as exc:  # the lease lapses and another attempt follows
            log.warning("recording a delivery attempt: %s", exc)
            return
        except Exception:
            # The lease lapses and another attempt follows; nothing is lost.
            log.exception(
                "delivery attempt failed", extra={"fields": {"delivery": job.delivery_id}}
            )
            return
        if later is not None:
            self._remember(later)

    def _remember(self, when: datetime) -> None:
        delay = (aware(when) - now()).total_seconds()
        heapq.heappush(self._due, time.monotonic() + max(delay, 0.0))
