"""Offline Quo (formerly OpenPhone) public API v1: every documented operation, stateful.

See ``docs/sandboxes/quo.md``. ``SANDBOX.credentials["api_key"]`` is the seeded workspace's key.
"""

from trunkline.sandbox import SandboxSpec
from trunkline.sandbox.quo.app import create_app
from trunkline.sandbox.quo.seed import build_seed


def _seeded_key() -> str:
    workspaces = build_seed()["workspaces"]
    first = next(iter(workspaces.values()))
    return str(first["apiKey"])


SANDBOX = SandboxSpec(app="quo", create_app=create_app, credentials={"api_key": _seeded_key()})

__all__ = ["SANDBOX", "create_app"]
