"""The refresh lease, in process on PostgreSQL: two servers on one database make one token call;
the token call holds no database connection (a pool of one still serves other requests while
the provider is slow); a holder that died mid-refresh leaves a lease that runs out, and the next
caller refreshes."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.support.servers import free_port, serve_asgi
from trunkline import accounts
from trunkline.app import Trunkline
from trunkline.connections.refresh import TokenRefresher
from trunkline.enums import Mode
from trunkline.errors import CredentialsExpired, UpstreamUnavailable
from trunkline.lifespan import run_lifespan
from trunkline.settings import Settings
from trunkline.store import Connection
from trunkline.timeutil import now
from trunkline.vault import new_key_line

pytestmark = pytest.mark.postgres
KEY = new_key_line()


class TokenEndpoint:
    """A provider's token endpoint that rotates single-use refresh tokens (like RingCentral's)
    and, while ``hold`` is set, answers only when the test releases it (at most 10 s)."""

    def __init__(self) -> None:
        self.calls = 0
        self.valid = {"r0"}
        self.started = threading.Event()
        self.release = threading.Event()
        self.hold = False
        self.app = Starlette(routes=[Route("/restapi/oauth/token", self.token, methods=["POST"])])

    async def token(self, request: Request) -> JSONResponse:
        form = await request.form()
        self.calls += 1
        self.started.set()
        if self.hold:
            await asyncio.to_thread(self.release.wait, 10)
        spent = str(form.get("refresh_token"))
        if spent not in self.valid:
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        self.valid.discard(spent)
        self.valid.add(f"r{self.calls}")
        return JSONResponse(
            {
                "access_token": f"a{self.calls}",
                "refresh_token": f"r{self.calls}",
                "expires_in": 3600,
                "token_type": "bearer",
            }
        )


@pytest.fixture
def endpoint() -> Iterator[tuple[TokenEndpoint, str]]:
    stand_in = TokenEndpoint()
    try:
        with serve_asgi(stand_in.app) as url:
            yield stand_in, url
    finally:
        stand_in.release.set()


@contextlib.asynccontextmanager
async def server(pg_url: str, upstream: str, tmp: Path, **more: Any) -> AsyncIterator[Trunkline]:
    settings = Settings(
        data_dir=tmp,
        database_url=pg_url,
        master_keys=KEY,
        sandbox=False,
        upstreams={"ringcentral": upstream},
        oauth_client_ids={"ringcentral": "client"},
        oauth_client_secrets={"ringcentral": "secret"},
        **more,
    )
    app = Trunkline(settings)
    async with run_lifespan(app):
        yield app


async def oauth_connection(app: Trunkline) -> str:
    """An ACTIVE live RingCentral connection whose access token ``a0`` has expired."""
    services = app.services
    conn_id = str(uuid.uuid4())
    async with services.sessions() as db, db.begin():
        account = await accounts.first_account(db)
        assert account is not None
        credential = {"access_token": "a0", "refresh_token": "r0", "expires_at": "1"}
        db.add(
            Connection(
                id=conn_id,
                account_id=account.id,
                app="ringcentral",
                mode="live",
                method="OAUTH2",
                status="ACTIVE",
                credential=services.vault.encrypt(credential, conn_id),
                meta={},
                created_at=now(),
                updated_at=now(),
            )
        )
    return conn_id


async def stored(app: Trunkline, conn_id: str) -> tuple[dict[str, str], str | None]:
    async with app.services.sessions() as db:
        conn = await db.get(Connection, conn_id)
        assert conn is not None
        return app.services.vault.decrypt(conn.credential or "", conn_id), conn.refresh_holder


async def until(check: Any, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "not within the deadline"
        await asyncio.sleep(0.02)


async def test_two_servers_on_one_database_make_one_token_call(
    pg_url: str, endpoint: tuple[TokenEndpoint, str], tmp_path: Path
) -> None:
    stand_in, url = endpoint
    stand_in.hold = True
    async with (
        server(pg_url, url, tmp_path / "one") as one,
        server(pg_url, url, tmp_path / "two") as two,
    ):
        conn_id = await oauth_connection(one)
        provider = one.catalogue.providers["ringcentral"]
        first, second = (
            TokenRefresher(one.services.connections),
            TokenRefresher(two.services.connections),
        )
        calls = [
            asyncio.create_task(refresher.refresh(conn_id, provider, "a0"))
            for refresher in (first, second)
        ]
        await until(stand_in.started.is_set)
        stand_in.release.set()
        answers = await asyncio.gather(*calls)
        assert [a["access_token"] for a in answers] == ["a1", "a1"]
        assert stand_in.calls == 1
        assert sorted([*first.outcomes, *second.outcomes]) == ["refreshed", "reused"]
        credentials, holder = await stored(one, conn_id)
        assert credentials["refresh_token"] == "r1" and holder is None


async def test_a_slow_token_call_leaves_a_pool_of_one_free(
    pg_url: str, endpoint: tuple[TokenEndpoint, str], tmp_path: Path
) -> None:
    stand_in, url = endpoint
    stand_in.hold = True
    async with server(pg_url, url, tmp_path, database_pool_size=1, database_max_overflow=0) as app:
        conn_id = await oauth_connection(app)
        async with app.services.sessions() as db, db.begin():
            owner = await accounts.first_account(db)
            assert owner is not None
            key = (await accounts.issue_key(db, owner.id, Mode.LIVE, "pool")).plaintext
        refresher = TokenRefresher(app.services.connections)
        flight = asyncio.create_task(
            refresher.refresh(conn_id, app.catalogue.providers["ringcentral"], "a0")
        )
        await until(stand_in.started.is_set)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            listed = await client.get("/connections", headers={"Authorization": f"Bearer {key}"})
        # Answered from the only pooled connection while the provider still has not answered.
        assert listed.status_code == 200, listed.text
        assert [c["connection_id"] for c in listed.json()["connections"]] == [conn_id]
        assert not flight.done()
        stand_in.release.set()
        assert (await flight)["access_token"] == "a1"


async def test_a_dead_holders_lease_runs_out_and_the_next_caller_refreshes(
    pg_url: str, endpoint: tuple[TokenEndpoint, str], tmp_path: Path
) -> None:
    stand_in, url = endpoint
    async with (
        server(pg_url, url, tmp_path / "dead") as dead,
        server(pg_url, url, tmp_path / "next") as following,
    ):
        conn_id = await oauth_connection(dead)
        provider = dead.catalogue.providers["ringcentral"]
        # What a holder that crashed right after taking the lease leaves behind.
        claim = await TokenRefresher(dead.services.connections, lease_ttl=1.0)._claim(
            conn_id, provider, "a0"
        )
        assert claim is not None and claim[2] is not None
        _, holder = await stored(dead, conn_id)
        assert holder == claim[2]
        async with following.services.sessions() as db:
            row = await db.get(Connection, conn_id)
            assert row is not None and row.refresh_lease_until is not None
            expiry = row.refresh_lease_until
        refresher = TokenRefresher(following.services.connections, lock_timeout=10)
        fresh = await refresher.refresh(conn_id, provider, "a0")
        assert time.time() >= expiry  # it waited the lease out instead of racing the holder
        assert fresh["access_token"] == "a1" and stand_in.calls == 1
        assert refresher.outcomes == {"refreshed": 1}
        credentials, holder = await stored(following, conn_id)
        assert credentials["access_token"] == "a1" and holder is None


async def test_a_refused_or_failed_token_call_frees_the_lease(
    pg_url: str, endpoint: tuple[TokenEndpoint, str], tmp_path: Path
) -> None:
    stand_in, url = endpoint
    async with (
        server(pg_url, url, tmp_path / "up") as app,
        server(pg_url, f"http://127.0.0.1:{free_port()}", tmp_path / "down") as unreachable,
    ):
        conn_id = await oauth_connection(app)
        provider = app.catalogue.providers["ringcentral"]
        # The provider cannot be reached: a retryable error, the connection stays ACTIVE.
        with pytest.raises(UpstreamUnavailable):
            await TokenRefresher(unreachable.services.connections).refresh(conn_id, provider, "a0")
        assert (await stored(app, conn_id))[1] is None
        # The provider refuses the refresh token: FAILED with the reconnect hint (424).
        stand_in.valid.clear()
        with pytest.raises(CredentialsExpired):
            await TokenRefresher(app.services.connections).refresh(conn_id, provider, "a0")
        async with app.services.sessions() as db:
            row = await db.get(Connection, conn_id)
            assert row is not None
            assert (row.status, row.refresh_holder, row.refresh_lease_until) == (
                "FAILED",
                None,
                None,
            )
