"""First start of the embedded default: data dir, master key, schema, an account and its key.

Also keeps one ACTIVE sandbox connection per mounted sandbox, so a newcomer's first request works.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from trunkline import accounts
from trunkline.catalogue import Catalogue
from trunkline.errors import ConfigError
from trunkline.settings import Settings
from trunkline.store import AsyncSession, Connection, make_engine, migrate, sessions
from trunkline.timeutil import now
from trunkline.vault import KEY_FILE, Vault


@dataclass(frozen=True)
class FirstStart:
    account_id: str
    api_key: str | None  # only on the very first start


async def prepare(settings: Settings) -> FirstStart:
    """Idempotent: creates what is missing, returns the new API key if it made one.

    Refuses to start (ConfigError) when credentials are stored but their master key is gone:
    generating a fresh key then would silently orphan every stored credential.
    """
    if settings.database_url is None:
        settings.resolved_data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.store_url)
    try:
        await migrate(engine)
        async with sessions(engine)() as db:
            sealed = await db.scalar(
                select(func.count())
                .select_from(Connection)
                .where(Connection.credential.is_not(None))
            )
        env_keys = settings.master_keys.get_secret_value() if settings.master_keys else None
        key_file = settings.resolved_data_dir / KEY_FILE
        if env_keys is None and sealed and not key_file.exists():
            raise ConfigError(
                f"master key file {key_file} is missing but {sealed} stored credentials need "
                "it; restore the file or set TRUNKLINE_MASTER_KEYS"
            )
        Vault.from_env_or_file(env_keys, settings.resolved_data_dir, create=True)
        async with sessions(engine)() as db, db.begin():
            account = await accounts.first_account(db)
            if account is not None:
                return FirstStart(account.id, None)
            account = await accounts.create_account(db, "default")
            issued = await accounts.issue_key(db, account.id, "first key")
            return FirstStart(account.id, issued.plaintext)
    finally:
        await engine.dispose()


async def ensure_sandbox_connections(
    db: AsyncSession,
    vault: Vault,
    catalogue: Catalogue,
    sandbox_credentials: dict[str, dict[str, str]],
) -> None:
    """One ACTIVE connection per sandbox for the first account (made once, never duplicated)."""
    account = await accounts.first_account(db)
    if account is None:
        return
    existing = await db.execute(select(Connection).where(Connection.account_id == account.id))
    have = {c.app for c in existing.scalars() if (c.meta or {}).get("sandbox")}
    for app, credentials in sandbox_credentials.items():
        provider = catalogue.get(app)
        if app in have or provider is None:
            continue
        stamp = now()
        conn_id = str(uuid.uuid4())
        meta: dict[str, Any] = {"sandbox": True, "name": f"{provider.name} sandbox"}
        db.add(
            Connection(
                id=conn_id,
                account_id=account.id,
                app=app,
                method=provider.method,
                status="ACTIVE",
                credential=vault.encrypt(credentials, conn_id),
                meta=meta,
                created_at=stamp,
                updated_at=stamp,
            )
        )
