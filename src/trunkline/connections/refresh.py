"""OAuth2 token refresh that cannot race.

A refresh token is single-use at providers that rotate them (RingCentral does), so two
refreshes of one connection at once destroy it: the loser presents a token the provider has
already spent. Three layers keep it to one refresh per expiry:

1. **In process**: one refresh task per connection; concurrent callers await that task.
2. **Across processes**: the refresh runs under a lock: a Redis lock when ``TRUNKLINE_REDIS_URL``
   is set (while Redis is unreachable, the database lock below), else ``pg_advisory_xact_lock``
   on PostgreSQL, else (SQLite) the database write lock,
   taken first thing in the transaction by touching the row.
3. **Re-read under the lock**: if the stored access token is no longer the one the caller saw,
   someone else refreshed; their token is used and no request goes to the provider.

The rotated refresh token is saved in the same transaction as the new access token. A refresh
refused with ``invalid_grant`` marks the connection FAILED (``credentials_expired``): the
gateway then answers 424 and says how to reconnect.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import time
from typing import Any

from redis.exceptions import RedisError
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from trunkline.auth import oauth2
from trunkline.auth.oauth2 import OAuthTarget, TokenRefused
from trunkline.catalogue import OAuth2Auth, Provider
from trunkline.connections.service import DEAD_CREDENTIALS, ConnectionService, ensure_usable
from trunkline.enums import Mode, Status
from trunkline.errors import NotFound, UpstreamTimeout, UpstreamUnavailable
from trunkline.store import Connection
from trunkline.timeutil import now

log = logging.getLogger("trunkline.oauth")
LOCK_TTL = 60.0  # a Redis lock outlives any refresh (the token request times out at 20 s)


def expires_at(credentials: dict[str, str]) -> float | None:
    """When the stored access token expires (epoch seconds); None if the provider did not say."""
    raw = credentials.get("expires_at", "")
    try:
        return float(raw) if raw != "" else None
    except ValueError:
        return 0.0


def due(provider: Provider, expiry: float | None) -> bool:
    """Refresh now? ``refresh_margin_seconds`` before expiry, so no request meets a dead token."""
    if expiry is None or not isinstance(provider.auth, OAuth2Auth):
        return False
    return expiry - provider.auth.refresh_margin_seconds <= time.time()


class TokenRefresher:
    def __init__(
        self,
        service: ConnectionService,
        dialect: str,
        *,
        redis: Any = None,
        lock_timeout: float = 15.0,
    ) -> None:
        self.service = service
        self.sessions = service.sessions
        self.dialect = dialect
        self.vault = service.vault
        self.redis = redis  # a redis.asyncio.Redis when TRUNKLINE_REDIS_URL is set
        self.lock_timeout = lock_timeout
        self._flights: dict[str, asyncio.Task[dict[str, str]]] = {}
        self.outcomes: dict[str, int] = {}  # refreshes by outcome, for metrics

    async def refresh(self, connection_id: str, provider: Provider, seen: str) -> dict[str, str]:
        """Fresh credentials for a connection whose access token ``seen`` is due or was refused.

        Concurrent callers share one refresh; the result may be a token someone else got.
        """
        flight = self._flights.get(connection_id)
        if flight is None:
            flight = asyncio.create_task(self._refresh_locked(connection_id, provider, seen))
            self._flights[connection_id] = flight
            flight.add_done_callback(lambda done: self._landed(connection_id, done))
        return await asyncio.shield(flight)

    def _landed(self, connection_id: str, flight: asyncio.Task[dict[str, str]]) -> None:
        if self._flights.get(connection_id) is flight:
            del self._flights[connection_id]
        if not flight.cancelled():
            flight.exception()  # retrieved here too: every waiter may have gone away

    async def _refresh_locked(
        self, connection_id: str, provider: Provider, seen: str
    ) -> dict[str, str]:
        if self.redis is not None:
            try:
                lock = await self._redis_lock(connection_id)
            except RedisError:  # Redis is down: the database's own lock serialises instead
                lock = None
            if lock is not None:
                try:
                    return await self._refresh_in_transaction(connection_id, provider, seen, False)
                finally:
                    with contextlib.suppress(Exception):  # expired meanwhile: nothing to release
                        await lock.release()
        return await self._refresh_in_transaction(connection_id, provider, seen, True)

    async def _refresh_in_transaction(
        self, connection_id: str, provider: Provider, seen: str, db_lock: bool
    ) -> dict[str, str]:
        refused: TokenRefused
        async with self.sessions() as db:
            async with db.begin():
                if db_lock:
                    await self._database_lock(db, connection_id)
                conn = await db.get(Connection, connection_id, populate_existing=True)
                if conn is None:
                    raise NotFound(
                        f"connection {connection_id} not found", code="connection_not_found"
                    )
                ensure_usable(conn)
                current = self.vault.decrypt(conn.credential or "", conn.id)
                if current.get("access_token") != seen and not due(provider, expires_at(current)):
                    self._log(conn, "reused")
                    return current
                try:
                    if not current.get("refresh_token"):  # nothing to refresh with: dead
                        raise TokenRefused("invalid_grant", "no refresh token was issued", 400)
                    mode = Mode(conn.mode or "live")
                    target = OAuthTarget(self.service.upstream, self.service.oauth, provider, mode)
                    fresh = await oauth2.refresh(target, current)
                except TokenRefused as exc:
                    refused = exc
                    if exc.error == "invalid_grant":
                        conn.status = Status.FAILED.value
                        conn.error = DEAD_CREDENTIALS
                        conn.updated_at = now()
                else:
                    conn.credential = self.vault.encrypt(fresh, conn.id)
                    conn.updated_at = now()
                    self._log(conn, "refreshed")
                    return fresh
            self._log(conn, f"refused: {refused.error}")
        self.service.changed(conn.account_id)
        if refused.error == "invalid_grant":
            ensure_usable(conn)  # raises the 424 with the reconnect hint
        raise UpstreamUnavailable(
            f"{provider.name} refused to refresh the access token: {refused}",
            code="oauth_refresh_refused",
        )

    async def _database_lock(self, db: AsyncSession, connection_id: str) -> None:
        if self.dialect == "postgresql":
            key = int.from_bytes(
                hashlib.sha256(connection_id.encode()).digest()[:8], "big", signed=True
            )
            await db.execute(text(f"SET LOCAL lock_timeout = '{int(self.lock_timeout * 1000)}ms'"))
            try:
                await db.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
            except DBAPIError as exc:
                if "lock timeout" in str(exc.orig):
                    raise self._lock_timeout(connection_id) from None
                raise
        else:
            # SQLite: the first write takes the database's write lock until commit, so another
            # process touching the same file waits here (the engine's busy timeout).
            await db.execute(
                text("UPDATE connections SET updated_at = updated_at WHERE id = :id"),
                {"id": connection_id},
            )

    async def _redis_lock(self, connection_id: str) -> Any:
        lock = self.redis.lock(
            f"trunkline:oauth-refresh:{connection_id}",
            timeout=LOCK_TTL,
            blocking_timeout=self.lock_timeout,
        )
        if not await lock.acquire():
            raise self._lock_timeout(connection_id)
        return lock

    def _lock_timeout(self, connection_id: str) -> UpstreamTimeout:
        return UpstreamTimeout(
            f"waited {self.lock_timeout:g} s for another replica to finish refreshing the token "
            f"of connection {connection_id}; retry",
            code="refresh_lock_timeout",
        )

    def _log(self, conn: Connection, outcome: str) -> None:
        kind = outcome.split(":", 1)[0]  # refreshed, reused or refused (a bounded label)
        self.outcomes[kind] = self.outcomes.get(kind, 0) + 1
        log.info(
            "oauth refresh",
            extra={"fields": {"connection": conn.id, "app": conn.app, "outcome": outcome}},
        )
