"""The trunkline server: one origin for the control API, the connect page, the sandboxes and the
gateway. Reserved first path segments go to the web app; every other path is the gateway's."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from redis.asyncio import Redis
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import BaseRoute, Mount
from starlette.types import ASGIApp, Receive, Scope, Send

from trunkline import bootstrap
from trunkline.catalogue import RESERVED, Catalogue
from trunkline.connect.oauth2 import OAuthApps, OAuthClient
from trunkline.connect.routes import routes as connect_routes
from trunkline.control.http import EXCEPTION_HANDLERS, RequestId
from trunkline.control.routes import ROUTES
from trunkline.gateway.accesslog import AccessLog
from trunkline.gateway.oauth import TokenRefresher
from trunkline.gateway.proxy import Gateway
from trunkline.gateway.resolver import Resolver
from trunkline.gateway.throttle import LocalThrottle, RedisThrottle, Throttle
from trunkline.gateway.upstream import open_client
from trunkline.lifespan import run_lifespan
from trunkline.sandbox import SandboxSpec, available_sandboxes, load_sandbox
from trunkline.sandbox.kit import SandboxConfig
from trunkline.services import Services
from trunkline.settings import Settings
from trunkline.store import make_engine, sessions
from trunkline.vault import Vault

log = logging.getLogger("trunkline")


class Trunkline:
    """``Trunkline(settings)`` is the ASGI app ``trunkline serve`` runs."""

    def __init__(self, settings: Settings, catalogue: Catalogue | None = None) -> None:
        self.settings = settings
        extra = [settings.providers_dir] if settings.providers_dir else []
        self.catalogue = catalogue or Catalogue.load(*extra)
        self.sandboxes: dict[str, tuple[SandboxSpec, ASGIApp]] = {}
        if settings.sandbox:
            config = SandboxConfig(
                data_dir=settings.resolved_data_dir, speed=settings.sandbox_speed
            )
            for app in available_sandboxes():
                if app in self.catalogue.providers:
                    spec = load_sandbox(app)
                    self.sandboxes[app] = (spec, spec.create_app(config))
                    self.catalogue.point(app, f"{settings.base_url}/sandbox/{app}")
        for app, url in settings.upstream_overrides().items():
            self.catalogue.point(app, url)
        self.oauth = OAuthApps(self.catalogue, self._oauth_clients())
        routes: list[BaseRoute] = [*ROUTES, *connect_routes()]
        routes += [Mount(f"/sandbox/{app}", asgi) for app, (_, asgi) in self.sandboxes.items()]
        self.web = Starlette(
            routes=routes,
            middleware=[Middleware(RequestId)],
            exception_handlers=EXCEPTION_HANDLERS,
            lifespan=self._lifespan,
        )
        self.web.state.oauth = self.oauth
        self.gateway: Gateway | None = None

    def _oauth_clients(self) -> dict[str, OAuthClient]:
        """A mounted sandbox's own OAuth app while the app points at it, else settings'."""
        clients = {
            app: OAuthClient(client_id, secret.get_secret_value() if secret else None)
            for app, (client_id, secret) in self.settings.oauth_clients().items()
        }
        for app, (spec, _) in self.sandboxes.items():
            mounted = f"{self.settings.base_url}/sandbox/{app}"
            if spec.oauth_client and self.catalogue.upstream(app) == mounted:
                clients[app] = OAuthClient(**spec.oauth_client)
        return clients

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self.gateway is not None:
            path: str = scope["path"]
            first = path[1:].split("/", 1)[0]
            if first and first not in RESERVED:
                await self.gateway(scope, receive, send)
                return
        await self.web(scope, receive, send)

    @contextlib.asynccontextmanager
    async def _lifespan(self, _app: Any) -> AsyncIterator[None]:
        settings = self.settings
        await bootstrap.prepare(settings)
        vault = Vault.from_env_or_file(
            settings.master_keys.get_secret_value() if settings.master_keys else None,
            settings.resolved_data_dir,
            create=False,
        )
        engine = make_engine(settings.store_url)
        maker = sessions(engine)
        http = open_client(settings.upstream_connect_timeout, settings.upstream_read_timeout)
        resolver = Resolver(
            maker,
            self.catalogue,
            vault,
            settings.cache_ttl,
            newest_default=settings.default_connection == "newest",
        )
        redis = None
        throttle: Throttle = LocalThrottle(settings.throttle_wait)
        if settings.redis_url is not None:
            redis = Redis.from_url(settings.redis_url.get_secret_value())
            throttle = RedisThrottle(redis, settings.throttle_wait)
        resolver.oauth = TokenRefresher(
            maker,
            engine.dialect.name,
            vault,
            http,
            self.oauth,
            redis=redis,
            lock_timeout=settings.oauth_refresh_lock_timeout,
        )
        services = Services(
            settings, self.catalogue, vault, engine, maker, http, resolver, throttle
        )
        self.web.state.services = services
        async with maker() as db, db.begin():
            await bootstrap.ensure_sandbox_connections(
                db,
                vault,
                self.catalogue,
                {app: spec.credentials for app, (spec, _) in self.sandboxes.items()},
            )
        access_log = AccessLog(logging.getLogger("trunkline.access").isEnabledFor(logging.INFO))
        self.gateway = Gateway(
            self.catalogue, resolver, throttle, http, settings.max_request_body, access_log
        )
        try:
            async with contextlib.AsyncExitStack() as stack:
                for _, asgi in self.sandboxes.values():
                    await stack.enter_async_context(run_lifespan(asgi))
                yield
        finally:
            self.gateway = None
            await http.close()
            if redis is not None:
                await redis.aclose()
            await engine.dispose()


def create_app(settings: Settings | None = None) -> Trunkline:
    return Trunkline(settings or Settings())
