"""``trunkline serve`` as a process: first start, restarts, crashes and a broken master key."""

from __future__ import annotations

import sqlite3
import stat
import subprocess
from pathlib import Path

import httpx
import pytest

from tests.conftest import upstream_env
from tests.support import echo as echo_mod
from tests.support.process import BIN, TrunklineProcess

QUO = {"app": "quo", "credentials": {"api_key": echo_mod.QUO_KEY}}


def start(data_dir: Path, echo_url: str, **kwargs: object) -> TrunklineProcess:
    return TrunklineProcess(
        data_dir, env=upstream_env(echo_url), args=["--no-sandbox"], **kwargs
    ).start()  # type: ignore[arg-type]


def test_first_start_then_restart(data_dir: Path, echo: tuple[str, object]) -> None:
    proc = start(data_dir, echo[0])
    try:
        assert proc.api_key and proc.api_key.startswith("tk_")
        mode = stat.S_IMODE((data_dir / "master.key").stat().st_mode)
        assert mode == 0o600
    finally:
        proc.stop()
    again = start(data_dir, echo[0], port=proc.port)
    try:
        assert again.api_key is None  # shown once only
        assert httpx.get(again.url + "/connections", headers=proc.headers()).status_code == 200
    finally:
        again.stop()


def test_kill_minus_nine_loses_no_committed_connection(
    data_dir: Path, echo: tuple[str, object]
) -> None:
    proc = start(data_dir, echo[0])
    ids = []
    for _ in range(5):
        r = httpx.post(proc.url + "/connections", headers=proc.headers(), json=QUO)
        assert r.status_code == 201
        ids.append(r.json()["connection"]["connection_id"])
    proc.kill()
    again = start(data_dir, echo[0])
    try:
        listed = httpx.get(again.url + "/connections", headers=proc.headers()).json()
        assert [c["connection_id"] for c in listed["connections"]] == ids
        r = httpx.get(
            again.url + "/quo/v1/echo", headers={**proc.headers(), "Maton-Connection": ids[-1]}
        )
        assert r.status_code == 200
        assert r.json()["headers"]["authorization"] == echo_mod.QUO_KEY
    finally:
        again.stop()


def _serve_fails(data_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN), "serve", "--data-dir", str(data_dir), "--port", "1", "--no-sandbox"],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_corrupt_master_key_is_a_clear_startup_error(
    data_dir: Path, echo: tuple[str, object]
) -> None:
    start(data_dir, echo[0]).stop()
    (data_dir / "master.key").write_text("k1:not-base64-at-all!!\n")
    result = _serve_fails(data_dir)
    assert result.returncode == 2
    assert "master key" in result.stderr and "Traceback" not in result.stderr


def test_missing_master_key_with_stored_credentials(
    data_dir: Path, echo: tuple[str, object]
) -> None:
    proc = start(data_dir, echo[0])
    assert (
        httpx.post(proc.url + "/connections", headers=proc.headers(), json=QUO).status_code == 201
    )
    proc.stop()
    (data_dir / "master.key").unlink()
    result = _serve_fails(data_dir)
    assert result.returncode == 2
    assert "master key file" in result.stderr and "missing" in result.stderr
    assert not (data_dir / "master.key").exists()  # no silent new key


def test_vault_rotate_while_serving(data_dir: Path, echo: tuple[str, object]) -> None:
    proc = start(data_dir, echo[0])
    try:
        ids = [
            httpx.post(proc.url + "/connections", headers=proc.headers(), json=QUO).json()[
                "connection"
            ]["connection_id"]
            for _ in range(3)
        ]
        old_kid = (data_dir / "master.key").read_text().split(":")[0]
        result = proc.cli("vault", "rotate", "--data-dir", str(data_dir), "--json")
        assert result.returncode == 0, result.stderr
        assert '"reencrypted": 3' in result.stdout
        lines = (data_dir / "master.key").read_text().split()
        new_kid = lines[0].split(":")[0]
        assert len(lines) == 2 and lines[1].startswith(old_kid + ":") and new_kid != old_kid
        with sqlite3.connect(data_dir / "trunkline.db") as db:
            tokens = [
                row[0]
                for row in db.execute(
                    "select credential from connections where credential is not null"
                )
            ]
        assert tokens and all(t.startswith(f"v1.{new_kid}.") for t in tokens)
        for conn_id in ids:  # the running server reads the rotated rows without a restart
            r = httpx.get(
                proc.url + "/quo/v1/echo", headers={**proc.headers(), "Maton-Connection": conn_id}
            )
            assert r.status_code == 200
            assert r.json()["headers"]["authorization"] == echo_mod.QUO_KEY
    finally:
        proc.stop()


def test_postgres_replicas_share_state(
    tmp_path: Path, pg_url: str, echo: tuple[str, object]
) -> None:
    """Two stateless replicas on one PostgreSQL: a connection made on one is used by the other."""
    from trunkline.vault import new_key_line

    env = {
        **upstream_env(echo[0]),
        "TRUNKLINE_DATABASE_URL": pg_url,
        "TRUNKLINE_MASTER_KEYS": new_key_line(),
    }
    one = TrunklineProcess(tmp_path / "one", env=env, args=["--no-sandbox"]).start()
    two = TrunklineProcess(tmp_path / "two", env=env, args=["--no-sandbox"]).start()
    try:
        key = one.api_key or two.api_key
        assert key and not (one.api_key and two.api_key)
        headers = {"Authorization": f"Bearer {key}"}
        r = httpx.post(one.url + "/connections", headers=headers, json=QUO)
        assert r.status_code == 201
        conn_id = r.json()["connection"]["connection_id"]
        r = httpx.get(two.url + "/quo/v1/echo", headers={**headers, "Maton-Connection": conn_id})
        assert r.status_code == 200
        assert r.json()["headers"]["authorization"] == echo_mod.QUO_KEY
        assert not (tmp_path / "one" / "master.key").exists()  # keys came from the environment
    finally:
        one.stop()
        two.stop()


@pytest.mark.parametrize(
    ("how", "env", "args"),
    [
        ("granian, by setting", {"TRUNKLINE_SERVER": "granian"}, []),
        ("uvicorn, by flag", {}, ["--server", "uvicorn"]),
        ("own, by flag over a setting", {"TRUNKLINE_SERVER": "uvicorn"}, ["--server", "own"]),
    ],
)
def test_server_option(
    how: str, env: dict[str, str], args: list[str], data_dir: Path, echo: tuple[str, object]
) -> None:
    """``--server`` / TRUNKLINE_SERVER: the same gateway on each server, in this process."""
    proc = TrunklineProcess(
        data_dir, env={**upstream_env(echo[0]), **env}, args=["--no-sandbox", *args]
    ).start()
    try:
        r = httpx.post(proc.url + "/connections", headers=proc.headers(), json=QUO)
        assert r.status_code == 201
        r = httpx.post(proc.url + "/quo/v1/echo?a=1", headers=proc.headers(), content=b"x" * 3000)
        assert r.status_code == 200 and r.json()["size"] == 3000 and r.json()["query"] == "a=1"
        assert r.headers["x-request-id"]
        big = httpx.get(proc.url + f"/quo/big/{5 * 1024 * 1024}", headers=proc.headers())
        assert len(big.content) == 5 * 1024 * 1024
        assert httpx.get(proc.url + "/quo/x").status_code == 401
    finally:
        proc.stop()
    assert proc.proc is not None and proc.proc.returncode is not None
