"""The sandbox's world: state tables, the clock, and the formats RingCentral answers in."""

from __future__ import annotations

import secrets
import time
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request

from trunkline.sandbox.kit import IdMaker, SandboxConfig, SandboxRuntime
from trunkline.sandbox.ringcentral.seed import SANDBOX_ACCOUNT_ID, build_seed

Doc = dict[str, Any]
TOKEN_PREFIX = "U0pDMTFQMDFQQVMwMXx"
TOKEN_LOG_LIMIT = 1000


class RingCentralWorld:
    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self.runtime = SandboxRuntime("ringcentral", config, build_seed)
        self.ids = IdMaker()
        self.running = False

    @property
    def state(self) -> Any:
        return self.runtime.state

    def table(self, name: str) -> dict[str, Doc]:
        return self.runtime.state.table(name)

    def index(self, name: str) -> dict[str, str]:
        """A token → session id map (``accessTokens``, ``refreshTokens``)."""
        found: dict[str, str] = self.runtime.state.data.setdefault(name, {})
        return found

    def save(self) -> None:
        self.runtime.state.save()

    async def ensure_running(self) -> None:
        """Start the clock once (the lifespan does it; requests too, for hosts that skip it)."""
        if not self.running:
            self.running = True
            await self.runtime.clock.start()

    # --- lookups ---------------------------------------------------------------------------

    @property
    def account(self) -> Doc:
        return self.table("accounts")[SANDBOX_ACCOUNT_ID]

    def extension(self, ext_id: str) -> Doc | None:
        return self.table("extensions").get(ext_id)

    def extensions(self) -> list[Doc]:
        return sorted(self.table("extensions").values(), key=lambda e: e["extensionNumber"])

    def new_token(self) -> str:
        return TOKEN_PREFIX + secrets.token_urlsafe(30)

    def log_token_request(self, grant_type: str, client_id: str, outcome: str) -> None:
        log: list[Doc] = self.state.meta.setdefault("tokenRequests", [])
        log.append(
            {
                "at": iso(time.time()),
                "grantType": grant_type,
                "clientId": client_id,
                "outcome": outcome,
            }
        )
        del log[:-TOKEN_LOG_LIMIT]


def served_at(request: Request) -> str:
    """Where the sandbox is served, including the path it is mounted at; no trailing slash."""
    root = request.scope.get("root_path", "")
    return str(request.url.replace(path=root, query="", fragment="")).rstrip("/")


def world_of(request: Request) -> RingCentralWorld:
    world: RingCentralWorld = request.app.state.world
    return world


def iso(epoch: float) -> str:
    """RingCentral's timestamps: UTC with milliseconds and ``Z``."""
    moment = datetime.fromtimestamp(epoch, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_iso(text: str) -> float | None:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()
