"""Which columns of a connection row hold vault ciphertext. Rotation walks this list, so a new
sealed column cannot be forgotten by ``trunkline vault rotate``."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from trunkline.store import Connection
from trunkline.vault import Vault

# (column, what it holds)
SEALED_COLUMNS: tuple[tuple[str, str], ...] = (
    ("credential", "the provider credential"),
    ("session_sealed", "the connect link's token"),
    ("oauth_flow", "an OAuth2 sign-in under way: state, PKCE verifier, browser binding"),
    ("ingress_sealed", "the webhook ingress URL's secret token"),
)


def reseal(vault: Vault, conn: Connection) -> list[str]:
    """Re-encrypt every sealed column not under the primary key; returns the columns changed."""
    changed = []
    for column, _ in SEALED_COLUMNS:
        token = getattr(conn, column)
        if token and vault.needs_rotation(token):
            setattr(conn, column, vault.encrypt(vault.decrypt(token, conn.id), conn.id))
            changed.append(column)
    return changed


async def reseal_all(sessions: async_sessionmaker[AsyncSession], vault: Vault) -> int:
    """Rotation: re-encrypt every row, one short transaction per row (no long lock, servers keep
    running). Returns how many credentials were re-encrypted."""
    async with sessions() as db:
        ids = list((await db.execute(select(Connection.id))).scalars())
    count = 0
    for conn_id in ids:
        async with sessions() as db, db.begin():
            conn = await db.get(Connection, conn_id, with_for_update=True)
            if conn is not None:
                count += "credential" in reseal(vault, conn)
    return count
