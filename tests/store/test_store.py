"""The store's rules through the services that own its tables, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from trunkline import accounts
from trunkline.accounts import Caller
from trunkline.auth.oauth2 import OAuthApps
from trunkline.catalogue import Catalogue
from trunkline.connections import ConnectionService
from trunkline.enums import Mode, Status
from trunkline.errors import (
    Conflict,
    ConnectionNotActive,
    Forbidden,
    InvalidRequest,
    NoActiveConnection,
    NotFound,
    TestModeUnavailable,
    Unauthorized,
)
from trunkline.store import Connection, make_engine, migrate, sessions
from trunkline.transport import AsgiUpstream
from trunkline.vault import Vault, new_key_line, parse_keys


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'store.db'}"
    else:
        yield request.getfixturevalue("pg_url")


@dataclass
class Env:
    sessions: async_sessionmaker[AsyncSession]
    service: ConnectionService
    changes: list[str]


async def _nothing(scope: object, receive: object, send: object) -> None:
    raise AssertionError("no provider call expected")


@pytest.fixture
async def env(store_url: str) -> AsyncIterator[Env]:
    engine = make_engine(store_url)
    await migrate(engine)
    await migrate(engine)  # idempotent
    catalogue = Catalogue.load()
    maker = sessions(engine)
    service = ConnectionService(
        maker,
        catalogue,
        Vault(parse_keys(new_key_line(), "test")),
        AsgiUpstream(_nothing),
        OAuthApps(catalogue, {}),
        base_url="http://127.0.0.1:1",
        session_ttl=3600,
    )
    changes: list[str] = []
    service.on_change(changes.append)
    try:
        yield Env(maker, service, changes)
    finally:
        await engine.dispose()


async def test_keys_hash_modes_and_revoke(env: Env) -> None:
    async with env.sessions() as db, db.begin():
        account = await accounts.create_account(db, "acme")
        test_key = await accounts.issue_key(db, account.id, Mode.TEST, "k")
        live_key = await accounts.issue_key(db, account.id, Mode.LIVE)
    assert test_key.plaintext.startswith("tk_test_") and live_key.plaintext.startswith("tk_live_")
    async with env.sessions() as db:
        caller = await accounts.authenticate(db, test_key.plaintext)
        assert caller == Caller(account.id, test_key.id, Mode.TEST)
        assert (await accounts.authenticate(db, live_key.plaintext)).mode is Mode.LIVE
        with pytest.raises(Unauthorized):
            await accounts.authenticate(db, test_key.plaintext + "x")
        listed = await accounts.list_keys(db, account.id)
        assert {k["mode"] for k in listed} == {"test", "live"}
        assert all(test_key.plaintext not in str(k) for k in listed)
    async with env.sessions() as db, db.begin():
        await accounts.revoke_key(db, test_key.prefix)
    async with env.sessions() as db:
        with pytest.raises(Unauthorized):
            await accounts.authenticate(db, test_key.plaintext)


async def test_accounts_are_named_uniquely(env: Env) -> None:
    async with env.sessions() as db, db.begin():
        first = await accounts.create_account(db, "acme")
        await accounts.create_account(db, "globex")
    async with env.sessions() as db, db.begin():
        with pytest.raises(Conflict):
            await accounts.create_account(db, "acme")
    async with env.sessions() as db, db.begin():
        with pytest.raises(Conflict):
            await accounts.rename_account(db, "acme", "globex")
        with pytest.raises(InvalidRequest):
            await accounts.create_account(db, " ")
        with pytest.raises(NotFound):
            await accounts.account(db, "initech")
        await accounts.rename_account(db, first.id, "acme-dental")
    async with env.sessions() as db:
        assert [a.name for a in await accounts.list_accounts(db)] == ["acme-dental", "globex"]


async def _activate(env: Env, caller: Caller, app: str = "quo") -> str:
    conn = await env.service.create(caller, app)
    async with env.sessions() as db, db.begin():
        row = await db.get(Connection, conn.id)
        assert row is not None
        env.service._activate(row, {"api_key": "k" * 20}, {"workspace": "w"})
    return conn.id


async def test_connection_rules(env: Env) -> None:
    async with env.sessions() as db, db.begin():
        mine_id = (await accounts.create_account(db, "mine")).id
        theirs_id = (await accounts.create_account(db, "theirs")).id
    mine = Caller(mine_id, "k1", Mode.LIVE)
    theirs = Caller(theirs_id, "k2", Mode.LIVE)
    mine_test = Caller(mine_id, "k3", Mode.TEST)
    made = [await _activate(env, mine), await _activate(env, mine)]
    assert env.changes.count(mine_id) == 2
    listed = await env.service.listing(mine, app="quo")
    assert [c.id for c in listed] == made
    assert all(c.status == Status.ACTIVE.value and c.mode == "live" for c in listed)
    assert await env.service.listing(theirs) == []
    assert await env.service.listing(mine, status=Status.PENDING) == []
    assert (await env.service.for_gateway(mine, "quo", None)).connection_id == made[0]
    env.service.newest_default = True
    assert (await env.service.for_gateway(mine, "quo", None)).connection_id == made[1]
    env.service.newest_default = False
    with pytest.raises(NotFound):
        await env.service.get(theirs, made[0])
    with pytest.raises(Forbidden) as wrong_mode:
        await env.service.get(mine_test, made[0])
    assert wrong_mode.value.wire_code == "mode_mismatch"
    with pytest.raises(NoActiveConnection):
        await env.service.for_gateway(mine, "twilio", None)
    with pytest.raises(TestModeUnavailable):  # no sandbox mounted here
        await env.service.for_gateway(mine_test, "quo", None)
    with pytest.raises(TestModeUnavailable):
        await env.service.create(mine_test, "quo")
    pending = await env.service.create(mine, "quo")
    with pytest.raises(ConnectionNotActive):
        await env.service.for_gateway(mine, "quo", pending.id)
    wire = env.service.wire(pending)
    assert wire["url"].startswith("http://127.0.0.1:1/connect?session_token=")
    assert wire["mode"] == "live" and wire["status"] == "PENDING"
    await env.service.delete(mine, made[0])
    with pytest.raises(NotFound):
        await env.service.get(mine, made[0])
    assert (await env.service.for_gateway(mine, "quo", None)).connection_id == made[1]
    for bad in ("not-a-uuid", "x" * 500, made[1].upper() + "0"):
        with pytest.raises(NotFound):
            await env.service.get(mine, bad)


async def test_legacy_rows_settle_by_what_they_hold(env: Env) -> None:
    async with env.sessions() as db, db.begin():
        owner = (await accounts.create_account(db, "legacy")).id
    ids = [await _activate(env, Caller(owner, "k", Mode.LIVE)) for _ in range(2)]
    seeded = {"api_key": "s" * 20}
    async with env.sessions() as db, db.begin():
        for conn_id in ids:
            row = await db.get(Connection, conn_id)
            assert row is not None
            row.mode = None
        first = await db.get(Connection, ids[0])
        assert first is not None
        first.credential = env.service.vault.encrypt(seeded, ids[0])
    assert await env.service.settle_legacy_modes({"quo": seeded}) == 2
    async with env.sessions() as db:
        modes = [(await db.get(Connection, i)).mode for i in ids]  # type: ignore[union-attr]
    assert modes == ["test", "live"]
    assert await env.service.settle_legacy_modes({"quo": seeded}) == 0
