"""Shared fixtures: real servers on 127.0.0.1 and, where asked, the local PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from tests.support.echo import EchoUpstream
    from tests.support.process import TrunklineProcess

PG_ADMIN = os.environ.get("TRUNKLINE_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


def pytest_configure(config: pytest.Config) -> None:
    """The secrets every test may hand a server, known before any runs (the rest are
    remembered as servers issue them: tests/support/process.py)."""
    from tests.support import echo, secrets
    from tests.support.faulty import FAULTY_KEY
    from trunkline.sandbox import available_sandboxes, load_sandbox

    secrets.remember(echo.QUO_KEY, echo.CALLRAIL_KEY, echo.TWILIO_TOKEN, FAULTY_KEY)
    for app in available_sandboxes():
        secrets.remember(*load_sandbox(app).credentials.values())


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Last of all: no log any server wrote in this run holds a secret the tests used."""
    from tests.support import secrets

    found = secrets.leaks(secrets.log_dir(), secrets.remembered())
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line(f"server logs of this run: {secrets.log_dir()}")
    if found:
        for leak in found[:50]:
            print(f"SECRET IN A LOG: {leak}")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def _pg_available() -> bool:
    import asyncpg

    async def probe() -> bool:
        try:
            conn = await asyncpg.connect(PG_ADMIN, timeout=3)
        except (OSError, asyncpg.PostgresError):
            return False
        await conn.close()
        return True

    return asyncio.run(probe())


@pytest.fixture(scope="session")
def pg_server() -> str:
    if not _pg_available():
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL at 127.0.0.1:5432 is required under CI")
        pytest.skip("no PostgreSQL at 127.0.0.1:5432 (CI requires it)")
    return PG_ADMIN


@pytest.fixture
def pg_url(pg_server: str) -> Iterator[str]:
    """A fresh, empty database for one test; an asyncpg SQLAlchemy URL."""
    import asyncpg

    name = f"tl_{uuid.uuid4().hex[:12]}"

    async def run(sql: str) -> None:
        conn = await asyncpg.connect(pg_server)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(run(f'CREATE DATABASE "{name}"'))
    base = pg_server.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    try:
        yield f"{base}/{name}"
    finally:
        asyncio.run(run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture(scope="session")
def echo() -> Iterator[tuple[str, EchoUpstream]]:
    """The stand-in provider (tests/support/echo.py) on 127.0.0.1."""
    from tests.support.echo import EchoUpstream
    from tests.support.servers import serve_asgi

    upstream = EchoUpstream()
    with serve_asgi(upstream) as url:
        yield url, upstream


def upstream_env(echo_url: str) -> dict[str, str]:
    return {f"TRUNKLINE_UPSTREAM_{app.upper()}": echo_url for app in ("quo", "twilio", "callrail")}


@pytest.fixture(scope="module")
def stack(
    tmp_path_factory: pytest.TempPathFactory, echo: tuple[str, EchoUpstream]
) -> Iterator[TrunklineProcess]:
    """``trunkline serve --no-sandbox`` pointed at the echo upstream, one ACTIVE connection per
    app (created headlessly with the echo's credentials)."""
    import httpx

    from tests.support import echo as echo_mod
    from tests.support.process import TrunklineProcess

    data = tmp_path_factory.mktemp("stack") / "data"
    proc = TrunklineProcess(data, env=upstream_env(echo[0]), args=["--no-sandbox"]).start()
    creds = {
        "quo": {"api_key": echo_mod.QUO_KEY},
        "callrail": {"api_key": echo_mod.CALLRAIL_KEY},
        "twilio": {"account_sid": echo_mod.TWILIO_SID, "auth_token": echo_mod.TWILIO_TOKEN},
    }
    proc.connections = {}  # type: ignore[attr-defined]
    for app, credentials in creds.items():
        r = httpx.post(
            proc.url + "/connections",
            headers=proc.headers(),
            json={"app": app, "credentials": credentials},
        )
        assert r.status_code == 201, r.text
        proc.connections[app] = r.json()["connection"]["connection_id"]  # type: ignore[attr-defined]
    try:
        yield proc
    finally:
        proc.stop()


@pytest.fixture(scope="session")
def trunkline_sandboxed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TrunklineProcess]:
    """A real ``trunkline serve`` with its sandboxes mounted (its key is a test key), so the
    sandbox scenarios also run through the gateway (``/{app}/...``)."""
    from tests.support.process import TrunklineProcess

    data = tmp_path_factory.mktemp("gateway") / "data"
    # Requests queue for the providers' limits (Quo: 10/s) as a real deployment's would.
    env = {"TRUNKLINE_SANDBOX_SPEED": "50", "TRUNKLINE_THROTTLE_WAIT": "30"}
    proc = TrunklineProcess(data, env=env).start()
    try:
        yield proc
    finally:
        proc.stop()
