"""Operator tasks that work on the store directly (no server needed): accounts, keys and
master-key rotation."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from trunkline import accounts
from trunkline.bootstrap import default_mode, prepare
from trunkline.connections.sealed import reseal_all
from trunkline.enums import Mode
from trunkline.errors import ConfigError
from trunkline.events.subscriptions import reseal_subscriptions
from trunkline.forwarding.service import reseal_destinations
from trunkline.invalidation import Invalidation
from trunkline.settings import Settings
from trunkline.store import make_engine, migrate, sessions
from trunkline.vault import KEY_FILE, Vault, key_line, new_key_line, read_key_file, write_key_file


@asynccontextmanager
async def _store(settings: Settings, write: bool = False) -> AsyncIterator[AsyncSession]:
    engine = make_engine(settings.store_url)
    try:
        await migrate(engine)
        async with sessions(engine)() as db:
            if write:
                async with db.begin():
                    yield db
            else:
                yield db
    finally:
        await engine.dispose()


async def migrate_store(settings: Settings) -> None:
    """``trunkline migrate``: the schema brought up to date (files owner-only, the master key
    checked as at a start); no account or key is made."""
    await prepare(settings, first_account=False)


@dataclass(frozen=True)
class AccountRow:
    id: str
    name: str
    created_at: str


async def create_account(settings: Settings, name: str) -> AccountRow:
    await prepare(settings, first_account=False)
    async with _store(settings, write=True) as db:
        row = await accounts.create_account(db, name)
        return AccountRow(row.id, row.name, row.created_at.isoformat())


async def list_accounts(settings: Settings) -> list[AccountRow]:
    async with _store(settings) as db:
        return [
            AccountRow(a.id, a.name, a.created_at.isoformat())
            for a in await accounts.list_accounts(db)
        ]


async def rename_account(settings: Settings, name_or_id: str, new_name: str) -> AccountRow:
    async with _store(settings, write=True) as db:
        row = await accounts.rename_account(db, name_or_id, new_name)
        return AccountRow(row.id, row.name, row.created_at.isoformat())


async def create_key(
    settings: Settings, name: str = "", account: str | None = None, mode: Mode | None = None
) -> accounts.IssuedKey:
    start = await prepare(settings, first_account=account is None)
    async with _store(settings, write=True) as db:
        owner = (await accounts.account(db, account)).id if account else start.account_id
        return await accounts.issue_key(db, owner, mode or default_mode(settings), name)


async def list_keys(settings: Settings, account: str | None = None) -> list[dict[str, str | None]]:
    async with _store(settings) as db:
        owner = (await accounts.account(db, account)).id if account else None
        return await accounts.list_keys(db, owner)


async def revoke_key(settings: Settings, id_or_prefix: str) -> str:
    async with _store(settings, write=True) as db:
        row = await accounts.revoke_key(db, id_or_prefix)
        prefix = row.prefix
    if settings.redis_url is not None:  # running replicas forget the key now, not after the TTL
        from redis.asyncio import Redis

        redis = Redis.from_url(settings.redis_url.get_secret_value())
        try:
            await Invalidation(redis).publish("keys", prefix)
        finally:
            await redis.aclose()
    return prefix


@dataclass(frozen=True)
class Rotation:
    new_kid: str
    reencrypted: int  # connection credentials (their other sealed columns are resealed too)
    key_ids: list[str]
    signing_secrets: int = 0  # event destinations' and provider subscriptions' secrets


async def rotate(settings: Settings) -> Rotation:
    """Make the newest key the one that encrypts, then re-encrypt every sealed column of every
    row under it (``SEALED_COLUMNS``: credentials, connect links, sign-ins under way; and the
    signing secrets of event destinations and provider subscriptions), each by its owner.

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
    try:
        await migrate(engine)
        maker = sessions(engine)
        count = await reseal_all(maker, vault)
        secrets = await reseal_destinations(maker, vault) + await reseal_subscriptions(maker, vault)
    finally:
        await engine.dispose()
    return Rotation(vault.primary_kid, count, vault.key_ids, secrets)
