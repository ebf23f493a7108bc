"""Forwarding under test: the service, its worker and its routes on one store (SQLite or
PostgreSQL), and receivers on real 127.0.0.1 sockets that verify every delivery with the
``standardwebhooks`` package."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from aiohttp import web
from standardwebhooks.webhooks import Webhook, WebhookVerificationError
from starlette.applications import Starlette
from starlette.middleware import Middleware

from tests.support.servers import free_port
from trunkline import accounts
from trunkline.accounts import Caller
from trunkline.control.destinations import routes
from trunkline.control.http import EXCEPTION_HANDLERS, RequestId
from trunkline.enums import Mode
from trunkline.forwarding import DeliveryWorker, ForwardingService
from trunkline.settings import Settings
from trunkline.store import Event, make_engine, migrate, sessions
from trunkline.timeutil import now
from trunkline.vault import Vault, new_key_line, parse_keys

CONN = "11111111-1111-4111-8111-111111111111"
FAST = {
    "allow_private_destinations": True,
    "delivery_timeout": 2.0,
    "delivery_retry_schedule": (0.05, 0.1, 0.2),
    "delivery_retry_window": 60.0,
}


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'store.db'}"
    else:
        yield request.getfixturevalue("pg_url")


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'store.db'}"


# -- the receiver ------------------------------------------------------------------------------


@dataclass
class Hit:
    path: str
    headers: dict[str, str]
    body: bytes
    payload: Any  # the verified JSON, or None when the signature did not verify


Responder = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass
class Receiver:
    """An HTTP endpoint on 127.0.0.1 that verifies Standard Webhooks signatures. Paths are
    ``/hook/<name>``; ``secrets[name]`` is the secret to verify that path's deliveries with."""

    port: int = field(default_factory=free_port)
    secrets: dict[str, str] = field(default_factory=dict)
    hits: list[Hit] = field(default_factory=list)
    respond: Responder | None = None  # None: 204 for a verified delivery
    _runner: web.AppRunner | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, name: str) -> str:
        return f"{self.base}/hook/{name}"

    async def start(self) -> Receiver:
        app = web.Application()
        app.router.add_route("*", "/hook/{name}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port, reuse_address=True).start()
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        body = await request.read()
        headers = dict(request.headers)
        payload = None
        secret = self.secrets.get(name)
        if secret is not None:
            with contextlib.suppress(WebhookVerificationError):
                payload = Webhook(secret).verify(body, headers)
        self.hits.append(Hit(name, {k.lower(): v for k, v in headers.items()}, body, payload))
        if payload is None:
            return web.Response(status=400, text="bad signature")
        if self.respond is not None:
            return await self.respond(request)
        return web.Response(status=204)

    def verified(self, name: str | None = None) -> list[Hit]:
        return [h for h in self.hits if h.payload is not None and name in (None, h.path)]


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    r = await Receiver().start()
    try:
        yield r
    finally:
        await r.stop()


# -- the service, its worker and its API -------------------------------------------------------


@dataclass
class Env:
    sessions: Any
    forwarding: ForwardingService
    worker: DeliveryWorker
    api: httpx.AsyncClient
    account_id: str
    keys: dict[str, str]  # "test", "live", "other" (another account's test key)
    other_account_id: str

    async def caller(self, authorization: str | None) -> Caller:
        key = accounts.bearer_key(authorization)
        async with self.sessions() as db:
            return await accounts.authenticate(db, key)

    def auth(self, key: str = "test") -> dict[str, str]:
        return {"authorization": f"Bearer {self.keys[key]}"}

    async def call(self, method: str, path: str, key: str = "test", **kw: Any) -> httpx.Response:
        return await self.api.request(method, path, headers=self.auth(key), **kw)

    async def destination(
        self, receiver: Receiver, name: str, types: list[str] | None = None, **extra: Any
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"url": receiver.url(name), **extra}
        if types is not None:
            body["types"] = types
        r = await self.call("POST", "/event-destinations", json=body)
        assert r.status_code == 201, r.text
        dst: dict[str, Any] = r.json()["destination"]
        receiver.secrets[name] = dst["secret"]
        return dst

    async def event(
        self,
        type_: str = "message.received",
        *,
        mode: str = "test",
        account_id: str | None = None,
        connection_id: str = CONN,
        announce: bool = True,
    ) -> Event:
        """An event as the ingest side stores it, then announced to forwarding."""
        stamp = now()
        row = Event(
            id="evt_" + uuid.uuid4().hex[:26],
            account_id=account_id or self.account_id,
            connection_id=connection_id,
            mode=mode,
            app="quo",
            type=type_,
            dedupe_key=uuid.uuid4().hex,
            occurred_at=stamp,
            received_at=stamp,
            data={"object": {"id": "AC1", "body": "héllo"}},
            raw={"type": type_},
        )
        async with self.sessions() as db, db.begin():
            db.add(row)
        if announce:
            await self.forwarding.on_event(row)
        return row

    async def deliveries(self, dst_id: str, key: str = "test") -> list[dict[str, Any]]:
        r = await self.call("GET", f"/event-destinations/{dst_id}/deliveries")
        assert r.status_code == 200, r.text
        found: list[dict[str, Any]] = r.json()["deliveries"]
        return found


async def wait_for(check: Callable[[], Any], timeout: float = 10.0, every: float = 0.02) -> Any:
    """Poll ``check`` (sync or async) until it returns something truthy."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        await asyncio.sleep(every)


def settings(**overrides: Any) -> Settings:
    return Settings(**{**FAST, **overrides})


@contextlib.asynccontextmanager
async def open_env(
    store_url: str, vault: Vault | None = None, start: bool = True, **overrides: Any
) -> AsyncIterator[Env]:
    config = settings(**overrides)
    engine = make_engine(store_url)
    await migrate(engine)
    maker = sessions(engine)
    vault = vault or Vault(parse_keys(new_key_line(), "test"))
    forwarding = ForwardingService.from_settings(maker, vault, config, dialect=engine.dialect.name)
    worker = DeliveryWorker.from_settings(forwarding, config)
    worker.poll = 0.2
    async with maker() as db, db.begin():
        account = await accounts.create_account(db, f"acme-{uuid.uuid4().hex[:8]}")
        other = await accounts.create_account(db, f"globex-{uuid.uuid4().hex[:8]}")
        keys = {
            "test": (await accounts.issue_key(db, account.id, Mode.TEST)).plaintext,
            "live": (await accounts.issue_key(db, account.id, Mode.LIVE)).plaintext,
            "other": (await accounts.issue_key(db, other.id, Mode.TEST)).plaintext,
        }
    holder: dict[str, Env] = {}

    class _Services:
        @property
        def forwarding(self) -> ForwardingService:
            return holder["env"].forwarding

        async def caller(self, authorization: str | None) -> Caller:
            return await holder["env"].caller(authorization)

    app = Starlette(
        routes=routes(_Services()),
        middleware=[Middleware(RequestId)],
        exception_handlers=EXCEPTION_HANDLERS,
    )
    api = httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://trunkline.test")
    env = Env(maker, forwarding, worker, api, account.id, keys, other.id)
    holder["env"] = env
    if start:
        await worker.start()
    try:
        yield env
    finally:
        await worker.stop(grace=1)
        await api.aclose()
        await engine.dispose()


@pytest.fixture
async def env(store_url: str) -> AsyncIterator[Env]:
    async with open_env(store_url) as opened:
        yield opened


def body_of(hit: Hit) -> dict[str, Any]:
    parsed: dict[str, Any] = orjson.loads(hit.body)
    return parsed
