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

from trunkline import accounts
from trunkline.accounts import Caller
from trunkline.auth.strategies import upstream_headers
from trunkline.catalogue import Catalogue, Provider, RouteTable
from trunkline.connections import ConnectionService
from trunkline.connections.refresh import TokenRefresher, due, expires_at
from trunkline.enums import Status
from trunkline.errors import CredentialsExpired, NotFound
from trunkline.throttle import throttle_key

# Which connection a request wants: an id (``Maton-Connection``), "" for the default one, or
# ``(metadata field, value)`` named by the credential slot (a Twilio Basic username).
Wanted = str | tuple[str, str]


@dataclass(frozen=True)
class Resolved:
    """A connection ready to use: its id, where its paths go and the upstream auth headers,
    pre-encoded."""

    connection_id: str
    upstream: RouteTable
    headers: list[tuple[bytes, bytes]]
    credentials: dict[str, str]
    # Whose budget the provider's rate limits count against (the catalogue's limit scope).
    throttle_key: str
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
        connections: ConnectionService,
        ttl: float,
        refresher: TokenRefresher | None = None,
    ) -> None:
        self.connections = connections
        self.sessions = connections.sessions
        self.catalogue: Catalogue = connections.catalogue
        self.ttl = ttl
        self.oauth = refresher
        self._cache: dict[Any, _Entry] = {}
        self._inflight: dict[Any, asyncio.Future[Any]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        connections.on_change(self.forget_account)

    async def caller(self, authorization: str | None) -> Caller:
        return await self.caller_by_key(accounts.bearer_key(authorization))

    async def caller_by_key(self, key: str) -> Caller:
        caller: Caller = await self._cached(("key", key), lambda: self._load_caller(key))
        return caller

    async def connection(self, caller: Caller, provider: Provider, wanted: Wanted) -> Resolved:
        resolved: Resolved = await self._cached(
            ("conn", caller.account_id, caller.mode, provider.slug, wanted),
            lambda: self._load_connection(caller, provider, wanted),
        )
        if resolved.expires_at is not None and due(provider, resolved.expires_at):
            resolved = await self.refreshed(caller, provider, wanted, resolved)
        return resolved

    async def refreshed(
        self, caller: Caller, provider: Provider, wanted: Wanted, stale: Resolved
    ) -> Resolved:
        """OAuth2: the connection with a fresh access token (due to expire, or refused)."""
        if self.oauth is None:
            raise CredentialsExpired(f"connection {stale.connection_id} cannot be refreshed")
        try:
            credentials = await self.oauth.refresh(
                stale.connection_id, provider, stale.credentials.get("access_token", "")
            )
        except CredentialsExpired:
            self.forget_account(caller.account_id)
            raise
        resolved = self._resolved(stale.connection_id, stale.upstream, provider, credentials)
        self._store(("conn", caller.account_id, caller.mode, provider.slug, wanted), resolved)
        return resolved

    def forget_keys(self, _: str = "") -> None:
        """A key was revoked somewhere: look every key up again."""
        for key in [k for k in self._cache if k[0] == "key"]:
            del self._cache[key]

    def forget_account(self, account_id: str) -> None:
        """The connections service's change hook: drop what is cached for that account."""
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

    async def _load_caller(self, key: str) -> Caller:
        async with self.sessions() as db:
            return await accounts.authenticate(db, key)

    async def _load_connection(
        self, caller: Caller, provider: Provider, wanted: Wanted
    ) -> Resolved:
        if isinstance(wanted, tuple):
            wanted = await self._named(caller, provider, *wanted)
        usable = await self.connections.for_gateway(caller, provider.slug, wanted or None)
        upstream = self.catalogue.route_table(provider.slug, caller.mode)
        return self._resolved(usable.connection_id, upstream, provider, usable.credentials)

    async def _named(self, caller: Caller, provider: Provider, field: str, value: str) -> str:
        """The id of the caller's ACTIVE connection whose ``metadata[field]`` is ``value``
        (the default order decides between several)."""
        rows = await self.connections.listing(caller, app=provider.slug, status=Status.ACTIVE)
        found = [c.id for c in rows if isinstance(c.meta, dict) and c.meta.get(field) == value]
        if not found:
            shown = value if len(value) <= 64 else value[:64] + "…"
            raise NotFound(
                f"no ACTIVE {caller.mode.value}-mode {provider.slug} connection has {field} "
                f"{shown!r}; connect that account, or name a connection with Maton-Connection",
                code="connection_not_found",
            )
        return found[-1] if self.connections.newest_default else found[0]

    @staticmethod
    def _resolved(
        conn_id: str, upstream: RouteTable, provider: Provider, credentials: dict[str, str]
    ) -> Resolved:
        headers = [
            (name.lower().encode("latin-1"), value.encode("latin-1"))
            for name, value in upstream_headers(provider, credentials).items()
        ]
        expiry = None
        if provider.method == "OAUTH2":  # unknown expiry: never early, still refreshed on a 401
            expiry = expires_at(credentials)
            expiry = math.inf if expiry is None else expiry
        return Resolved(
            conn_id,
            upstream,
            headers,
            credentials,
            throttle_key(conn_id, provider, credentials),
            expiry,
        )
