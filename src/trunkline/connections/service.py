"""Connections: one stored credential for one account of one app, in one mode.

``ConnectionService`` is the only writer of connection rows. The control API, the connect page,
the CLI and the gateway all go through it, so the rules (ownership, mode, verification before
ACTIVE, nothing stored on rejection) live in one place. It never holds a database connection
while it talks to a provider: checks run first, then one short transaction writes.

Whoever caches what it reads subscribes with :meth:`ConnectionService.on_change`; every write
calls the listeners with the account it touched.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from trunkline.accounts import Caller
from trunkline.auth import oauth2
from trunkline.auth.oauth2 import OAuthApps, OAuthTarget
from trunkline.auth.verify import verify
from trunkline.catalogue import Catalogue, Provider
from trunkline.enums import Method, Mode, Status
from trunkline.errors import (
    ConnectionNotActive,
    CredentialsExpired,
    Forbidden,
    InvalidRequest,
    NoActiveConnection,
    NotFound,
    TrunklineError,
)
from trunkline.store import Account, Connection
from trunkline.timeutil import aware, now, rfc3339
from trunkline.transport import Upstream
from trunkline.vault import Vault, VaultError

log = logging.getLogger("trunkline.connections")
DEAD_CREDENTIALS = "credentials_expired"
Listener = Callable[[str], None]
Hook = Callable[[Connection, dict[str, str]], Awaitable[None]]


def session_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogateescape")).hexdigest()


@dataclass(frozen=True)
class Usable:
    """What the gateway needs of the connection a request uses."""

    connection_id: str
    mode: Mode
    credentials: dict[str, str]


class ConnectionService:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        catalogue: Catalogue,
        vault: Vault,
        upstream: Upstream,
        oauth: OAuthApps,
        *,
        base_url: str,
        session_ttl: int,
        newest_default: bool = False,
    ) -> None:
        self.sessions = sessions
        self.catalogue = catalogue
        self.vault = vault
        self.upstream = upstream
        self.oauth = oauth
        self.base_url = base_url
        self.session_ttl = session_ttl
        self.newest_default = newest_default
        self._listeners: list[Listener] = []
        self.publishers: list[Listener] = []
        # Called with a connection and its opened credential: after it became ACTIVE (with
        # ``fresh`` sandbox connections too), and before it is deleted. Errors are logged.
        self.activated: list[Hook] = []
        self.deleting: list[Hook] = []
        # Mounted sandboxes: app -> (seeded credentials, identity found by checking them).
        self._sandboxes: dict[str, tuple[dict[str, str], dict[str, Any]]] = {}
        self._equipped: set[str] = set()  # accounts known to have their sandbox connections

    # -- change notification -------------------------------------------------------------

    def on_change(self, listener: Listener) -> None:
        """Call ``listener(account_id)`` after every write to that account's connections."""
        self._listeners.append(listener)

    def changed(self, account_id: str, *, here: bool = True) -> None:
        """Tell the listeners; a change made here is also announced to other replicas
        (``publishers``), one heard from elsewhere is not announced again."""
        for listener in self._listeners:
            listener(account_id)
        if here:
            for publish in self.publishers:
                publish(account_id)

    # -- reading ---------------------------------------------------------------------------

    def provider(self, app: str) -> Provider:
        provider = self.catalogue.get(app)
        if provider is None:
            raise NotFound(f"unknown app {app!r}", code="app_not_found")
        return provider

    def wire(self, conn: Connection) -> dict[str, Any]:
        """The Maton connection object (plus ``mode``); never a secret."""
        url = None
        if conn.session_sealed:
            try:
                token = self.vault.decrypt(conn.session_sealed, conn.id)["token"]
                url = f"{self.base_url}/connect?session_token={token}"
            except (VaultError, KeyError, TypeError):
                url = None  # a row sealed with a lost key: listable, just without a link
        return {
            "connection_id": conn.id,
            "status": conn.status,
            "creation_time": rfc3339(conn.created_at),
            "last_updated_time": rfc3339(conn.updated_at),
            "url": url,
            "app": conn.app,
            "method": conn.method,
            "mode": conn.mode,
            "metadata": dict(conn.meta) if isinstance(conn.meta, dict) else {},
        }

    async def listing(
        self,
        caller: Caller,
        *,
        app: str | None = None,
        status: Status | None = None,
        method: Method | None = None,
        limit: int | None = None,
    ) -> list[Connection]:
        if caller.mode is Mode.TEST:
            await self.ensure_sandbox_connections(caller.account_id)
        query = select(Connection).where(
            Connection.account_id == caller.account_id, Connection.mode == caller.mode.value
        )
        if app:
            query = query.where(Connection.app == app)
        if status:
            query = query.where(Connection.status == status.value)
        if method:
            query = query.where(Connection.method == method.value)
        query = query.order_by(Connection.created_at, Connection.id)
        if limit is not None:
            query = query.limit(limit)
        async with self.sessions() as db:
            return list((await db.execute(query)).scalars())

    async def get(self, caller: Caller, connection_id: str) -> Connection:
        async with self.sessions() as db:
            return await self._owned(db, caller, connection_id)

    async def for_gateway(self, caller: Caller, app: str, wanted: str | None) -> Usable:
        """The connection a proxied request uses: the named one, else the oldest ACTIVE one of
        the caller's mode; with its credential opened."""
        provider = self.provider(app)
        if caller.mode is Mode.TEST:
            await self.ensure_sandbox_connections(caller.account_id)
        async with self.sessions() as db:
            if wanted:
                conn = await self._owned(db, caller, wanted)
                if conn.app != app:
                    raise NotFound(
                        f"connection {_shown(wanted)} belongs to app {conn.app!r}, not {app!r}",
                        code="connection_not_found",
                    )
                ensure_usable(conn)
            else:
                conn = await self._default(db, caller, provider)
            conn_id, sealed = conn.id, conn.credential
        if sealed is None:
            raise CredentialsExpired(f"connection {conn_id} has no stored credential")
        try:
            credentials = self.vault.decrypt(sealed, conn_id)
        except VaultError as exc:
            raise CredentialsExpired(
                f"the stored credential of connection {conn_id} cannot be opened: {exc.message}"
            ) from exc
        return Usable(conn_id, caller.mode, credentials)

    async def _default(self, db: AsyncSession, caller: Caller, provider: Provider) -> Connection:
        app = provider.slug
        query = select(Connection).where(
            Connection.account_id == caller.account_id,
            Connection.app == app,
            Connection.mode == caller.mode.value,
            Connection.status == Status.ACTIVE.value,
        )
        order = (
            (Connection.created_at.desc(), Connection.id)
            if self.newest_default
            else (Connection.created_at, Connection.id)
        )
        found = (await db.execute(query.order_by(*order).limit(1))).scalar_one_or_none()
        if found is not None:
            return found
        if caller.mode is Mode.TEST:
            self.catalogue.upstream(app, Mode.TEST)  # 409 when the sandbox is not mounted
        raise NoActiveConnection(
            f"no ACTIVE {caller.mode.value}-mode {app} connection for this key; create one with "
            f'POST /connections {{"app": "{app}"}}'
            + (
                " (test-mode keys, tk_test_…, use the sandboxes)"
                if caller.mode is Mode.LIVE
                else ""
            )
        )

    async def _owned(self, db: AsyncSession, caller: Caller, connection_id: str) -> Connection:
        conn = await db.get(Connection, connection_id.lower()) if _is_uuid(connection_id) else None
        if conn is None or conn.account_id != caller.account_id:
            raise NotFound(
                f"connection {_shown(connection_id)} not found", code="connection_not_found"
            )
        if conn.mode != caller.mode.value:
            raise Forbidden(
                f"connection {conn.id} is a {conn.mode}-mode connection; {caller.mode.value} keys "
                f"(tk_{caller.mode.value}_…) use only {caller.mode.value}-mode connections",
                code="mode_mismatch",
            )
        return conn

    # -- writing ---------------------------------------------------------------------------

    async def create(
        self,
        caller: Caller,
        app: str,
        method: Method | None = None,
        credentials: Any = None,
        metadata: dict[str, Any] | None = None,
    ) -> Connection:
        provider = self.provider(app)
        if method is not None and method.value != provider.method:
            raise InvalidRequest(
                f"{app} connections use method {provider.method}, not {method.value}",
                code="unsupported_method",
            )
        self.catalogue.upstream(app, caller.mode)  # test mode without sandboxes: 409
        verified = None
        if credentials is not None:
            clean = check_fields(provider, credentials)
            verified = clean, await self.verify(provider, caller.mode, clean)
        stamp = now()
        conn = Connection(
            id=str(uuid.uuid4()),
            account_id=caller.account_id,
            app=app,
            mode=caller.mode.value,
            method=provider.method,
            status=Status.PENDING.value,
            meta=dict(metadata or {}),
            created_at=stamp,
            updated_at=stamp,
        )
        self._new_link(conn)
        if verified is not None:
            self._activate(conn, *verified)
        async with self.sessions() as db, db.begin():
            db.add(conn)
        self.changed(caller.account_id)
        if conn.status == Status.ACTIVE.value:
            await self._run_hooks(self.activated, conn)
        return conn

    async def verify(
        self, provider: Provider, mode: Mode, credentials: dict[str, str]
    ) -> dict[str, Any]:
        """Live check against the mode's upstream; the identity found, or 400 with the
        provider's reason."""
        base = self.catalogue.upstream(provider.slug, mode)
        verdict = await verify(self.upstream, provider, base, credentials)
        if not verdict.ok:
            raise InvalidRequest(
                f"{provider.name} rejected the credential: {verdict.reason}",
                code="credential_rejected",
            )
        return verdict.identity

    async def reconnect(
        self, caller: Caller, connection_id: str, credentials: Any = None
    ) -> Connection:
        """A fresh connect link for the same connection id; the stored credential keeps working.

        With ``credentials`` (key and basic-auth apps), verify and replace at once instead; an
        OAuth2 grant that is replaced is revoked at the provider.
        """
        current = await self.get(caller, connection_id)
        verified = None
        if credentials is not None:
            provider = self.provider(current.app)
            clean = check_fields(provider, credentials)
            verified = clean, await self.verify(provider, caller.mode, clean)
        replaced = None
        async with self.sessions() as db, db.begin():
            conn = await self._owned(db, caller, connection_id)
            self._new_link(conn)
            conn.updated_at = now()
            if verified is not None:
                replaced = self._replace(conn, *verified)
        self.changed(caller.account_id)
        await self.revoke_upstream(conn, replaced, "reconnected")
        return conn

    async def _run_hooks(self, hooks: list[Hook], conn: Connection) -> None:
        if not hooks or not conn.credential:
            return
        try:
            credentials = self.vault.decrypt(conn.credential, conn.id)
        except VaultError:
            return
        for hook in hooks:
            try:
                await hook(conn, credentials)
            except Exception as exc:
                log.warning(
                    "connection hook failed",
                    extra={"fields": {"connection": conn.id, "why": type(exc).__name__}},
                )

    async def delete(self, caller: Caller, connection_id: str) -> None:
        await self._run_hooks(self.deleting, await self.get(caller, connection_id))
        async with self.sessions() as db, db.begin():
            conn = await self._owned(db, caller, connection_id)
            await db.delete(conn)
        self.changed(caller.account_id)
        if conn.credential is not None:
            try:
                credentials = self.vault.decrypt(conn.credential, conn.id)
            except VaultError:
                return
            await self.revoke_upstream(conn, credentials, "deleted")

    async def revoke_upstream(
        self, conn: Connection, credentials: dict[str, str] | None, why: str
    ) -> bool:
        """Give an OAuth2 grant back where the provider has a revocation endpoint. Best effort:
        the local change stands either way, and a failure is logged (ids only)."""
        provider = self.catalogue.get(conn.app)
        if provider is None or not credentials or provider.method != Method.OAUTH2.value:
            return False
        fields = {"connection": conn.id, "app": provider.slug, "why": why}
        target = OAuthTarget(self.upstream, self.oauth, provider, Mode(conn.mode or "live"))
        try:
            revoked = await oauth2.revoke(target, credentials)
        except (oauth2.TokenRefused, TrunklineError) as exc:
            reason = exc.message if isinstance(exc, TrunklineError) else str(exc)
            log.warning("upstream revocation failed", extra={"fields": {**fields, "why": reason}})
            return False
        if revoked:
            log.info("upstream tokens revoked", extra={"fields": fields})
        return revoked

    # -- webhook ingress -------------------------------------------------------------------

    def ingress_url(self, conn: Connection, token: str) -> str:
        return f"{self.base_url}/webhooks/{conn.app}/{token}"

    async def ingress(self, caller: Caller, connection_id: str, *, rotate: bool = False) -> str:
        """The connection's webhook ingress URL (made on first use). Its token is not the
        connection id and is unguessable; ``rotate`` replaces it (the old URL stops at once)."""
        async with self.sessions() as db, db.begin():
            conn = await self._owned(db, caller, connection_id)
            token = None if rotate else self._ingress_token(conn)
            if token is None:
                token = secrets.token_urlsafe(32)
                conn.ingress_hash = session_hash(token)
                conn.ingress_sealed = self.vault.encrypt({"token": token}, conn.id)
            return self.ingress_url(conn, token)

    def _ingress_token(self, conn: Connection) -> str | None:
        if not conn.ingress_sealed:
            return None
        try:
            token: str = self.vault.decrypt(conn.ingress_sealed, conn.id)["token"]
        except (VaultError, KeyError):
            return None
        return token

    async def by_ingress(self, app: str, token: str) -> tuple[Connection, dict[str, str]] | None:
        """The connection an ingress URL belongs to, with its credential opened."""
        if not token or len(token) > 100:
            return None
        async with self.sessions() as db:
            query = select(Connection).where(
                Connection.ingress_hash == session_hash(token), Connection.app == app
            )
            conn = (await db.execute(query)).scalar_one_or_none()
        if conn is None:
            return None
        credentials: dict[str, str] = {}
        if conn.credential:
            try:
                credentials = self.vault.decrypt(conn.credential, conn.id)
            except VaultError:
                credentials = {}
        return conn, credentials

    # -- row helpers (the only places that set these columns) ------------------------------

    def _new_link(self, conn: Connection) -> str:
        token = secrets.token_urlsafe(32)
        conn.session_hash = session_hash(token)
        conn.session_sealed = self.vault.encrypt({"token": token}, conn.id)
        conn.session_expires_at = now() + timedelta(seconds=self.session_ttl)
        conn.session_used_at = None
        conn.oauth_state_hash = conn.oauth_flow = None
        return token

    def _activate(
        self, conn: Connection, credentials: dict[str, str], identity: dict[str, Any]
    ) -> None:
        conn.credential = self.vault.encrypt(credentials, conn.id)
        conn.meta = {**(conn.meta or {}), **identity}
        conn.status = Status.ACTIVE.value
        conn.error = None
        conn.updated_at = now()
        spend_link(conn)

    def _replace(
        self, conn: Connection, credentials: dict[str, str], identity: dict[str, Any]
    ) -> dict[str, str] | None:
        """Activate with a newly verified credential; returns the one it replaced, if any."""
        previous = None
        if conn.credential:
            try:
                previous = self.vault.decrypt(conn.credential, conn.id)
            except VaultError:
                previous = None
        self._activate(conn, credentials, identity)
        return previous

    # -- sandboxes and start-up ------------------------------------------------------------

    async def adopt_sandboxes(self, sandbox_credentials: dict[str, dict[str, str]]) -> None:
        """Remember the mounted sandboxes' seeded credentials, check each one live (in-process)
        to learn its identity like a real connection's, and give every account its test-mode
        sandbox connections."""
        for app, credentials in sandbox_credentials.items():
            provider = self.catalogue.get(app)
            if provider is None:
                continue
            identity: dict[str, Any] = {}
            if provider.method != Method.OAUTH2.value:
                try:
                    identity = await self.verify(provider, Mode.TEST, credentials)
                except TrunklineError as exc:
                    log.warning(
                        "sandbox credential check failed",
                        extra={"fields": {"app": app, "why": exc.message}},
                    )
            self._sandboxes[app] = (credentials, identity)
        await self.ensure_sandbox_connections()

    async def ensure_sandbox_connections(self, account_id: str | None = None) -> int:
        """One ACTIVE test-mode connection per mounted sandbox for each account (or one), made
        once and never duplicated. Returns how many it made."""
        if not self._sandboxes or (account_id is not None and account_id in self._equipped):
            return 0
        made = 0
        async with self.sessions() as db, db.begin():
            query = select(Account.id)
            if account_id is not None:
                query = query.where(Account.id == account_id)
            owners = list((await db.execute(query)).scalars())
            for owner in owners:
                existing = await db.execute(
                    select(Connection.app, Connection.meta).where(
                        Connection.account_id == owner, Connection.mode == Mode.TEST.value
                    )
                )
                have = {app for app, meta in existing.all() if (meta or {}).get("sandbox")}
                for app, (credentials, identity) in self._sandboxes.items():
                    if app not in have:
                        db.add(self._sandbox_connection(owner, app, credentials, identity))
                        made += 1
        for owner in owners:
            self._equipped.add(owner)
            self.changed(owner)
        if made:
            async with self.sessions() as db:
                rows = await db.execute(
                    select(Connection).where(
                        Connection.account_id.in_(owners), Connection.mode == Mode.TEST.value
                    )
                )
                fresh = [c for c in rows.scalars() if (c.meta or {}).get("sandbox")]
            for conn in fresh:
                await self._run_hooks(self.activated, conn)
        return made

    def _sandbox_connection(
        self, account_id: str, app: str, credentials: dict[str, str], identity: dict[str, Any]
    ) -> Connection:
        provider = self.provider(app)
        stamp = now()
        conn_id = str(uuid.uuid4())
        meta: dict[str, Any] = {"sandbox": True, "name": f"{provider.name} sandbox", **identity}
        return Connection(
            id=conn_id,
            account_id=account_id,
            app=app,
            mode=Mode.TEST.value,
            method=provider.method,
            status=Status.ACTIVE.value,
            credential=self.vault.encrypt(credentials, conn_id),
            meta=meta,
            created_at=stamp,
            updated_at=stamp,
        )

    async def settle_legacy_modes(self, sandbox_credentials: dict[str, dict[str, str]]) -> int:
        """Rows from before modes: test mode when they hold a sandbox's seeded credential (they
        always talked to that sandbox), else live. Returns how many it settled."""
        settled = 0
        async with self.sessions() as db, db.begin():
            rows = (await db.execute(select(Connection).where(Connection.mode.is_(None)))).scalars()
            for conn in rows:
                mode = Mode.LIVE
                seeded = sandbox_credentials.get(conn.app)
                if seeded and conn.credential:
                    try:
                        if self.vault.decrypt(conn.credential, conn.id) == seeded:
                            mode = Mode.TEST
                    except VaultError:
                        pass
                conn.mode = mode.value
                settled += 1
        return settled


def spend_link(conn: Connection) -> None:
    """The link has done its job: it now shows "already connected" instead of a form."""
    conn.session_used_at = now()
    conn.oauth_flow = None


def check_fields(provider: Provider, credentials: Any) -> dict[str, str]:
    """Validate a credentials object against the catalogue; returns only the declared fields."""
    if provider.method == Method.OAUTH2.value:
        raise InvalidRequest(
            f"{provider.name} connections sign in through the connection's url, not credentials",
            code="unsupported_method",
        )
    if not isinstance(credentials, dict):
        raise InvalidRequest("credentials must be an object")
    declared = {f.name: f for f in provider.credentials}
    unknown = sorted(set(credentials) - set(declared))
    if unknown:
        raise InvalidRequest(f"unknown credential fields for {provider.slug}: {unknown}")
    clean: dict[str, str] = {}
    for name, spec in declared.items():
        value = credentials.get(name)
        if not isinstance(value, str):
            raise InvalidRequest(f"credential field {name!r} must be a string")
        problem = spec.check(value.strip())
        if problem:
            raise InvalidRequest(problem, field=name)
        clean[name] = value.strip()
    return clean


def ensure_usable(conn: Connection) -> None:
    if conn.status == Status.ACTIVE.value:
        return
    if conn.status == Status.FAILED.value and conn.error == DEAD_CREDENTIALS:
        raise CredentialsExpired(
            f"the credential of connection {conn.id} is no longer valid; reconnect it with "
            f"POST /connections/{conn.id}/reconnect and open the returned url"
        )
    raise ConnectionNotActive(f"connection {conn.id} is {conn.status}, not ACTIVE")


def link_expired(conn: Connection) -> bool:
    return conn.session_expires_at is None or aware(conn.session_expires_at) <= now()


def _shown(connection_id: str) -> str:
    return connection_id if len(connection_id) <= 64 else connection_id[:64] + "…"


def _is_uuid(value: str) -> bool:
    try:
        return str(uuid.UUID(value)) == value.lower()
    except ValueError:
        return False
