"""Operator tasks that work on the store directly (no server needed): keys and key rotation."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from trunkline import accounts
from trunkline.bootstrap import prepare
from trunkline.errors import ConfigError
from trunkline.settings import Settings
from trunkline.store import Connection, make_engine, migrate, sessions
from trunkline.vault import (
    KEY_FILE,
    Vault,
    key_line,
    new_key_line,
    read_key_file,
    write_key_file,
)


async def create_key(settings: Settings, name: str = "") -> accounts.IssuedKey:
    start = await prepare(settings)
    engine = make_engine(settings.store_url)
    try:
        async with sessions(engine)() as db, db.begin():
            return await accounts.issue_key(db, start.account_id, name)
    finally:
        await engine.dispose()


async def list_keys(settings: Settings) -> list[dict[str, str | None]]:
    engine = make_engine(settings.store_url)
    try:
        await migrate(engine)
        async with sessions(engine)() as db:
            return await accounts.list_keys(db)
    finally:
        await engine.dispose()


async def revoke_key(settings: Settings, id_or_prefix: str) -> str:
    engine = make_engine(settings.store_url)
    try:
        await migrate(engine)
        async with sessions(engine)() as db, db.begin():
            row = await accounts.revoke_key(db, id_or_prefix)
            return row.prefix
    finally:
        await engine.dispose()


@dataclass(frozen=True)
class Rotation:
    new_kid: str
    reencrypted: int
    key_ids: list[str]


async def rotate(settings: Settings) -> Rotation:
    """Make the newest key the one that encrypts, then re-encrypt every row under it.

    With a key file, a new key is generated and put first (older keys stay, so rows not yet
    re-encrypted and other replicas keep working). With ``TRUNKLINE_MASTER_KEYS``, the operator
    puts the new key first in every replica's environment, then runs this.
    """
    data_dir = settings.resolved_data_dir
    env_keys = settings.master_keys.get_secret_value() if settings.master_keys else None
    if env_keys is None:
        path = data_dir / KEY_FILE
        if not path.exists():
            raise ConfigError(f"no master key file at {path}: nothing to rotate")
        old = [key_line(kid, key) for kid, key in read_key_file(path)]
        write_key_file(path, [new_key_line(), *old])
    vault = Vault.from_env_or_file(env_keys, data_dir, create=False)
    engine = make_engine(settings.store_url)
    count = 0
    try:
        await migrate(engine)
        maker = sessions(engine)
        async with maker() as db:
            ids = list((await db.execute(select(Connection.id))).scalars())
        for conn_id in ids:  # one short transaction per row: no long lock, no downtime
            async with maker() as db, db.begin():
                conn = await db.get(Connection, conn_id, with_for_update=True)
                if conn is None:
                    continue
                count += _reseal(vault, conn)
    finally:
        await engine.dispose()
    return Rotation(vault.primary_kid, count, vault.key_ids)


def _reseal(vault: Vault, conn: Connection) -> int:
    changed = 0
    if conn.credential and vault.needs_rotation(conn.credential):
        conn.credential = vault.encrypt(vault.decrypt(conn.credential, conn.id), conn.id)
        changed = 1
    if conn.session_sealed and vault.needs_rotation(conn.session_sealed):
        conn.session_sealed = vault.encrypt(vault.decrypt(conn.session_sealed, conn.id), conn.id)
    return changed
