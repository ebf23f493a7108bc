"""Migration 0005 builds exactly the tables the models describe, and comes down again."""

from __future__ import annotations

from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from trunkline.store import Base, make_engine, migrate
from trunkline.store.db import _alembic_config

OURS = {"event_destinations", "event_deliveries"}


def _touches_ours(diff: Any) -> bool:
    """Other branches' tables have their own checks; the reprs name the table either way."""
    return any(name in repr(diff) for name in OURS)


async def test_models_match_the_migration(store_url: str) -> None:
    engine = make_engine(store_url)
    try:
        await migrate(engine)
        async with engine.connect() as conn:
            diffs = await conn.run_sync(
                lambda sync: compare_metadata(MigrationContext.configure(sync), Base.metadata)
            )
        assert [d for d in diffs if _touches_ours(d)] == []
        async with engine.begin() as conn:
            await conn.run_sync(lambda sync: command.downgrade(_alembic_config(sync), "0004"))
            tables = await conn.run_sync(lambda sync: set(inspect(sync).get_table_names()))
        assert not tables & OURS and "events" in tables
        await migrate(engine)
    finally:
        await engine.dispose()
