"""A key's send budget is one budget across replicas sharing PostgreSQL and Redis: sends on
either count, and the one past the budget is refused on whichever replica it reaches."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.conftest import upstream_env
from tests.support import echo as echo_mod
from tests.support.process import TrunklineProcess

pytestmark = [pytest.mark.postgres, pytest.mark.redis]
TEXT = {"content": "hi", "from": "+15555550123", "to": ["+15551234567"]}


def test_send_budget_is_shared_between_replicas(
    tmp_path: Path, pg_url: str, echo: tuple[str, echo_mod.EchoUpstream]
) -> None:
    from trunkline.vault import new_key_line

    env = {
        **upstream_env(echo[0]),
        "TRUNKLINE_DATABASE_URL": pg_url,
        "TRUNKLINE_MASTER_KEYS": new_key_line(),
        "TRUNKLINE_REDIS_URL": "redis://127.0.0.1:6379/0",
    }
    one = TrunklineProcess(tmp_path / "one", env=env, args=["--no-sandbox"]).start()
    two = TrunklineProcess(tmp_path / "two", env=env, args=["--no-sandbox"]).start()
    try:
        admin = {"Authorization": f"Bearer {one.api_key or two.api_key}"}
        made = httpx.post(
            one.url + "/connections",
            headers=admin,
            json={"app": "quo", "credentials": {"api_key": echo_mod.QUO_KEY}},
        )
        assert made.status_code == 201, made.text
        # The key id is a fresh UUID: its Redis window is this test's alone.
        created = two.cli(
            "keys", "create", "--mode", "live", "--sends-per-hour", "3",
            "--data-dir", str(tmp_path / "two"),
        )  # fmt: skip
        assert created.returncode == 0, created.stderr
        key = {"Authorization": f"Bearer {created.stdout.strip()}"}
        for replica in (one, two, one):
            r = httpx.post(replica.url + "/quo/v1/messages", headers=key, json=TEXT, timeout=30)
            assert r.status_code == 200, r.text
        before = len(echo[1].seen)
        for replica in (two, one):
            r = httpx.post(replica.url + "/quo/v1/messages", headers=key, json=TEXT, timeout=30)
            assert r.status_code == 429, r.text
            assert r.json()["error"]["code"] == "send_budget_exceeded"
            assert int(r.headers["Retry-After"]) > 3000
        assert len(echo[1].seen) == before
    finally:
        one.stop()
        two.stop()
