"""Every setting, once: its type, default and help. Read from ``TRUNKLINE_*`` environment variables.

Build a :class:`Settings` once (``Settings()`` reads the environment) and pass it down; no other
module reads ``os.environ``. Secrets are ``SecretStr`` so reprs and logs show ``'**********'``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
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
        description="HTTP server `trunkline serve` runs on (both in-process, one worker).",
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
        description="Mount the offline provider sandboxes and point the catalogue at them.",
    )
    sandbox_speed: float = Field(
        default=1.0, gt=0, description="Divides the sandboxes' simulated delays."
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

    def upstream_overrides(self) -> dict[str, str]:
        """``TRUNKLINE_UPSTREAM_<APP>=url`` pins one app's upstream base URL by hand."""
        prefix = "TRUNKLINE_UPSTREAM_"
        return {
            name[len(prefix) :].lower(): value.rstrip("/")
            for name, value in os.environ.items()
            if name.startswith(prefix) and value
        }

    def oauth_clients(self) -> dict[str, tuple[str, SecretStr | None]]:
        """``TRUNKLINE_OAUTH_<APP>_CLIENT_ID`` (and ``_CLIENT_SECRET``): trunkline's OAuth2
        client at a provider, for OAuth2 apps (the secret stays masked in reprs and logs)."""
        prefix, suffix = "TRUNKLINE_OAUTH_", "_CLIENT_ID"
        clients: dict[str, tuple[str, SecretStr | None]] = {}
        for name, value in os.environ.items():
            if name.startswith(prefix) and name.endswith(suffix) and value:
                app = name[len(prefix) : -len(suffix)]
                secret = os.environ.get(f"{prefix}{app}_CLIENT_SECRET")
                clients[app.lower()] = (value, SecretStr(secret) if secret else None)
        return clients
