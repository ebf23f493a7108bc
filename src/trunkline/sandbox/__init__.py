"""Offline emulators of the providers, one package per app slug.

Each package exposes ``SANDBOX``, a :class:`SandboxSpec`. Built-ins are listed once, here.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

from starlette.types import ASGIApp

from trunkline.sandbox.kit import SandboxConfig

BUILTIN_SANDBOXES: tuple[str, ...] = ("quo", "twilio", "callrail", "ringcentral")


@dataclass(frozen=True)
class SandboxSpec:
    """What trunkline needs from a sandbox.

    ``create_app`` builds the ASGI app (it serves the provider's native paths at its root and its
    control surface under ``/_sandbox``). ``credentials`` are the seeded workspace's credentials,
    keyed by the catalogue's credential field names, used for the default sandbox connection.
    ``oauth_client`` (OAuth2 apps only) is the sandbox's registered app, ``client_id`` and
    ``client_secret``: trunkline uses it for the connect page's sign-in when the app is mounted.
    """

    app: str
    create_app: Callable[[SandboxConfig], ASGIApp]
    credentials: dict[str, str]
    oauth_client: dict[str, str] | None = None


def load_sandbox(app: str) -> SandboxSpec:
    module = importlib.import_module(f"trunkline.sandbox.{app}")
    spec: SandboxSpec = module.SANDBOX
    return spec


def available_sandboxes() -> list[str]:
    found = []
    for app in BUILTIN_SANDBOXES:
        try:
            load_sandbox(app)
        except (ImportError, AttributeError):
            continue
        found.append(app)
    return found
