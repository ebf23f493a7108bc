"""Data from before modes migrates without loss and without changing where anything goes."""

from __future__ import annotations

import asyncio
import hashlib
import json
import uuid
from datetime import UTC, datetime
from pathlib import Path

import httpx
import sqlalchemy as sa
from alembic import command

from tests.support.process import TrunklineProcess
from trunkline.sandbox import load_sandbox
from trunkline.store import make_engine
from trunkline.store.db import _alembic_config
from trunkline.vault import Vault

LEGACY_KEY = "tk_" + "L" * 43


async def legacy_store(data: Path) -> dict[str, str]:
    """A data dir as the previous release left it (schema 0002): a legacy key, the sandbox
    connection, a connection made with the sandbox's key through the API, and a real one."""
    data.mkdir(parents=True)
    vault = Vault.from_env_or_file(None, data, create=True)
    engine = make_engine(f"sqlite+aiosqlite:///{data / 'trunkline.db'}")
    async with engine.begin() as conn:
        await conn.run_sync(lambda sync: command.upgrade(_alembic_config(sync), "0002"))
    now = datetime.now(UTC)
    account = str(uuid.uuid4())
    ids = {name: str(uuid.uuid4()) for name in ("sandbox", "api_made", "real")}
    seeded = load_sandbox("quo").credentials
    rows = {
        "sandbox": ({"sandbox": True, "name": "Quo sandbox"}, seeded),
        "api_made": ({}, seeded),
        "real": ({"workspace": "Acme"}, {"api_key": "R" * 32}),
    }
    async with engine.begin() as conn:
        await conn.execute(
            sa.text("insert into accounts (id, name, created_at) values (:i, 'default', :t)"),
            {"i": account, "t": now},
        )
        await conn.execute(
            sa.text(
                "insert into api_keys (id, account_id, key_hash, prefix, name, created_at) "
                "values (:i, :a, :h, :p, 'old', :t)"
            ),
            {
                "i": str(uuid.uuid4()),
                "a": account,
                "h": hashlib.sha256(LEGACY_KEY.encode()).hexdigest(),
                "p": LEGACY_KEY[:10],
                "t": now,
            },
        )
        for name, (meta, credential) in rows.items():
            await conn.execute(
                sa.text(
                    "insert into connections (id, account_id, app, method, status, credential, "
                    "metadata, created_at, updated_at) values "
                    "(:i, :a, 'quo', 'API_KEY', 'ACTIVE', :c, :m, :t, :t)"
                ),
                {
                    "i": ids[name],
                    "a": account,
                    "c": vault.encrypt(credential, ids[name]),
                    "m": json.dumps(meta),
                    "t": now,
                },
            )
    await engine.dispose()
    return ids


def test_legacy_data_keeps_every_row_and_its_upstream(tmp_path: Path) -> None:
    data = tmp_path / "data"
    ids = asyncio.run(legacy_store(data))
    proc = TrunklineProcess(data).start()
    try:
        assert proc.api_key is None  # not a first start: nothing new printed
        legacy = httpx.get(proc.url + "/connections", headers=proc.headers(LEGACY_KEY)).json()
        assert [c["connection_id"] for c in legacy["connections"]] == [ids["real"]]
        assert legacy["connections"][0]["metadata"] == {"workspace": "Acme"}
        assert httpx.get(proc.url + "/user", headers=proc.headers(LEGACY_KEY)).json()["mode"] == (
            "live"
        )
        done = proc.cli("keys", "create", "--mode", "test", "--data-dir", str(data))
        test_key = done.stdout.strip()
        listed = httpx.get(proc.url + "/connections", headers=proc.headers(test_key)).json()
        test_ids = {c["connection_id"] for c in listed["connections"] if c["app"] == "quo"}
        assert test_ids == {ids["sandbox"], ids["api_made"]}  # both always talked to the sandbox
        r = httpx.get(
            proc.url + "/quo/v1/phone-numbers",
            headers={**proc.headers(test_key), "Maton-Connection": ids["api_made"]},
        )
        assert r.status_code == 200 and r.json()["data"]
    finally:
        proc.stop()
