"""The store's rules, on SQLite and on PostgreSQL alike."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import aiohttp
import pytest

from trunkline import accounts, connections
from trunkline.catalogue import Catalogue
from trunkline.errors import ConnectionNotActive, NoActiveConnection, NotFound
from trunkline.store import make_engine, migrate, sessions
from trunkline.vault import Vault, new_key_line, parse_keys


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'store.db'}"
    else:
        yield request.getfixturevalue("pg_url")


@pytest.fixture
async def env(store_url: str) -> AsyncIterator[tuple[object, connections.Context]]:
    engine = make_engine(store_url)
    await migrate(engine)
    await migrate(engine)  # idempotent
    http = aiohttp.ClientSession()
    ctx = connections.Context(
        Catalogue.load(),
        Vault(parse_keys(new_key_line(), "test")),
        http,
        "http://127.0.0.1:1",
        3600,
    )
    try:
        yield sessions(engine), ctx
    finally:
        await http.close()
        await engine.dispose()


async def test_keys_hash_and_revoke(env) -> None:  # type: ignore[no-untyped-def]
    maker, _ = env
    async with maker() as db, db.begin():
        account = await accounts.create_account(db)
        issued = await accounts.issue_key(db, account.id, "k")
    async with maker() as db:
        assert await accounts.account_for_key(db, issued.plaintext) == account.id
        assert await accounts.account_for_key(db, issued.plaintext + "x") is None
        listed = await accounts.list_keys(db)
        assert issued.plaintext not in str(listed)
    async with maker() as db, db.begin():
        await accounts.revoke_key(db, issued.prefix)
    async with maker() as db:
        assert await accounts.account_for_key(db, issued.plaintext) is None


async def test_connection_rules(env) -> None:  # type: ignore[no-untyped-def]
    maker, ctx = env
    async with maker() as db, db.begin():
        mine = (await accounts.create_account(db, "mine")).id
        theirs = (await accounts.create_account(db, "theirs")).id
    made = []
    for _ in range(3):
        async with maker() as db, db.begin():
            conn = await connections.create(db, ctx, mine, "quo")
            connections.activate(conn, ctx, {"api_key": "k" * 20}, {"workspace": "w"})
            made.append(conn.id)
        await asyncio.sleep(0.002)
    async with maker() as db:
        listed = await connections.listing(db, mine, app="quo")
        assert [c.id for c in listed] == made
        assert await connections.listing(db, theirs) == []
        chosen = await connections.select_for_gateway(db, mine, "quo", None)
        assert chosen.id == made[0]
        newest = await connections.select_for_gateway(db, mine, "quo", None, newest=True)
        assert newest.id == made[-1]
        with pytest.raises(NotFound):
            await connections.get(db, theirs, made[0])
        with pytest.raises(NoActiveConnection):
            await connections.select_for_gateway(db, mine, "twilio", None)
        sealed = listed[0].credential
        assert sealed and "k" * 20 not in sealed
        assert ctx.vault.decrypt(sealed, made[0]) == {"api_key": "k" * 20}
    async with maker() as db, db.begin():
        pending = await connections.create(db, ctx, mine, "quo")
    async with maker() as db:
        with pytest.raises(ConnectionNotActive):
            await connections.select_for_gateway(db, mine, "quo", pending.id)
    async with maker() as db, db.begin():
        await connections.delete(db, mine, made[0])
    async with maker() as db:
        assert (await connections.select_for_gateway(db, mine, "quo", None)).id == made[1]


def test_ciphertext_is_bound_to_its_row() -> None:
    vault = Vault(parse_keys(new_key_line(), "test"))
    token = vault.encrypt({"api_key": "secret"}, "row-1")
    assert vault.decrypt(token, "row-1") == {"api_key": "secret"}
    from trunkline.vault import VaultError

    with pytest.raises(VaultError):
        vault.decrypt(token, "row-2")
    tampered = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    with pytest.raises(VaultError):
        vault.decrypt(tampered, "row-1")
