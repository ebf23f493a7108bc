"""``trunkline vault new-key`` and the rotation the production guide describes for keys kept in
``TRUNKLINE_MASTER_KEYS``: new key last everywhere, then first, then ``vault rotate``."""

from __future__ import annotations

import asyncio
import stat
import uuid
from pathlib import Path

import pytest
from typer.testing import CliRunner

from trunkline.cli import app
from trunkline.store import (
    Account,
    Connection,
    Destination,
    Subscription,
    make_engine,
    migrate,
    sessions,
)
from trunkline.timeutil import now
from trunkline.vault import KEY_FILE, Vault, VaultError, parse_keys

runner = CliRunner()


def new_key(*args: str) -> str:
    result = runner.invoke(app, ["vault", "new-key", *args])
    assert result.exit_code == 0, result.output
    return result.output.strip()


def test_printed_keys_are_fresh_and_usable() -> None:
    first, second = new_key(), new_key()
    assert first != second and "\n" not in first
    vault = Vault(parse_keys(first, "stdout"))
    assert vault.decrypt(vault.encrypt({"api_key": "x"}, "row"), "row") == {"api_key": "x"}
    assert new_key("--env").startswith("TRUNKLINE_MASTER_KEYS=")


def test_a_written_key_file_is_private_and_kept(tmp_path: Path) -> None:
    path = tmp_path / "data" / KEY_FILE
    assert "back it up" in new_key("--output", str(path))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    written = path.read_text()
    refused = runner.invoke(app, ["vault", "new-key", "--output", str(path)])
    assert refused.exit_code == 1 and "exists" in refused.output
    assert path.read_text() == written
    new_key("--output", str(path), "--force")
    assert path.read_text() != written and stat.S_IMODE(path.stat().st_mode) == 0o600
    # The data dir's key file format: a server reads it as its master key.
    assert Vault.from_env_or_file(None, path.parent, create=False).key_ids


async def stored_credential(url: str, keys: str) -> tuple[str, str]:
    engine = make_engine(url)
    try:
        await migrate(engine)
        conn_id, account = str(uuid.uuid4()), str(uuid.uuid4())
        async with sessions(engine)() as db, db.begin():
            db.add(Account(id=account, name="acme", created_at=now()))
            await db.flush()
            db.add(
                Connection(
                    id=conn_id,
                    account_id=account,
                    app="quo",
                    mode="live",
                    method="API_KEY",
                    status="ACTIVE",
                    credential=Vault(parse_keys(keys, "env")).encrypt({"api_key": "k"}, conn_id),
                    meta={},
                    created_at=now(),
                    updated_at=now(),
                )
            )
            await db.flush()
            vault = Vault(parse_keys(keys, "env"))
            db.add(
                Destination(
                    id="dst_1",
                    account_id=account,
                    mode="live",
                    url="https://example.com/hook",
                    types=["*"],
                    secret_sealed=vault.encrypt({"secret": "whsec_x"}, "dst_1"),
                    status="active",
                    created_at=now(),
                    updated_at=now(),
                )
            )
            db.add(
                Subscription(
                    id="sub_1",
                    connection_id=conn_id,
                    account_id=account,
                    app="quo",
                    events=["message.received"],
                    remote={},
                    secret_sealed=vault.encrypt({"key": "s"}, "sub_1"),
                    created_at=now(),
                )
            )
        return conn_id, account
    finally:
        await engine.dispose()


async def credential_token(url: str, conn_id: str) -> str:
    engine = make_engine(url)
    try:
        async with sessions(engine)() as db:
            row = await db.get(Connection, conn_id)
            assert row is not None and row.credential
            return row.credential
    finally:
        await engine.dispose()


async def signing_secrets(url: str) -> list[str]:
    engine = make_engine(url)
    try:
        async with sessions(engine)() as db:
            dst = await db.get(Destination, "dst_1")
            sub = await db.get(Subscription, "sub_1")
            assert dst is not None and sub is not None and sub.secret_sealed
            return [dst.secret_sealed, sub.secret_sealed]
    finally:
        await engine.dispose()


def test_rotating_keys_kept_in_the_environment(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'trunkline.db'}"
    old, new = new_key(), new_key()
    conn_id, _ = asyncio.run(stored_credential(url, old))
    token = asyncio.run(credential_token(url, conn_id))
    # Step 1, new key last: every replica reads old tokens and, later, new ones.
    assert Vault(parse_keys(f"{old},{new}", "env")).decrypt(token, conn_id) == {"api_key": "k"}
    # Step 2 and 3, new key first, then rotate.
    env = {"TRUNKLINE_MASTER_KEYS": f"{new},{old}", "TRUNKLINE_DATA_DIR": str(tmp_path)}
    rotated = runner.invoke(app, ["vault", "rotate", "--json"], env=env)
    assert rotated.exit_code == 0, rotated.output
    assert '"reencrypted": 1' in rotated.output and '"signing_secrets": 2' in rotated.output
    resealed = asyncio.run(credential_token(url, conn_id))
    kid = new.split(":")[0]
    assert resealed.startswith(f"v1.{kid}.")
    # The signing secrets of event destinations and subscriptions move too: the old key can go.
    assert all(t.startswith(f"v1.{kid}.") for t in asyncio.run(signing_secrets(url)))
    assert Vault(parse_keys(new, "env")).decrypt(resealed, conn_id) == {"api_key": "k"}
    # Why step 1 comes first: a replica that has only the old key cannot read the new tokens.
    with pytest.raises(VaultError):
        Vault(parse_keys(old, "env")).decrypt(resealed, conn_id)
