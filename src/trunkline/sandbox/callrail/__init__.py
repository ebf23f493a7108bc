"""Offline CallRail API v3 sandbox (see docs/sandboxes/callrail.md)."""

from trunkline.sandbox import SandboxSpec
from trunkline.sandbox.callrail.app import create_app
from trunkline.sandbox.callrail.seed import seed_keys

SANDBOX = SandboxSpec(
    app="callrail", create_app=create_app, credentials={"api_key": seed_keys()[0]}
)

__all__ = ["SANDBOX", "create_app"]
