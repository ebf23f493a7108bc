"""Migration 0007 (key scopes) on SQLite and PostgreSQL: keys from 0006 stay unscoped, new keys
keep the scope they were issued with, and the migration comes down again."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from trunkline import accounts
from trunkline.enums import Mode
from trunkline.scopes import UNSCOPED, Scope
from trunkline.store import Base, make_engine, migrate, sessions
from trunkline.store.db import _alembic_config

OLD_KEY = "tk_live_" + "O" * 43


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'store.db'}"
    else:
        yield request.getfixturevalue("pg_url")


async def test_0006_keys_stay_unscoped_and_new_keys_keep_their_scope(store_url: str) -> None:
    engine = make_engine(store_url)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(lambda sync: command.upgrade(_alembic_config(sync), "0006"))
            account = str(uuid.uuid4())
            now = datetime.now(UTC)
            await conn.execute(
                sa.text("insert into accounts (id, name, created_at) values (:i, 'old', :t)"),
                {"i": account, "t": now},
            )
            await conn.execute(
                sa.text(
                    "insert into api_keys (id, account_id, key_hash, prefix, mode, name, "
                    "created_at) values (:i, :a, :h, :p, 'live', 'old', :t)"
                ),
                {
                    "i": str(uuid.uuid4()),
                    "a": account,
                    "h": hashlib.sha256(OLD_KEY.encode()).hexdigest(),
                    "p": OLD_KEY[:16],
                    "t": now,
                },
            )
        await migrate(engine)
        maker = sessions(engine)
        scope = Scope.build(apps=["quo"], read_only=True, to=["+1555*"], sends_per_day=5)
        async with maker() as db:
            old = await accounts.authenticate(db, OLD_KEY)
            assert old.scope == UNSCOPED and old.account_id == account
            issued = await accounts.issue_key(db, account, Mode.TEST, "agent", scope)
            await db.commit()
        async with maker() as db:
            assert (await accounts.authenticate(db, issued.plaintext)).scope == scope
            listed = {k["name"]: k["scope"] for k in await accounts.list_keys(db, account)}
        assert listed["old"] == UNSCOPED.wire() and listed["agent"] == scope.wire()
        async with engine.connect() as conn:
            diffs = await conn.run_sync(
                lambda sync: compare_metadata(MigrationContext.configure(sync), Base.metadata)
            )
        assert [d for d in diffs if "api_keys" in repr(d)] == []
        async with engine.begin() as conn:
            await conn.run_sync(lambda sync: command.downgrade(_alembic_config(sync), "0006"))
            columns = await conn.run_sync(
                lambda sync: {c["name"] for c in sa.inspect(sync).get_columns("api_keys")}
            )
        assert "scope" not in columns and "mode" in columns
    finally:
        await engine.dispose()
