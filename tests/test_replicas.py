"""Replicas on one PostgreSQL and one Redis behave as one gateway: a deleted connection and a
revoked key stop working on every replica within a second, whatever the cache TTL."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import httpx
import pytest

from tests.conftest import upstream_env
from tests.support import echo as echo_mod
from tests.support.process import TrunklineProcess

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


def until(check: object, seconds: float) -> float:
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if check():  # type: ignore[operator]
            return time.monotonic() - started
        time.sleep(0.05)
    raise AssertionError(f"not within {seconds} s")


def test_changes_reach_every_replica_at_once(
    tmp_path: Path, pg_url: str, echo: tuple[str, object]
) -> None:
    from trunkline.vault import new_key_line

    env = {
        **upstream_env(echo[0]),
        "TRUNKLINE_DATABASE_URL": pg_url,
        "TRUNKLINE_MASTER_KEYS": new_key_line(),
        "TRUNKLINE_REDIS_URL": "redis://127.0.0.1:6379/0",
        "TRUNKLINE_CACHE_TTL": "60",  # only the invalidation can make it quick
    }
    one = TrunklineProcess(tmp_path / "one", env=env, args=["--no-sandbox"]).start()
    two = TrunklineProcess(tmp_path / "two", env=env, args=["--no-sandbox"]).start()
    try:
        key = one.api_key or two.api_key
        headers = {"Authorization": f"Bearer {key}"}
        made = httpx.post(
            one.url + "/connections",
            headers=headers,
            json={"app": "quo", "credentials": {"api_key": echo_mod.QUO_KEY}},
        ).json()["connection"]["connection_id"]
        pinned = {**headers, "Maton-Connection": made}
        assert httpx.get(two.url + "/quo/v1/echo", headers=pinned).status_code == 200
        assert httpx.delete(f"{one.url}/connections/{made}", headers=headers).status_code == 200
        took = until(
            lambda: httpx.get(two.url + "/quo/v1/echo", headers=pinned).status_code == 404, 5
        )
        assert took < 1.0
        # A second key, revoked by the CLI while both serve (the CLI publishes the revocation).
        label = uuid.uuid4().hex[:8]
        extra = two.cli(
            "keys", "create", "--mode", "live", "--name", label, "--data-dir", str(tmp_path / "two")
        )
        other = extra.stdout.strip()
        mine = {"Authorization": f"Bearer {other}"}
        assert httpx.get(two.url + "/connections", headers=mine).status_code == 200
        assert httpx.get(one.url + "/connections", headers=mine).status_code == 200
        assert httpx.get(one.url + "/quo/v1/echo", headers=mine).status_code == 400
        revoked = two.cli("keys", "revoke", other[:16], "--data-dir", str(tmp_path / "two"))
        assert revoked.returncode == 0, revoked.stderr
        took = until(
            lambda: httpx.get(one.url + "/quo/v1/echo", headers=mine).status_code == 401, 5
        )
        assert took < 1.0
    finally:
        one.stop()
        two.stop()
