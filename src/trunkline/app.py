"""The trunkline server: one origin for the control API, the connect page, the sandboxes and the
gateway. Reserved first path segments go to the web app; every other path is the gateway's.

This module is the composition root: it builds every part once and hands each one what it
needs. ``Trunkline(settings, upstream=...)`` takes another ``Upstream`` for tests; mounted
sandboxes are always called in-process, never over a socket to ourselves.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlsplit

import httpx
from redis.asyncio import BlockingConnectionPool, Redis
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import BaseRoute, Mount, Route, Router
from starlette.types import ASGIApp, Receive, Scope, Send

from trunkline import bootstrap, metrics
from trunkline.auth.oauth2 import OAuthApps, OAuthClient
from trunkline.catalogue import RESERVED, Catalogue
from trunkline.client import AsyncClient
from trunkline.connect.routes import routes as connect_routes
from trunkline.connections import ConnectionService
from trunkline.connections.refresh import TokenRefresher
from trunkline.control.destinations import routes as destination_routes
from trunkline.control.events import routes as event_routes
from trunkline.control.http import EXCEPTION_HANDLERS, RequestId
from trunkline.control.openapi import routes as openapi_routes
from trunkline.control.routes import routes as control_routes
from trunkline.enums import Mode
from trunkline.events.inbox import EventService
from trunkline.events.ingest import Ingest
from trunkline.events.notify import Notifier, PostgresNotifier, RedisNotifier
from trunkline.events.subscriptions import SubscriptionService
from trunkline.forwarding.service import ForwardingService
from trunkline.forwarding.worker import DeliveryWorker
from trunkline.gateway.accesslog import AccessLog
from trunkline.gateway.backoff import Pauses
from trunkline.gateway.proxy import Gateway
from trunkline.gateway.resolver import Resolver
from trunkline.idempotency import IdempotencyStore
from trunkline.ingress.routes import routes as ingress_routes
from trunkline.invalidation import Invalidation
from trunkline.lifespan import run_lifespan
from trunkline.mcp.http import McpEndpoint
from trunkline.sandbox import SandboxSpec, available_sandboxes, load_sandbox
from trunkline.sandbox.kit import SandboxConfig
from trunkline.scopes import SendBudget
from trunkline.services import Services
from trunkline.settings import Settings
from trunkline.store import make_engine, sessions
from trunkline.throttle import LocalThrottle, RedisThrottle, Throttle
from trunkline.transport import AsgiUpstream, RoutedUpstream, Upstream
from trunkline.transport.aio import AiohttpUpstream
from trunkline.transport.pool import PoolUpstream
from trunkline.vault import Vault

log = logging.getLogger("trunkline")


class Trunkline:
    """``Trunkline(settings)`` is the ASGI app ``trunkline serve`` runs."""

    def __init__(
        self,
        settings: Settings,
        catalogue: Catalogue | None = None,
        upstream: Upstream | None = None,
    ) -> None:
        self.settings = settings
        extra = [settings.providers_dir] if settings.providers_dir else []
        self.catalogue = catalogue or Catalogue.load(*extra)
        self.sandboxes = self._sandboxes()
        for app, url in settings.upstreams.items():
            if app in self.catalogue.providers:
                self.catalogue.point(app, url)
        mounts = [Mount(f"/sandbox/{app}", asgi) for app, (_, asgi) in self.sandboxes.items()]
        base_path = urlsplit(settings.base_url).path.rstrip("/")
        routed = RoutedUpstream(upstream or self._real_hosts())
        if mounts:
            in_process = AsgiUpstream(Router(routes=list(mounts)), settings.upstream_read_timeout)
            routed.mount(settings.base_url + "/sandbox/", _Rooted(in_process, base_path))
        self.upstream = routed

        engine = make_engine(
            settings.store_url, settings.database_pool_size, settings.database_max_overflow
        )
        vault = Vault.at(
            settings.master_keys.get_secret_value() if settings.master_keys else None,
            settings.resolved_data_dir,
        )
        maker = sessions(engine)
        connections = ConnectionService(
            maker,
            self.catalogue,
            vault,
            routed,
            self._oauth_apps(),
            base_url=settings.base_url,
            session_ttl=settings.connect_session_ttl,
            newest_default=settings.default_connection == "newest",
        )
        self.redis: Redis | None = None
        throttle: Throttle = LocalThrottle(settings.throttle_wait, share=settings.workers)
        # Keys' send budgets: the same sliding windows, never waiting (over budget is a 429).
        budget = SendBudget(LocalThrottle(0.0, share=settings.workers))
        if settings.redis_url is not None:
            # A burst waits its turn for one of 100 connections rather than failing at the
            # cap; bounded waits everywhere, so an unreachable Redis costs a request little
            # (the throttle falls back to in-process limits).
            pool = BlockingConnectionPool.from_url(
                settings.redis_url.get_secret_value(),
                max_connections=100,
                timeout=2,
                socket_connect_timeout=1,
                socket_timeout=2,
            )
            self.redis = Redis.from_pool(pool)
            throttle = RedisThrottle(self.redis, settings.throttle_wait, share=settings.workers)
            budget = SendBudget(RedisThrottle(self.redis, 0.0, share=settings.workers))
        self.notifier = self._notifier(engine.url.render_as_string(hide_password=False))
        events = EventService(
            maker,
            self.notifier,
            dialect=engine.dialect.name,
            retention_days=settings.events_retention_days,
        )
        subscriptions = SubscriptionService(
            maker, self.catalogue, vault, routed, connections, throttle
        )
        connections.deleting.append(subscriptions.remove_all)
        connections.activated.append(self._subscribe_on_activation(subscriptions))
        ingest = Ingest(self.catalogue, connections, subscriptions, events)
        forwarding = ForwardingService.from_settings(
            maker, vault, settings, dialect=engine.dialect.name
        )
        self.delivery_worker = DeliveryWorker.from_settings(forwarding, settings)
        events.on_event(forwarding.on_event)
        self.services = Services(
            settings,
            self.catalogue,
            vault,
            engine,
            maker,
            routed,
            connections,
            events,
            subscriptions,
            ingest,
            forwarding,
        )
        refresher = TokenRefresher(connections, lock_timeout=settings.oauth_refresh_lock_timeout)
        resolver = Resolver(connections, settings.cache_ttl, refresher)
        self.invalidation: Invalidation | None = None
        if self.redis is not None:  # replicas drop each other's stale cache entries at once
            invalidation = self.invalidation = Invalidation(self.redis)
            connections.publishers.append(lambda a: invalidation.publish_soon("account", a))
            invalidation.on("account", lambda a: connections.changed(a, here=False))
            invalidation.on("keys", resolver.forget_keys)
        access_log = AccessLog(logging.getLogger("trunkline.access").isEnabledFor(logging.INFO))
        self.idempotency = IdempotencyStore(
            maker,
            engine.dialect.name,
            ttl=settings.idempotency_ttl,
            wait=settings.idempotency_wait,
            # Held this long before a dead owner's claim may be taken over: longer than any
            # answer takes, so a live one never is.
            lease=300.0 + settings.upstream_read_timeout + settings.retry_budget,
            max_body=settings.idempotency_max_body,
        )
        self.gateway = Gateway(
            self.catalogue,
            resolver,
            throttle,
            routed,
            settings.max_request_body,
            access_log,
            idempotency=self.idempotency,
            pauses=Pauses(settings.backoff_max, settings.throttle_wait),
            retry_budget=settings.retry_budget,
            retry_attempts=settings.retry_attempts,
            budget=budget,
        )
        self.metrics = metrics.registry(
            metrics.Sources(
                self.gateway.stats,
                throttle.stats,
                self.gateway.pauses,
                self.idempotency.stats,
                refresher,
                ingest.counters,
            )
        )
        token = settings.metrics_token.get_secret_value() if settings.metrics_token else None
        self.metrics_token = token
        # MCP over Streamable HTTP: the tools call this app in-process with each request's key.
        self.mcp = McpEndpoint(
            self._mcp_client, self.services.caller, audit_bodies=settings.audit_bodies
        )
        routes: list[BaseRoute] = [
            Route("/mcp", self.mcp),
            *metrics.routes(self.metrics, token),
            *control_routes(self.services),
            *event_routes(self.services),
            *destination_routes(self.services),
            *openapi_routes(),
            *connect_routes(self.services),
            *ingress_routes(
                ingest, settings.base_url, settings.trusted_proxy, settings.webhook_max_body
            ),
        ]
        self.web = Starlette(
            routes=[*routes, *mounts],
            middleware=[Middleware(RequestId)],
            exception_handlers=EXCEPTION_HANDLERS,
            lifespan=self._lifespan,
        )
        self.ready = False

    def _real_hosts(self) -> Upstream:
        settings = self.settings
        if settings.upstream_client == "aiohttp":
            return AiohttpUpstream(
                settings.upstream_connect_timeout, settings.upstream_read_timeout
            )
        return PoolUpstream(
            settings.upstream_connect_timeout,
            settings.upstream_read_timeout,
            max_per_key=settings.upstream_connections_per_credential,
            proxy=settings.upstream_proxy,
        )

    def _sandboxes(self) -> dict[str, tuple[SandboxSpec, ASGIApp]]:
        """The mounted sandboxes; test-mode traffic of their apps goes to them."""
        mounted: dict[str, tuple[SandboxSpec, ASGIApp]] = {}
        if not self.settings.sandbox:
            return mounted
        config = SandboxConfig(
            data_dir=self.settings.resolved_data_dir,
            speed=self.settings.sandbox_speed,
            transport=_SelfFirst(self, self.settings.base_url),
        )
        for app in available_sandboxes():
            if app in self.catalogue.providers:
                spec = load_sandbox(app)
                mounted[app] = (spec, spec.create_app(config))
                self.catalogue.mount_sandbox(app, f"{self.settings.base_url}/sandbox/{app}")
        return mounted

    def _notifier(self, store_url: str) -> Notifier:
        """How long-polls on other replicas hear of a new event: Redis when configured, else
        PostgreSQL's LISTEN/NOTIFY; SQLite is one node (in-process wake-ups)."""
        if self.redis is not None:
            return RedisNotifier(self.redis)
        if store_url.startswith("postgresql"):
            return PostgresNotifier(store_url.replace("postgresql+asyncpg://", "postgresql://"))
        return Notifier()

    def _subscribe_on_activation(self, subscriptions: SubscriptionService) -> Any:
        """Sandbox connections are always subscribed (the offline loop closes by itself); live
        ones when ``TRUNKLINE_AUTO_SUBSCRIBE`` asks for it."""
        auto = self.settings.auto_subscribe

        async def subscribe(conn: Any, credentials: dict[str, str]) -> None:
            sandbox = conn.mode == Mode.TEST.value and (conn.meta or {}).get("sandbox")
            if sandbox:
                await subscriptions.subscribe_sandbox(conn, credentials)
            elif auto and conn.mode == Mode.LIVE.value:
                await subscriptions.subscribe_sandbox(conn, credentials, mode=Mode.LIVE)

        return subscribe

    def _mcp_client(self, api_key: str) -> AsyncClient:
        transport = httpx.ASGITransport(app=self)
        return AsyncClient(
            api_key, base_url=self.settings.base_url, transport=transport, timeout=120
        )

    def _oauth_apps(self) -> OAuthApps:
        """Live mode: the clients from settings. Test mode: each mounted sandbox's own app."""
        secrets = self.settings.oauth_client_secrets
        live = {
            app: OAuthClient(client_id, secrets[app].get_secret_value() if app in secrets else None)
            for app, client_id in self.settings.oauth_client_ids.items()
        }
        test = {
            app: OAuthClient(**spec.oauth_client)
            for app, (spec, _) in self.sandboxes.items()
            if spec.oauth_client
        }
        return OAuthApps(self.catalogue, live, test)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self.ready:
            path: str = scope["path"]
            first = path[1:].split("/", 1)[0]
            if first and first not in RESERVED:
                await self.gateway(scope, receive, send)
                return
        await self.web(scope, receive, send)

    @contextlib.asynccontextmanager
    async def _lifespan(self, _app: Any) -> AsyncIterator[None]:
        settings, services = self.settings, self.services
        await bootstrap.prepare(settings)
        services.vault.reload()
        seeded = {app: spec.credentials for app, (spec, _) in self.sandboxes.items()}
        try:
            async with contextlib.AsyncExitStack() as stack:
                for _, asgi in self.sandboxes.values():
                    await stack.enter_async_context(run_lifespan(asgi))
                await services.connections.settle_legacy_modes(_seeded_credentials())
                await self.notifier.start()
                stack.push_async_callback(self.notifier.stop)
                if self.invalidation is not None:
                    await self.invalidation.start()
                    stack.push_async_callback(self.invalidation.stop)
                await services.connections.adopt_sandboxes(seeded)
                await stack.enter_async_context(self.mcp.run())
                retention = asyncio.create_task(services.events.run_retention())
                stack.callback(retention.cancel)
                await self.delivery_worker.start()
                stack.push_async_callback(self.delivery_worker.stop)
                purge = asyncio.create_task(self.idempotency.run_purge())
                stack.callback(purge.cancel)
                if settings.metrics_port is not None:
                    await stack.enter_async_context(
                        metrics.separate_port(
                            self.metrics, self.metrics_token, settings.host, settings.metrics_port
                        )
                    )
                self.ready = True
                yield
        finally:
            self.ready = False
            await self.upstream.close()
            if self.redis is not None:
                await self.redis.aclose()
            await services.engine.dispose()


class _SelfFirst(httpx.AsyncBaseTransport):
    """The sandboxes' outbound webhooks: those addressed to this server go to it in-process
    (no socket, so the offline loop also closes in ``trunkline.client.testing``); any other
    URL (a user's own receiver) goes over the network."""

    def __init__(self, app: ASGIApp, base_url: str) -> None:
        self.base_url = base_url + "/"
        self.local = httpx.ASGITransport(app=app)
        self.network = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if str(request.url).startswith(self.base_url):
            return await self.local.handle_async_request(request)
        return await self.network.handle_async_request(request)

    async def aclose(self) -> None:
        await self.network.aclose()


class _Rooted:
    """An in-process upstream behind a public URL with a path (``https://host/trunkline``):
    the mounted apps see the path below it, as they would behind the same proxy."""

    def __init__(self, inner: AsgiUpstream, base_path: str) -> None:
        self.inner = inner
        self.base_path = base_path

    def request(self, method: str, url: str, headers: Any, body: Any = None, **kw: Any) -> Any:
        if self.base_path:
            parts = urlsplit(url)
            path = parts.path.removeprefix(self.base_path) or "/"
            url = parts._replace(path=path).geturl()
        return self.inner.request(method, url, headers, body, **kw)

    async def close(self) -> None:
        await self.inner.close()


def _seeded_credentials() -> dict[str, dict[str, str]]:
    """Every built-in sandbox's seeded credential, mounted or not: a legacy row holding one
    always talked to that sandbox."""
    return {app: load_sandbox(app).credentials for app in available_sandboxes()}


def create_app(settings: Settings | None = None, upstream: Upstream | None = None) -> Trunkline:
    return Trunkline(settings or Settings(), upstream=upstream)
