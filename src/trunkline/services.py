"""Everything a running server holds, built once at startup and passed down."""

from __future__ import annotations

from dataclasses import dataclass, field

import aiohttp
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from trunkline.catalogue import Catalogue
from trunkline.connections import Context
from trunkline.gateway.resolver import Resolver
from trunkline.gateway.throttle import Throttle
from trunkline.settings import Settings
from trunkline.vault import Vault


@dataclass
class Services:
    settings: Settings
    catalogue: Catalogue
    vault: Vault
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    http: aiohttp.ClientSession
    resolver: Resolver
    throttle: Throttle
    ctx: Context = field(init=False)

    def __post_init__(self) -> None:
        # What connection operations need, built once rather than on every request.
        self.ctx = Context(
            catalogue=self.catalogue,
            vault=self.vault,
            http=self.http,
            base_url=self.settings.base_url,
            session_ttl=self.settings.connect_session_ttl,
        )
