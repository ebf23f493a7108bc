"""Every setting, once: its type, default and help. Read from ``TRUNKLINE_*`` environment variables.

Build a :class:`Settings` once (``Settings()`` reads the environment) and pass it down; no other
module reads ``os.environ``. Secrets are ``SecretStr`` so reprs and logs show ``'**********'``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_PORT = 8470


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TRUNKLINE_", extra="ignore", frozen=True)

    data_dir: Path = Field(
        default=Path("~/.trunkline"),
        description="Where the embedded default keeps its SQLite database, master key and "
        "sandbox state. Created on first start.",
    )
    host: str = Field(default="127.0.0.1", description="Address `trunkline serve` binds to.")
    port: int = Field(default=DEFAULT_PORT, ge=0, le=65535, description="Port to listen on.")
    server: Literal["uvicorn", "granian"] = Field(
        default="uvicorn",
        description="HTTP server `trunkline serve` runs on. uvicorn (httptools) enforces every "
        "inbound limit below; granian enforces only the header caps and the header timeout (see "
        "docs/performance.md).",
    )
    workers: int = Field(
        default=1,
        ge=1,
        le=64,
        description="Worker processes serving the one port (pre-forked, shared socket). A "
        "worker that dies is replaced. Per-worker: caches and, without Redis, provider rate "
        "limits (each worker gets 1/N of every limit).",
    )
    max_header_bytes: int = Field(
        default=32 * 1024,
        ge=1024,
        description="Largest request head (request line and headers) accepted; larger: 431.",
    )
    max_headers: int = Field(
        default=100, ge=8, description="Most request header fields accepted; more: 431."
    )
    header_timeout: float = Field(
        default=10.0,
        gt=0,
        description="Seconds a client has to send a whole request head once it starts one (or "
        "once it connects); slower (slowloris): the connection is closed.",
    )
    body_timeout: float = Field(
        default=30.0,
        gt=0,
        description="Longest silence (seconds) while a request body is being received; "
        "longer: 408 (or a close) and nothing more is forwarded.",
    )
    keep_alive_timeout: float = Field(
        default=15.0, gt=0, description="Seconds an idle keep-alive connection stays open."
    )
    max_connections: int = Field(
        default=4096,
        ge=16,
        description="Most open client connections per worker (also held under the open-file "
        "limit). At the cap a new connection replaces the longest-waiting idle one.",
    )
    shutdown_timeout: float = Field(
        default=10.0,
        ge=0,
        description="Seconds a stopping worker lets in-flight requests finish (SIGTERM).",
    )
    public_url: str | None = Field(
        default=None,
        description="Base URL people and clients reach this server at (used in connect-page "
        "links). Default: http://HOST:PORT.",
    )
    database_url: SecretStr | None = Field(
        default=None,
        description="SQLAlchemy URL of the state store, e.g. "
        "postgresql+asyncpg://user@host/db. Default: SQLite in the data dir.",
    )
    database_pool_size: int = Field(
        default=10,
        ge=1,
        description="Database connections each worker keeps open (PostgreSQL). Budget the "
        "server's `max_connections` for replicas x workers x (this + the overflow).",
    )
    database_max_overflow: int = Field(
        default=20,
        ge=0,
        description="Extra database connections a worker may open above the pool in a burst "
        "(closed again when returned).",
    )
    redis_url: SecretStr | None = Field(
        default=None,
        description="Redis URL for rate limits and locks shared between replicas. "
        "Default: in-process (one replica).",
    )
    master_keys: SecretStr | None = Field(
        default=None,
        description="Comma-separated master keys `kid:base64-32-bytes`; the first encrypts, all "
        "decrypt. Default: a generated key file (mode 0600) in the data dir.",
    )
    providers_dir: Path | None = Field(
        default=None,
        description="A directory of extra provider YAML files, loaded beside the built-in ones.",
    )
    sandbox: bool = Field(
        default=True,
        description="Mount the offline provider sandboxes; test-mode keys and connections use "
        "them. Off (`--no-sandbox`): test mode is unavailable, live mode only.",
    )
    sandbox_speed: float = Field(
        default=1.0, gt=0, description="Divides the sandboxes' simulated delays."
    )
    upstream_client: Literal["pool", "aiohttp"] = Field(
        default="pool",
        description="HTTP client to providers: trunkline's own keep-alive pool (a quarter of "
        "aiohttp's CPU per request) or aiohttp.",
    )
    upstream_proxy: str | None = Field(
        default=None,
        description="An http:// proxy for all traffic to providers (egress-controlled "
        "deployments); `pool` client only.",
    )
    upstream_connections_per_credential: int = Field(
        default=64,
        gt=0,
        description="Most connections one credential may hold to a provider at once, so one "
        "tenant's slow uploads cannot starve the others.",
    )
    upstream_connect_timeout: float = Field(
        default=10.0, gt=0, description="Seconds to open a connection to a provider."
    )
    upstream_read_timeout: float = Field(
        default=60.0, gt=0, description="Seconds to wait for each read from a provider."
    )
    max_request_body: int = Field(
        default=50 * 1024 * 1024, gt=0, description="Largest request body accepted (bytes)."
    )
    cache_ttl: float = Field(
        default=2.0,
        ge=0,
        description="Seconds the gateway may reuse an API-key or connection lookup; changes "
        "made through another process show up within this time.",
    )
    connect_session_ttl: int = Field(
        default=3600, gt=0, description="Seconds a connect-page link stays valid."
    )
    default_connection: Literal["oldest", "newest"] = Field(
        default="oldest",
        description="Which ACTIVE connection the gateway uses when no Maton-Connection is sent.",
    )
    throttle_wait: float = Field(
        default=2.0,
        ge=0,
        description="Longest time a request may queue for a provider's rate limit before the "
        "gateway answers 429.",
    )
    oauth_refresh_lock_timeout: float = Field(
        default=15.0,
        gt=0,
        description="Longest time a request waits for another process to finish refreshing an "
        "OAuth2 connection's token before the gateway answers 504 refresh_lock_timeout.",
    )
    log_level: str = Field(default="INFO", description="Python logging level.")
    events_retention_days: float = Field(
        default=30.0, gt=0, description="Days the event inbox keeps an event before purging it."
    )
    webhook_max_body: int = Field(
        default=1024 * 1024, gt=0, description="Largest provider webhook body accepted (bytes)."
    )
    trusted_proxy: bool = Field(
        default=False,
        description="Trust `X-Forwarded-Proto`/`X-Forwarded-Host` from the proxy in front when "
        "rebuilding the URL a provider signed (Twilio). Off: the URL is built from "
        "TRUNKLINE_PUBLIC_URL only.",
    )
    auto_subscribe: bool = Field(
        default=False,
        description="Register the webhook ingress with the provider when a live connection "
        "becomes ACTIVE (Quo, CallRail). Test-mode sandbox connections are always subscribed.",
    )
    allow_private_destinations: bool = Field(
        default=False,
        description="Let event destinations point at loopback, private, link-local or reserved "
        "addresses (checked when a destination is saved and again at every delivery). For "
        "tests and closed networks only.",
    )
    delivery_timeout: float = Field(
        default=10.0,
        gt=0,
        description="Seconds one event delivery may take, connect to last byte; slower is a "
        "failed attempt.",
    )
    delivery_response_limit: int = Field(
        default=65536,
        gt=0,
        description="Most bytes of a destination's response body read per delivery; the rest "
        "is dropped with the connection.",
    )
    delivery_retry_schedule: tuple[float, ...] = Field(
        default=(5, 30, 120, 600, 1800, 3600, 10800, 21600, 43200),
        min_length=1,
        description="Seconds before each retry of a failed delivery, as the ceiling of a "
        "random (full-jitter) wait; the last one repeats until the retry window ends. JSON "
        "list, e.g. `[5, 30, 120]`.",
    )
    delivery_retry_window: float = Field(
        default=86400.0,
        gt=0,
        description="Seconds after an event is queued during which a failing delivery is "
        "retried; then it is abandoned. A destination failing for this long is disabled.",
    )
    delivery_max_attempts: int = Field(
        default=15, ge=1, description="Most attempts one delivery gets, retry window or not."
    )
    destination_disable_after: int = Field(
        default=5,
        ge=1,
        description="Abandoned deliveries in a row (no success between) that disable a "
        "destination.",
    )
    # -- safe sends and observability ------------------------------------------------------
    idempotency_ttl: float = Field(
        default=86400.0,
        gt=0,
        description="Seconds a gateway `Idempotency-Key` (POST/PATCH) is remembered: a repeat "
        "within this time gets the stored answer instead of a second send.",
    )
    idempotency_wait: float = Field(
        default=10.0,
        ge=0,
        description="Longest time a repeat waits for the first request with the same "
        "`Idempotency-Key` to finish before the gateway answers 409 idempotency_in_flight.",
    )
    idempotency_max_body: int = Field(
        default=1024 * 1024,
        ge=0,
        description="Largest response body stored for an idempotent replay (bytes); a larger "
        "one is recorded by status only and replayed without its body.",
    )
    retry_budget: float = Field(
        default=5.0,
        ge=0,
        description="Seconds the gateway may spend retrying an idempotent request (GET, HEAD, "
        "OPTIONS, PUT, DELETE) after a connect error, 429, 502, 503 or 504 from the provider. "
        "0: never retry.",
    )
    retry_attempts: int = Field(
        default=3, ge=0, description="Most retries of one request within the retry budget."
    )
    backoff_max: float = Field(
        default=60.0,
        ge=0,
        description="Longest pause honoured from a provider's `Retry-After` on a 429 or 503: "
        "meanwhile that credential's requests queue or get 429 here instead of reaching it.",
    )
    metrics_token: SecretStr | None = Field(
        default=None,
        description="Serve Prometheus metrics at `/metrics` to callers sending "
        "`Authorization: Bearer <this token>`. Unset: `/metrics` is 404.",
    )
    metrics_port: int | None = Field(
        default=None,
        ge=0,
        le=65535,
        description="Also serve `/metrics` on this port (on HOST); it asks for the metrics "
        "token only when one is set.",
    )
    upstreams: dict[str, str] = Field(
        default_factory=dict,
        description="Pin one app's live upstream base URL by hand, one variable per app "
        "(e.g. `TRUNKLINE_UPSTREAM_QUO=http://127.0.0.1:9000`). Test mode always uses the "
        "sandboxes.",
        json_schema_extra={"env": "TRUNKLINE_UPSTREAM_<APP>"},
    )
    oauth_client_ids: dict[str, str] = Field(
        default_factory=dict,
        description="The OAuth2 client id trunkline uses with the real provider of an OAuth2 "
        "app, one variable per app (test mode uses the sandbox's own client).",
        json_schema_extra={"env": "TRUNKLINE_OAUTH_<APP>_CLIENT_ID"},
    )
    oauth_client_secrets: dict[str, SecretStr] = Field(
        default_factory=dict,
        description="The matching OAuth2 client secret, one variable per app.",
        json_schema_extra={"env": "TRUNKLINE_OAUTH_<APP>_CLIENT_SECRET"},
    )

    @model_validator(mode="before")
    @classmethod
    def _per_app_variables(cls, data: Any) -> Any:
        """Collect the per-app variables; values passed in code win over the environment."""
        if not isinstance(data, dict):
            return data
        found: dict[str, dict[str, str]] = {
            "upstreams": {},
            "oauth_client_ids": {},
            "oauth_client_secrets": {},
        }
        for name, value in os.environ.items():
            if not value or not name.startswith("TRUNKLINE_"):
                continue
            if name.startswith("TRUNKLINE_UPSTREAM_"):
                found["upstreams"][name[19:].lower()] = value.rstrip("/")
            elif name.startswith("TRUNKLINE_OAUTH_") and name.endswith("_CLIENT_ID"):
                found["oauth_client_ids"][name[16:-10].lower()] = value
            elif name.startswith("TRUNKLINE_OAUTH_") and name.endswith("_CLIENT_SECRET"):
                found["oauth_client_secrets"][name[16:-14].lower()] = value
        return {**{k: v for k, v in found.items() if v}, **data}

    @property
    def resolved_data_dir(self) -> Path:
        return self.data_dir.expanduser().resolve()

    @property
    def base_url(self) -> str:
        if self.public_url:
            return self.public_url.rstrip("/")
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::", "") else self.host  # noqa: S104
        return f"http://{host}:{self.port}"

    @property
    def store_url(self) -> str:
        if self.database_url is not None:
            return self.database_url.get_secret_value()
        return f"sqlite+aiosqlite:///{self.resolved_data_dir / 'trunkline.db'}"
