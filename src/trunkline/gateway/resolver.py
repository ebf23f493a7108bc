"""Who is calling and with which credential: the lookups every proxied request needs, cached.

Positive answers are kept for ``ttl`` seconds (changes made by another process show up within
that time); changes made through this process invalidate at once. Errors are never cached.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from trunkline import accounts, connections
from trunkline.catalogue import Catalogue, Provider
from trunkline.errors import CredentialsExpired, Unauthorized
from trunkline.gateway.credentials import upstream_headers
from trunkline.vault import Vault, VaultError


@dataclass(frozen=True)
class Resolved:
    """A connection ready to use: its id and the upstream auth headers, pre-encoded."""

    connection_id: str
    headers: list[tuple[bytes, bytes]]
    credentials: dict[str, str]


class Resolver:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        catalogue: Catalogue,
        vault: Vault,
        ttl: float,
        newest_default: bool = False,
    ) -> None:
        self.sessions = sessions
        self.catalogue = catalogue
        self.vault = vault
        self.ttl = ttl
        self.newest_default = newest_default
        self._keys: dict[str, tuple[float, str]] = {}
        self._conns: dict[tuple[str, str, str], tuple[float, Resolved]] = {}

    async def account(self, authorization: str | None) -> str:
        if not authorization or not authorization[:7].lower() == "bearer ":
            raise Unauthorized("send your trunkline API key as 'Authorization: Bearer <key>'")
        key = authorization[7:].strip()
        hit = self._keys.get(key)
        if hit is not None and hit[0] > time.monotonic():
            return hit[1]
        async with self.sessions() as db:
            account_id = await accounts.account_for_key(db, key)
        if account_id is None:
            self._keys.pop(key, None)
            raise Unauthorized("invalid or revoked API key")
        self._store(self._keys, key, account_id)
        return account_id

    async def connection(self, account_id: str, provider: Provider, wanted: str) -> Resolved:
        cache_key = (account_id, provider.slug, wanted)
        hit = self._conns.get(cache_key)
        if hit is not None and hit[0] > time.monotonic():
            return hit[1]
        async with self.sessions() as db:
            conn = await connections.select_for_gateway(
                db, account_id, provider.slug, wanted or None, self.newest_default
            )
            conn_id, sealed = conn.id, conn.credential
        if sealed is None:
            raise CredentialsExpired(f"connection {conn_id} has no stored credential")
        try:
            credentials = self.vault.decrypt(sealed, conn_id)
        except VaultError as exc:
            raise CredentialsExpired(
                f"the stored credential of connection {conn_id} cannot be opened: {exc.message}"
            ) from exc
        headers = [
            (name.lower().encode("latin-1"), value.encode("latin-1"))
            for name, value in upstream_headers(provider, credentials).items()
        ]
        resolved = Resolved(conn_id, headers, credentials)
        self._store(self._conns, cache_key, resolved)
        return resolved

    def forget_account(self, account_id: str) -> None:
        for key in [k for k in self._conns if k[0] == account_id]:
            del self._conns[key]

    def forget_keys(self) -> None:
        self._keys.clear()

    def _store(self, cache: dict[Any, tuple[float, Any]], key: Any, value: Any) -> None:
        if self.ttl <= 0:
            return
        if len(cache) > 10_000:
            cache.clear()
        cache[key] = (time.monotonic() + self.ttl, value)
