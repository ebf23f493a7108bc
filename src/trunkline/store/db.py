"""Engine, sessions and migrations. SQLite (aiosqlite) by default, PostgreSQL (asyncpg) by URL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import event, text
from sqlalchemy.engine import Connection as SyncConnection
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.ext.asyncio import AsyncSession as AsyncSession

from trunkline.errors import ConfigError, StoreUnavailable

MIGRATIONS = Path(__file__).parent / "migrations"


MIGRATION_LOCK = 7_454_781_001  # pg_advisory_xact_lock key: one migrating process at a time


def make_engine(url: str, pool_size: int = 10, max_overflow: int = 20) -> AsyncEngine:
    if url.startswith("sqlite"):
        engine = create_async_engine(url, connect_args={"timeout": 30})
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    engine = create_async_engine(
        url, pool_size=pool_size, max_overflow=max_overflow, pool_pre_ping=True
    )
    event.listen(engine.sync_engine, "handle_error", _outage)
    event.listen(engine.sync_engine, "do_connect", _connect)
    return engine


def _connect(dialect: Any, _record: Any, cargs: Any, cparams: Any) -> Any:
    # A refused connect is a plain OSError that ``handle_error`` never sees.
    try:
        return dialect.connect(*cargs, **cparams)
    except (OSError, TimeoutError) as exc:
        raise StoreUnavailable("the database is unreachable right now; retry shortly") from exc


# SQLSTATE classes of a server that is gone or going: 08 connection exception, 57 operator
# intervention (shutting down, starting up, terminated by the administrator).
_OUTAGE_CLASSES = ("08", "57")


def _outage(context: ExceptionContext) -> None:
    """A lost or refused database connection becomes ``StoreUnavailable`` (503, retry), so every
    edge answers it in the error shape instead of a 500. Pre-ping failures are left alone:
    the pool handles those by reconnecting."""
    if context.is_pre_ping:
        return
    original = context.original_exception
    sqlstate = str(getattr(original, "sqlstate", None) or "")
    if (
        context.is_disconnect
        or isinstance(original, OSError | TimeoutError)
        or sqlstate[:2] in _OUTAGE_CLASSES
    ):
        raise StoreUnavailable("the database is unreachable right now; retry shortly") from original


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    # WAL: readers never block the writer; synchronous=NORMAL is durable across crashes of
    # the process (the case that matters: a killed server loses no committed row).
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


def _alembic_config(connection: SyncConnection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


async def migrate(engine: AsyncEngine) -> None:
    """Bring the schema up to date (idempotent; safe to run at every start, and replicas
    starting together on PostgreSQL take turns: the second finds the schema current)."""
    try:
        async with engine.begin() as conn:
            if engine.dialect.name == "postgresql":
                await conn.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK}
                )
            await conn.run_sync(lambda sync: command.upgrade(_alembic_config(sync), "head"))
    except (SQLAlchemyError, OSError, StoreUnavailable) as exc:
        raise ConfigError(f"cannot open or migrate the database: {exc}") from exc
