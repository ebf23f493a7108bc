"""Replicas starting together on one empty PostgreSQL database take turns at the migrations:
both starts succeed and the schema is made once."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text

from trunkline.store import make_engine, migrate


@pytest.mark.postgres
async def test_replicas_migrating_one_empty_database_together_take_turns(pg_url: str) -> None:
    engines = [make_engine(pg_url) for _ in range(3)]
    try:
        await asyncio.gather(*(migrate(engine) for engine in engines))
        async with engines[0].connect() as conn:
            versions = (await conn.execute(text("SELECT version_num FROM alembic_version"))).all()
        assert len(versions) == 1
    finally:
        for engine in engines:
            await engine.dispose()
