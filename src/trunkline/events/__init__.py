"""Inbound provider webhooks: verify a delivery with the provider's own scheme (``schemes``) and
map its payload to the shared event shape (``normalise``). Pure functions, no I/O."""

from trunkline.events.normalise import Normalised, normalise
from trunkline.events.schemes import Verified, handshake, select, verify

__all__ = ["Normalised", "Verified", "handshake", "normalise", "select", "verify"]
