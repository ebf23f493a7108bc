"""What every sandbox runs on: its state, its clock and its webhook sender, started together."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from trunkline.sandbox.kit.clock import Scheduler
from trunkline.sandbox.kit.state import SandboxState, Seed
from trunkline.sandbox.kit.webhooks import WebhookSender


@dataclass(frozen=True)
class SandboxConfig:
    """How trunkline (or ``trunkline sandbox APP``) asks for a sandbox.

    ``data_dir=None`` keeps state in memory. ``speed`` divides every simulated delay.
    """

    data_dir: Path | None = None
    speed: float = 1.0
    webhook_attempts: int = 5
    webhook_base_delay: float = 0.5
    rate_limits: bool = True
    extra: dict[str, Any] = field(default_factory=dict)
    # How outbound webhooks travel: the network by default. trunkline passes one that hands
    # deliveries to its own ingress in-process, so the offline loop needs no socket.
    transport: httpx.AsyncBaseTransport | None = None

    def state_path(self, app: str) -> Path | None:
        return None if self.data_dir is None else self.data_dir / "sandbox" / f"{app}.json"


class SandboxRuntime:
    def __init__(self, app: str, config: SandboxConfig, seed: Seed) -> None:
        self.app = app
        self.config = config
        self.state = SandboxState(config.state_path(app), seed)
        self.clock = Scheduler(config.speed)
        self.webhooks = WebhookSender(
            max_attempts=config.webhook_attempts,
            base_delay=config.webhook_base_delay / config.speed,
            transport=config.transport,
        )

    @contextlib.asynccontextmanager
    async def lifespan(self, _app: object = None) -> AsyncIterator[None]:
        await self.clock.start()
        try:
            yield
        finally:
            await self.clock.stop()
            await self.webhooks.aclose()
            self.state.save()
