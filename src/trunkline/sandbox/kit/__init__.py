"""Shared building blocks of the offline provider sandboxes."""

from trunkline.sandbox.kit.clock import Scheduler, utcnow
from trunkline.sandbox.kit.ids import IdMaker
from trunkline.sandbox.kit.ratelimit import SlidingWindow
from trunkline.sandbox.kit.runtime import SandboxConfig, SandboxRuntime
from trunkline.sandbox.kit.state import SandboxState
from trunkline.sandbox.kit.webhooks import Delivery, WebhookSender

__all__ = [
    "Delivery",
    "IdMaker",
    "SandboxConfig",
    "SandboxRuntime",
    "SandboxState",
    "Scheduler",
    "SlidingWindow",
    "WebhookSender",
    "utcnow",
]
