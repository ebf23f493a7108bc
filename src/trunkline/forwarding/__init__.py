"""Forwarding: events POSTed to the destinations an account registers, signed with Standard
Webhooks, retried with backoff, logged and replayable. See docs/forwarding.md."""

from trunkline.events.inbox import envelope
from trunkline.forwarding.schedule import RetryPolicy
from trunkline.forwarding.sender import Sender
from trunkline.forwarding.service import (
    DeliveryStatus,
    DestinationStatus,
    ForwardingService,
    Job,
)
from trunkline.forwarding.worker import DeliveryWorker

__all__ = [
    "DeliveryStatus",
    "DeliveryWorker",
    "DestinationStatus",
    "ForwardingService",
    "Job",
    "RetryPolicy",
    "Sender",
    "envelope",
]
