"""Connections: one stored credential for one account of one app.

The control API, the connect page, the CLI and the gateway all go through these functions, so
the rules (ownership, verification before ACTIVE, nothing stored on rejection) live in one place.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import aiohttp
from sqlalchemy import select

from trunkline.catalogue import Catalogue, Provider
from trunkline.errors import (
    ConnectionNotActive,
    CredentialsExpired,
    InvalidRequest,
    NoActiveConnection,
    NotFound,
)
from trunkline.gateway.upstream import verify
from trunkline.store import AsyncSession, Connection
from trunkline.timeutil import aware, now, rfc3339
from trunkline.vault import Vault

STATUSES = ("PENDING", "ACTIVE", "FAILED")
METHODS = ("API_KEY", "BASIC", "OAUTH2", "JWT", "OAUTH1", "MCP")
DEAD_CREDENTIALS = "credentials_expired"


@dataclass
class Context:
    """What connection operations need besides a database session."""

    catalogue: Catalogue
    vault: Vault
    http: aiohttp.ClientSession
    base_url: str
    session_ttl: int


def session_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogateescape")).hexdigest()


def provider_for(catalogue: Catalogue, app: str) -> Provider:
    provider = catalogue.get(app)
    if provider is None:
        raise NotFound(f"unknown app {app!r}", code="app_not_found")
    return provider


def wire(conn: Connection, ctx: Context) -> dict[str, Any]:
    url = None
    if conn.session_sealed:
        token = ctx.vault.decrypt(conn.session_sealed, conn.id)["token"]
        url = f"{ctx.base_url}/connect?session_token={token}"
    return {
        "connection_id": conn.id,
        "status": conn.status,
        "creation_time": rfc3339(conn.created_at),
        "last_updated_time": rfc3339(conn.updated_at),
        "url": url,
        "app": conn.app,
        "method": conn.method,
        "metadata": dict(conn.meta or {}),
    }


def check_fields(provider: Provider, credentials: Any) -> dict[str, str]:
    """Validate a credentials object against the catalogue; returns only the declared fields."""
    if provider.method == "OAUTH2":
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


async def verify_credentials(
    ctx: Context, provider: Provider, credentials: dict[str, str]
) -> dict[str, Any]:
    """Live check; returns the identity found, or raises 400 with the provider's reason."""
    verdict = await verify(ctx.http, provider, ctx.catalogue.upstream(provider.slug), credentials)
    if not verdict.ok:
        raise InvalidRequest(
            f"{provider.name} rejected the credential: {verdict.reason}",
            code="credential_rejected",
        )
    return verdict.identity


def _new_session(conn: Connection, ctx: Context) -> str:
    token = secrets.token_urlsafe(32)
    conn.session_hash = session_hash(token)
    conn.session_sealed = ctx.vault.encrypt({"token": token}, conn.id)
    conn.session_expires_at = now() + timedelta(seconds=ctx.session_ttl)
    conn.session_used_at = None
    conn.oauth_state_hash = conn.oauth_flow = None
    return token


def spend_session(conn: Connection) -> None:
    """The link has done its job: it now shows "already connected" instead of a form."""
    conn.session_used_at = now()
    conn.oauth_flow = None


async def create(
    db: AsyncSession,
    ctx: Context,
    account_id: str,
    app: str,
    method: str | None = None,
    credentials: Any = None,
    metadata: dict[str, Any] | None = None,
) -> Connection:
    provider = provider_for(ctx.catalogue, app)
    if method is not None and method != provider.method:
        raise InvalidRequest(
            f"{app} connections use method {provider.method}, not {method}",
            code="unsupported_method",
        )
    stamp = now()
    conn = Connection(
        id=str(uuid.uuid4()),
        account_id=account_id,
        app=app,
        method=provider.method,
        status="PENDING",
        meta=dict(metadata or {}),
        created_at=stamp,
        updated_at=stamp,
    )
    if credentials is not None:
        clean = check_fields(provider, credentials)
        identity = await verify_credentials(ctx, provider, clean)
        activate(conn, ctx, clean, identity)
    _new_session(conn, ctx)
    if conn.status == "ACTIVE":
        spend_session(conn)
    db.add(conn)
    await db.flush()
    return conn


def activate(
    conn: Connection, ctx: Context, credentials: dict[str, str], identity: dict[str, Any]
) -> None:
    conn.credential = ctx.vault.encrypt(credentials, conn.id)
    conn.meta = {**(conn.meta or {}), **identity}
    conn.status = "ACTIVE"
    conn.error = None
    conn.updated_at = now()


async def reconnect(
    db: AsyncSession, ctx: Context, account_id: str, connection_id: str, credentials: Any = None
) -> tuple[Connection, dict[str, str] | None]:
    """A fresh connect link for the same connection id; the stored credential keeps working.

    With ``credentials`` (key and basic-auth apps), verify and replace at once instead. Returns
    the connection and the credential it replaced (for upstream revocation), if any.
    """
    conn = await get(db, account_id, connection_id)
    _new_session(conn, ctx)
    conn.updated_at = now()
    if credentials is None:
        return conn, None
    provider = provider_for(ctx.catalogue, conn.app)
    clean = check_fields(provider, credentials)
    identity = await verify_credentials(ctx, provider, clean)
    return conn, replace_credential(conn, ctx, clean, identity)


def replace_credential(
    conn: Connection, ctx: Context, credentials: dict[str, str], identity: dict[str, Any]
) -> dict[str, str] | None:
    """Activate with a newly verified credential; returns the one it replaced, if any."""
    previous = ctx.vault.decrypt(conn.credential, conn.id) if conn.credential else None
    activate(conn, ctx, credentials, identity)
    spend_session(conn)
    return previous


async def by_session(db: AsyncSession, token: str) -> Connection | None:
    """The connection a connect link belongs to (found by the token's hash), if any."""
    query = select(Connection).where(Connection.session_hash == session_hash(token))
    return (await db.execute(query)).scalar_one_or_none()


async def get(db: AsyncSession, account_id: str, connection_id: str) -> Connection:
    conn = await db.get(Connection, connection_id.lower()) if _is_uuid(connection_id) else None
    if conn is None or conn.account_id != account_id:
        shown = connection_id if len(connection_id) <= 64 else connection_id[:64] + "…"
        raise NotFound(f"connection {shown} not found", code="connection_not_found")
    return conn


async def listing(
    db: AsyncSession,
    account_id: str,
    *,
    app: str | None = None,
    status: str | None = None,
    method: str | None = None,
    limit: int | None = None,
) -> list[Connection]:
    query = select(Connection).where(Connection.account_id == account_id)
    if app:
        query = query.where(Connection.app == app)
    if status:
        query = query.where(Connection.status == status)
    if method:
        query = query.where(Connection.method == method)
    query = query.order_by(Connection.created_at, Connection.id)
    if limit is not None:
        query = query.limit(limit)
    return list((await db.execute(query)).scalars())


async def delete(db: AsyncSession, account_id: str, connection_id: str) -> Connection:
    conn = await get(db, account_id, connection_id)
    await db.delete(conn)
    return conn


async def select_for_gateway(
    db: AsyncSession, account_id: str, app: str, connection_id: str | None, newest: bool = False
) -> Connection:
    """The connection a proxied request uses: the named one, else the oldest ACTIVE one."""
    if connection_id:
        conn = await get(db, account_id, connection_id)
        if conn.app != app:
            raise NotFound(
                f"connection {connection_id} belongs to app {conn.app!r}, not {app!r}",
                code="connection_not_found",
            )
        ensure_usable(conn)
        return conn
    query = select(Connection).where(
        Connection.account_id == account_id, Connection.app == app, Connection.status == "ACTIVE"
    )
    order = (
        (Connection.created_at.desc(), Connection.id)
        if newest
        else (Connection.created_at, Connection.id)
    )
    found = (await db.execute(query.order_by(*order).limit(1))).scalar_one_or_none()
    if found is None:
        raise NoActiveConnection(
            f'no ACTIVE {app} connection; create one with POST /connections {{"app": "{app}"}}'
        )
    return found


def ensure_usable(conn: Connection) -> None:
    if conn.status == "ACTIVE":
        return
    if conn.status == "FAILED" and conn.error == DEAD_CREDENTIALS:
        raise CredentialsExpired(
            f"the credential of connection {conn.id} is no longer valid; reconnect it with "
            f"POST /connections/{conn.id}/reconnect and open the returned url"
        )
    raise ConnectionNotActive(f"connection {conn.id} is {conn.status}, not ACTIVE")


def session_expired(conn: Connection) -> bool:
    return conn.session_expires_at is None or aware(conn.session_expires_at) <= now()


def _is_uuid(value: str) -> bool:
    try:
        return str(uuid.UUID(value)) == value.lower()
    except ValueError:
        return False
