"""The provider catalogue: one YAML file per app, validated when loaded."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml
from pydantic import ValidationError

from trunkline.catalogue.models import (
    ApiKeyAuth,
    BasicAuth,
    CredentialField,
    Links,
    NativeCredential,
    OAuth2Auth,
    Provider,
    RateLimit,
    Route,
)
from trunkline.enums import Mode
from trunkline.errors import ConfigError, TestModeUnavailable

PROVIDERS_DIR = Path(__file__).parent / "providers"
RESERVED = frozenset(
    {
        "connections",
        "connect",
        "apps",
        "mcp",
        "sandbox",
        "webhooks",
        "events",
        "event-destinations",
        "healthz",
        "openapi.json",
        "metrics",
        "user",
        ".well-known",
        "oauth",
    }
)


def load_provider(path: Path) -> Provider:
    try:
        raw = yaml.safe_load(path.read_text("utf-8"))
        provider = Provider.model_validate(raw)
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read provider file {path}: {exc}") from exc
    except ValidationError as exc:
        raise ConfigError(f"invalid provider file {path}:\n{exc}") from exc
    if provider.slug != path.stem:
        raise ConfigError(f"{path}: slug {provider.slug!r} must match the file name")
    if provider.slug in RESERVED:
        raise ConfigError(f"{path}: {provider.slug!r} is a reserved path segment")
    return provider


@dataclass(frozen=True)
class RouteTable:
    """Where an app's paths go in one mode: the first route whose prefix claims the path, else
    ``default``. Prefixes are whole segments (``/v1`` claims ``/v1`` and ``/v1/x``, not
    ``/v10``); a prefix ending in ``/`` claims everything below it."""

    default: str
    routes: tuple[tuple[str, str], ...] = ()

    def base(self, path: str) -> str:
        for prefix, upstream in self.routes:
            if path.startswith(prefix) and (
                prefix.endswith("/") or len(path) == len(prefix) or path[len(prefix)] in "/?"
            ):
                return upstream
        return self.default

    @property
    def bases(self) -> tuple[str, ...]:
        """Every distinct base URL, longest first (a link matches the most specific one)."""
        found = {self.default, *(upstream for _, upstream in self.routes)}
        return tuple(sorted(found, key=len, reverse=True))


@dataclass
class Catalogue:
    """The providers by slug, plus the base URL each one is reached at in each mode: live mode
    at the real provider (or an override), test mode at its mounted sandbox."""

    providers: dict[str, Provider]
    upstreams: dict[str, str] = field(default_factory=dict)
    sandboxes: dict[str, str] = field(default_factory=dict)
    # Live-mode routes by path prefix (the catalogue's ``routes``), until an override.
    routes: dict[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for slug, provider in self.providers.items():
            if provider.routes and slug not in self.routes:
                self.routes[slug] = tuple(
                    (r.prefix, str(r.upstream).rstrip("/")) for r in provider.routes
                )

    @classmethod
    def load(cls, *directories: Path) -> Catalogue:
        """Built-in providers plus any in ``directories`` (a later file may not reuse a slug)."""
        providers: dict[str, Provider] = {}
        for directory in (PROVIDERS_DIR, *directories):
            if not directory.is_dir():
                raise ConfigError(f"provider directory {directory} does not exist")
            for path in sorted(directory.glob("*.yaml")):
                provider = load_provider(path)
                if provider.slug in providers:
                    raise ConfigError(f"{path}: app {provider.slug!r} is already defined")
                providers[provider.slug] = provider
        return cls(providers, {slug: str(p.upstream).rstrip("/") for slug, p in providers.items()})

    def get(self, slug: str) -> Provider | None:
        return self.providers.get(slug)

    def upstream(self, slug: str, mode: Mode = Mode.LIVE) -> str:
        """The base URL credential checks and OAuth calls use: the one that serves the app's
        verification path (its only base unless the app routes paths to several)."""
        return self.route_table(slug, mode).base(self.providers[slug].verification.path)

    def route_table(self, slug: str, mode: Mode = Mode.LIVE) -> RouteTable:
        """Where each path of the app goes in ``mode``: a sandbox serves every path itself."""
        if mode is Mode.LIVE:
            return RouteTable(self.upstreams[slug], self.routes.get(slug, ()))
        sandbox = self.sandboxes.get(slug)
        if sandbox is None:
            raise TestModeUnavailable(
                f"test mode needs the {slug} sandbox, which this server does not mount "
                "(started with --no-sandbox, or no sandbox exists for it); use a live key"
            )
        return RouteTable(sandbox)

    def point(self, slug: str, base_url: str) -> None:
        """Send all of one app's live traffic somewhere else (``TRUNKLINE_UPSTREAM_<APP>``),
        its routes by path included."""
        if slug not in self.providers:
            raise ConfigError(f"cannot override the upstream of unknown app {slug!r}")
        self.upstreams[slug] = base_url.rstrip("/")
        self.routes[slug] = ()

    def mount_sandbox(self, slug: str, base_url: str) -> None:
        """Test-mode traffic of ``slug`` goes to its sandbox at ``base_url``."""
        if slug not in self.providers:
            raise ConfigError(f"no app {slug!r} for a sandbox")
        self.sandboxes[slug] = base_url.rstrip("/")


__all__ = [
    "ApiKeyAuth",
    "BasicAuth",
    "Catalogue",
    "CredentialField",
    "Links",
    "NativeCredential",
    "OAuth2Auth",
    "Provider",
    "RateLimit",
    "Route",
    "RouteTable",
    "load_provider",
]
