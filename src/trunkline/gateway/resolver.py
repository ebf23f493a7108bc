"""Who is calling and with which credential: the lookups every proxied request needs, cached.

Positive answers are kept for ``ttl`` seconds (changes made by another process show up within
that time); changes made through this process invalidate at once. Errors are never cached.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from trunkline import accounts, connections
from trunkline.catalogue import Catalogue, Provider
from trunkline.errors import CredentialsExpired, Unauthorized
from trunkline.gateway.credentials import upstream_headers
from trunkline.gateway.oauth import TokenRefresher, due, expires_at
from trunkline.vault import Vault, VaultError


@dataclass(frozen=True)
class Resolved:
    """A connection ready to use: its id and the upstream auth headers, pre-encoded."""

    connection_id: str
    headers: list[tuple[bytes, bytes]]
    credentials: dict[str, str]
    # OAuth2 only: when the access token expires (epoch seconds); None for key and basic auth.
    expires_at: float | None = None


class _Entry:
    __slots__ = ("expires", "refreshing", "value")

    def __init__(self, value: Any, expires: float) -> None:
        self.value = value
        self.expires = expires
        self.refreshing = False


class Resolver:
    """Cached lookups with single flight: concurrent misses share one query, and an expired
    entry is served once more while one background query refreshes it (no stampede)."""

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
        self.oauth: TokenRefresher | None = None  # set by the app when OAuth2 apps exist
        self._cache: dict[Any, _Entry] = {}
        self._inflight: dict[Any, asyncio.Future[Any]] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    async def account(self, authorization: str | None) -> str:
        if not authorization or authorization[:7].lower() != "bearer ":
            raise Unauthorized("send your trunkline API key as 'Authorization: Bearer <key>'")
        key = authorization[7:].strip()
        account: str = await self._cached(("key", key), lambda: self._load_account(key))
        return account

    async def connection(self, account_id: str, provider: Provider, wanted: str) -> Resolved:
        resolved: Resolved = await self._cached(
            ("conn", account_id, provider.slug, wanted),
            lambda: self._load_connection(account_id, provider, wanted),
        )
        if resolved.expires_at is not None and due(provider, resolved.expires_at):
            resolved = await self.refreshed(account_id, provider, wanted, resolved)
        return resolved

    async def refreshed(
        self, account_id: str, provider: Provider, wanted: str, stale: Resolved
    ) -> Resolved:
        """OAuth2: the connection with a fresh access token (due to expire, or refused)."""
        if self.oauth is None:
            raise CredentialsExpired(f"connection {stale.connection_id} cannot be refreshed")
        try:
            credentials = await self.oauth.refresh(
                stale.connection_id, provider, stale.credentials.get("access_token", "")
            )
        except CredentialsExpired:
            self.forget_account(account_id)
            raise
        resolved = self._resolved(stale.connection_id, provider, credentials)
        self._store(("conn", account_id, provider.slug, wanted), resolved)
        return resolved

    def forget_account(self, account_id: str) -> None:
        for key in [k for k in self._cache if k[0] == "conn" and k[1] == account_id]:
            del self._cache[key]

    async def _cached(self, key: Any, load: Callable[[], Awaitable[Any]]) -> Any:
        entry = self._cache.get(key)
        if entry is not None:
            now = time.monotonic()
            if entry.expires > now:
                return entry.value
            if entry.expires + self.ttl > now:
                if not entry.refreshing:
                    entry.refreshing = True
                    task = asyncio.create_task(self._refresh(key, load))
                    self._tasks.add(task)
                    task.add_done_callback(self._tasks.discard)
                return entry.value
        pending = self._inflight.get(key)
        if pending is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._inflight[key] = future
        try:
            value = await load()
        except BaseException as exc:
            self._cache.pop(key, None)
            future.set_exception(exc)
            future.exception()  # mark retrieved: waiters may be none
            raise
        else:
            self._store(key, value)
            future.set_result(value)
            return value
        finally:
            del self._inflight[key]

    async def _refresh(self, key: Any, load: Callable[[], Awaitable[Any]]) -> None:
        try:
            self._store(key, await load())
        except Exception:
            self._cache.pop(key, None)  # revoked, deleted or broken: the next call sees why

    def _store(self, key: Any, value: Any) -> None:
        if self.ttl <= 0:
            return
        if len(self._cache) > 50_000:
            self._cache.clear()
        self._cache[key] = _Entry(value, time.monotonic() + self.ttl)

    async def _load_account(self, key: str) -> str:
        async with self.sessions() as db:
            account_id = await accounts.account_for_key(db, key)
        if account_id is None:
            raise Unauthorized("invalid or revoked API key")
        return account_id

    async def _load_connection(self, account_id: str, provider: Provider, wanted: str) -> Resolved:
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
        return self._resolved(conn_id, provider, credentials)

    @staticmethod
    def _resolved(conn_id: str, provider: Provider, credentials: dict[str, str]) -> Resolved:
        headers = [
            (name.lower().encode("latin-1"), value.encode("latin-1"))
            for name, value in upstream_headers(provider, credentials).items()
        ]
        expiry = None
        if provider.method == "OAUTH2":  # unknown expiry: never early, still refreshed on a 401
            expiry = expires_at(credentials)
            expiry = math.inf if expiry is None else expiry
        return Resolved(conn_id, headers, credentials, expiry)
