"""Inbound provider webhooks, end to end.

Pure functions: ``schemes`` verifies a delivery with the provider's own signature scheme (declared
in the catalogue) and ``normalise`` maps its payload to the shared event shape. Services:
``ingest`` (ingress token → verify → normalise → store), ``inbox`` (the only writer of ``events``;
cursors, long-poll, stream, retention), ``subscriptions`` (registering the ingress URL with the
provider; the only writer of ``subscriptions``) and ``notify`` (wake-ups across replicas).
"""

from trunkline.events.normalise import Normalised, normalise
from trunkline.events.schemes import Verified, handshake, select, verify

__all__ = ["Normalised", "Verified", "handshake", "normalise", "select", "verify"]
