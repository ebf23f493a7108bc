"""Give tokens back: when a connection is deleted or its credential replaced, revoke the old
grant upstream where the provider has a revocation endpoint (OAuth2 apps). Best effort: the
local change stands either way, and a failure is logged (ids only, never a token)."""

from __future__ import annotations

import logging

import aiohttp

from trunkline.catalogue import Provider
from trunkline.connect import oauth2
from trunkline.connect.oauth2 import OAuthApps
from trunkline.errors import TrunklineError
from trunkline.store import Connection
from trunkline.vault import Vault, VaultError

log = logging.getLogger("trunkline.oauth")


async def revoke_quietly(
    http: aiohttp.ClientSession,
    apps: OAuthApps,
    provider: Provider | None,
    credentials: dict[str, str] | None,
    connection_id: str,
    why: str,
) -> bool:
    """Revoke ``credentials`` upstream; True when the provider confirmed it."""
    if provider is None or not credentials or provider.method != "OAUTH2":
        return False
    fields = {"connection": connection_id, "app": provider.slug, "why": why}
    try:
        revoked = await oauth2.revoke(http, apps, provider, credentials)
    except (oauth2.TokenRefused, TrunklineError) as exc:
        reason = exc.message if isinstance(exc, TrunklineError) else str(exc)
        log.warning("upstream revocation failed", extra={"fields": {**fields, "reason": reason}})
        return False
    if revoked:
        log.info("upstream tokens revoked", extra={"fields": fields})
    return revoked


async def revoke_deleted(
    http: aiohttp.ClientSession,
    apps: OAuthApps,
    vault: Vault,
    provider: Provider | None,
    conn: Connection,
) -> bool:
    """After ``DELETE /connections/{id}``: the row is gone, the grant should be too."""
    if conn.credential is None:
        return False
    try:
        credentials = vault.decrypt(conn.credential, conn.id)
    except VaultError:
        return False
    return await revoke_quietly(http, apps, provider, credentials, conn.id, "deleted")
