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
    OAuth2Auth,
    Provider,
    RateLimit,
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


@dataclass
class Catalogue:
    """The providers by slug, plus the base URL each one is reached at in each mode: live mode
    at the real provider (or an override), test mode at its mounted sandbox."""

    providers: dict[str, Provider]
    upstreams: dict[str, str] = field(default_factory=dict)
    sandboxes: dict[str, str] = field(default_factory=dict)

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
        if mode is Mode.LIVE:
            return self.upstreams[slug]
        sandbox = self.sandboxes.get(slug)
        if sandbox is None:
            raise TestModeUnavailable(
                f"test mode needs the {slug} sandbox, which this server does not mount "
                "(started with --no-sandbox, or no sandbox exists for it); use a live key"
            )
        return sandbox

    def point(self, slug: str, base_url: str) -> None:
        """Send one app's live traffic somewhere else (``TRUNKLINE_UPSTREAM_<APP>``)."""
        if slug not in self.providers:
            raise ConfigError(f"cannot override the upstream of unknown app {slug!r}")
        self.upstreams[slug] = base_url.rstrip("/")

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
    "OAuth2Auth",
    "Provider",
    "RateLimit",
    "load_provider",
]
