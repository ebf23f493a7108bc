"""Offline emulator of Twilio's REST API 2010-04-01 (see docs/sandboxes/twilio.md)."""

from __future__ import annotations

from trunkline.sandbox import SandboxSpec
from trunkline.sandbox.twilio.app import create_app
from trunkline.sandbox.twilio.seed import identity

_SEEDED = identity()

SANDBOX = SandboxSpec(
    app="twilio",
    create_app=create_app,
    credentials={"account_sid": _SEEDED.account_sid, "auth_token": _SEEDED.auth_token},
)

__all__ = ["SANDBOX", "create_app"]
