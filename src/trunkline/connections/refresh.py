"""OAuth2 token refresh that cannot race, and holds no database connection while it waits.

A refresh token is single-use at providers that rotate them (RingCentral does), so two
refreshes of one connection at once destroy it: the loser presents a token the provider has
already spent. Three layers keep it to one refresh per expiry:

1. **In process**: one refresh task per connection; concurrent callers await that task.
2. **Across processes**: a lease on the connection row (``refresh_holder`` and
   ``refresh_lease_until``), taken by a conditional UPDATE in one short transaction. Others
   look again every ``POLL`` seconds until the lease is gone or ``lock_timeout`` passes (504
   ``refresh_lock_timeout``). A crashed holder's lease runs out after ``LEASE_TTL``.
3. **Re-read with the lease**: if the stored access token is no longer the one the caller saw,
   someone else refreshed; their token is used, the lease is dropped at once and no request goes
   to the provider.

The token endpoint is called with no database connection held (a slow provider cannot drain
the pool); a second short transaction, guarded by the lease, writes the new access token and
the rotated refresh token together and frees the lease. A refresh refused with
``invalid_grant`` marks the connection FAILED (``credentials_expired``): the gateway then
answers 424 and says how to reconnect.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from typing import Any

from sqlalchemy import or_, update

from trunkline.auth import oauth2
from trunkline.auth.oauth2 import OAuthTarget, TokenRefused
from trunkline.catalogue import OAuth2Auth, Provider
from trunkline.connections.service import DEAD_CREDENTIALS, ConnectionService, ensure_usable
from trunkline.enums import Mode, Status
from trunkline.errors import NotFound, UpstreamTimeout, UpstreamUnavailable
from trunkline.store import Connection
from trunkline.timeutil import now

log = logging.getLogger("trunkline.oauth")
# A lease outlives any token call (oauth2.TOKEN_TIMEOUT is 20 s), so a live holder never loses
# it; a holder that crashed blocks refreshes of that connection for at most this long.
LEASE_TTL = 60.0
POLL = 0.1  # seconds between looks at another process's lease


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
        *,
        lock_timeout: float = 15.0,
        lease_ttl: float = LEASE_TTL,
    ) -> None:
        self.service = service
        self.sessions = service.sessions
        self.vault = service.vault
        self.lock_timeout = lock_timeout
        self.lease_ttl = lease_ttl
        self._flights: dict[str, asyncio.Task[dict[str, str]]] = {}
        self.outcomes: dict[str, int] = {}  # refreshes by outcome, for metrics

    async def refresh(self, connection_id: str, provider: Provider, seen: str) -> dict[str, str]:
        """Fresh credentials for a connection whose access token ``seen`` is due or was refused.

        Concurrent callers share one refresh; the result may be a token someone else got.
        """
        flight = self._flights.get(connection_id)
        if flight is None:
            flight = asyncio.create_task(self._refresh_leased(connection_id, provider, seen))
            self._flights[connection_id] = flight
            flight.add_done_callback(lambda done: self._landed(connection_id, done))
        return await asyncio.shield(flight)

    def _landed(self, connection_id: str, flight: asyncio.Task[dict[str, str]]) -> None:
        if self._flights.get(connection_id) is flight:
            del self._flights[connection_id]
        if not flight.cancelled():
            flight.exception()  # retrieved here too: every waiter may have gone away

    async def _refresh_leased(
        self, connection_id: str, provider: Provider, seen: str
    ) -> dict[str, str]:
        deadline = time.monotonic() + self.lock_timeout
        while (claim := await self._claim(connection_id, provider, seen)) is None:
            if time.monotonic() >= deadline:
                raise self._lock_timeout(connection_id)
            await asyncio.sleep(POLL)
        conn, current, holder = claim
        if holder is None:
            self._log(conn, "reused")
            return current
        try:
            fresh = await self._token_call(conn, provider, current)
        except TokenRefused as exc:
            return await self._refused(conn, provider, holder, exc)
        except BaseException:
            with contextlib.suppress(Exception):  # else the lease runs out by itself
                await asyncio.shield(self._settle(conn.id, holder))  # free it for the next try
            raise
        sealed = self.vault.encrypt(fresh, conn.id)
        if not await self._settle(conn.id, holder, credential=sealed, updated_at=now()):
            # Only if this process stalled past the lease: the token still serves this request.
            log.warning("oauth refresh lease lost", extra={"fields": {"connection": conn.id}})
        self._log(conn, "refreshed")
        return fresh

    async def _claim(
        self, connection_id: str, provider: Provider, seen: str
    ) -> tuple[Connection, dict[str, str], str | None] | None:
        """One short transaction: take the lease if it is free, then read the row.

        None: another holder's lease runs. Else the row, its credentials and the lease's holder
        id, or no holder when no refresh is needed any more (someone else did it).
        """
        holder = secrets.token_hex(16)
        stamp = time.time()
        async with self.sessions() as db, db.begin():
            taken = await db.execute(
                update(Connection)
                .where(
                    Connection.id == connection_id,
                    or_(
                        Connection.refresh_lease_until.is_(None),
                        Connection.refresh_lease_until < stamp,
                    ),
                )
                .values(refresh_holder=holder, refresh_lease_until=stamp + self.lease_ttl)
                .execution_options(synchronize_session=False)
            )
            conn = await db.get(Connection, connection_id, populate_existing=True)
            if conn is None:
                raise NotFound(f"connection {connection_id} not found", code="connection_not_found")
            if not _rowcount(taken):
                return None
            ensure_usable(conn)
            current = self.vault.decrypt(conn.credential or "", conn.id)
            if current.get("access_token") != seen and not due(provider, expires_at(current)):
                conn.refresh_holder = conn.refresh_lease_until = None
                return conn, current, None
            return conn, current, holder

    async def _token_call(
        self, conn: Connection, provider: Provider, current: dict[str, str]
    ) -> dict[str, str]:
        """The refresh grant at the provider; no database connection is held meanwhile."""
        if not current.get("refresh_token"):  # nothing to refresh with: dead
            raise TokenRefused("invalid_grant", "no refresh token was issued", 400)
        mode = Mode(conn.mode or "live")
        target = OAuthTarget(self.service.upstream, self.service.oauth, provider, mode)
        return await oauth2.refresh(target, current)

    async def _settle(self, connection_id: str, holder: str, **values: Any) -> bool:
        """The second short transaction: write ``values`` and free the lease, if still ours."""
        async with self.sessions() as db, db.begin():
            done = await db.execute(
                update(Connection)
                .where(Connection.id == connection_id, Connection.refresh_holder == holder)
                .values(refresh_holder=None, refresh_lease_until=None, **values)
                .execution_options(synchronize_session=False)
            )
        return _rowcount(done) > 0

    async def _refused(
        self, conn: Connection, provider: Provider, holder: str, refused: TokenRefused
    ) -> dict[str, str]:
        dead = refused.error == "invalid_grant"
        if dead:
            conn.status, conn.error = Status.FAILED.value, DEAD_CREDENTIALS
            await self._settle(
                conn.id, holder, status=conn.status, error=conn.error, updated_at=now()
            )
        else:
            await self._settle(conn.id, holder)
        self._log(conn, f"refused: {refused.error}")
        self.service.changed(conn.account_id)
        if dead:
            ensure_usable(conn)  # raises the 424 with the reconnect hint
        raise UpstreamUnavailable(
            f"{provider.name} refused to refresh the access token: {refused}",
            code="oauth_refresh_refused",
        )

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


def _rowcount(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)
