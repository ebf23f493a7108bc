"""First start of the embedded default: data dir, master key, schema, an account and its key.

The first key is a test key while the sandboxes are mounted (the first request works with no
provider account), else a live key.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from trunkline import accounts
from trunkline.enums import Mode
from trunkline.errors import ConfigError
from trunkline.settings import Settings
from trunkline.store import Connection, make_engine, migrate, sessions
from trunkline.vault import KEY_FILE, Vault


@dataclass(frozen=True)
class FirstStart:
    account_id: str
    api_key: str | None  # only on the very first start
    mode: Mode


def default_mode(settings: Settings) -> Mode:
    return Mode.TEST if settings.sandbox else Mode.LIVE


async def prepare(settings: Settings, first_account: bool = True) -> FirstStart:
    """Idempotent: creates what is missing, returns the new API key if it made one.

    ``first_account=False`` (an operator naming their own account first): no ``default``
    account and no unseen key are made on an empty store.

    Refuses to start (ConfigError) when credentials are stored but their master key is gone:
    generating a fresh key then would silently orphan every stored credential.
    """
    if settings.database_url is None:
        settings.resolved_data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    engine = make_engine(settings.store_url)
    try:
        await migrate(engine)
        if settings.database_url is None:
            # Like the master key: only the owner reads the database (SQLite gives its -wal and
            # -shm files the database file's mode).
            settings.resolved_data_dir.chmod(0o700)
            (settings.resolved_data_dir / "trunkline.db").chmod(0o600)
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
        mode = default_mode(settings)
        async with sessions(engine)() as db, db.begin():
            account = await accounts.first_account(db)
            if account is not None or not first_account:
                return FirstStart(account.id if account else "", None, mode)
            account = await accounts.create_account(db, "default")
            issued = await accounts.issue_key(db, account.id, mode, "first key")
            return FirstStart(account.id, issued.plaintext, mode)
    finally:
        await engine.dispose()
