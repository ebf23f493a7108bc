"""Everything a running server holds, built once and passed to the route factories."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from trunkline import accounts
from trunkline.accounts import Caller
from trunkline.catalogue import Catalogue
from trunkline.connections import ConnectionService
from trunkline.events.inbox import EventService
from trunkline.events.ingest import Ingest
from trunkline.events.subscriptions import SubscriptionService
from trunkline.forwarding.service import ForwardingService
from trunkline.settings import Settings
from trunkline.transport import Upstream
from trunkline.vault import Vault


@dataclass
class Services:
    settings: Settings
    catalogue: Catalogue
    vault: Vault
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    upstream: Upstream
    connections: ConnectionService
    events: EventService
    subscriptions: SubscriptionService
    ingest: Ingest
    forwarding: ForwardingService

    async def caller(self, authorization: str | None) -> Caller:
        """The caller behind ``Authorization: Bearer <key>``, checked against the store."""
        key = accounts.bearer_key(authorization)
        async with self.sessions() as db:
            return await accounts.authenticate(db, key)

    def is_sandbox(self, app: str, upstream: str) -> bool:
        return self.catalogue.sandboxes.get(app) == upstream
