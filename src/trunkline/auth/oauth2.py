"""The client side of OAuth2 for connections: the authorization URL (always with PKCE S256),
the code exchange, the refresh grant and revocation.

Authlib builds and reads the protocol messages (grant URI, token request bodies, client
authentication, the S256 challenge); the requests go through trunkline's ``Upstream``.
What a connection stores is :func:`stored`: access and refresh token, and when the access token
expires (epoch seconds), all strings, sealed by the vault.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import orjson
from authlib.common.security import generate_token
from authlib.common.urls import url_encode
from authlib.oauth2.auth import ClientAuth
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri, prepare_token_request
from authlib.oauth2.rfc7636 import create_s256_code_challenge

from trunkline.catalogue import Catalogue, OAuth2Auth, Provider
from trunkline.enums import Mode
from trunkline.errors import InvalidRequest, UpstreamTimeout, UpstreamUnavailable
from trunkline.transport import Upstream

TOKEN_TIMEOUT = 20.0
FORM = {
    "Content-Type": "application/x-www-form-urlencoded;charset=UTF-8",
    "Accept": "application/json",
}


@dataclass(frozen=True)
class OAuthClient:
    """trunkline's registration at a provider. The secret never appears in a repr."""

    client_id: str
    client_secret: str | None = field(default=None, repr=False)


class TokenRefused(Exception):
    """The provider's token endpoint said no (``invalid_grant``, ``invalid_client``, ...)."""

    def __init__(self, error: str, description: str, status: int) -> None:
        super().__init__(f"{error}: {description}" if description else error)
        self.error = error
        self.description = description
        self.status = status


class OAuthApps:
    """Which OAuth client each OAuth2 app uses in each mode, and where its endpoints are: live
    mode uses the clients from settings, test mode the mounted sandboxes' own."""

    def __init__(
        self,
        catalogue: Catalogue,
        live: dict[str, OAuthClient],
        test: dict[str, OAuthClient] | None = None,
    ) -> None:
        self.catalogue = catalogue
        self.clients = {Mode.LIVE: live, Mode.TEST: test or {}}

    def auth(self, provider: Provider) -> OAuth2Auth:
        if not isinstance(provider.auth, OAuth2Auth):
            raise InvalidRequest(f"{provider.name} does not use OAuth2")
        return provider.auth

    def client(self, provider: Provider, mode: Mode) -> OAuthClient:
        auth = self.auth(provider)
        client = self.clients[mode].get(provider.slug)
        if client is None and auth.client_id and mode is Mode.LIVE:
            client = OAuthClient(auth.client_id, auth.client_secret)
        if client is None:
            variable = f"TRUNKLINE_OAUTH_{provider.slug.upper()}_CLIENT_ID"
            raise InvalidRequest(
                f"no OAuth client is configured for {provider.name}; set {variable} and "
                f"TRUNKLINE_OAUTH_{provider.slug.upper()}_CLIENT_SECRET",
                code="oauth_client_missing",
            )
        return client

    def url(self, provider: Provider, endpoint: str | None, mode: Mode) -> str | None:
        """An endpoint of the catalogue; a bare path is relative to the app's upstream in
        ``mode`` (the real provider, an override or the sandbox)."""
        if endpoint is None or not endpoint.startswith("/"):
            return endpoint
        return self.catalogue.upstream(provider.slug, mode) + endpoint


def new_verifier() -> str:
    return str(generate_token(64))


def new_state() -> str:
    return str(generate_token(40))


def authorization_url(
    apps: OAuthApps, provider: Provider, mode: Mode, redirect_uri: str, state: str, verifier: str
) -> str:
    auth = apps.auth(provider)
    url: str = prepare_grant_uri(
        apps.url(provider, auth.authorize_url, mode),
        client_id=apps.client(provider, mode).client_id,
        response_type="code",
        redirect_uri=redirect_uri,
        scope=auth.scopes or None,
        state=state,
        code_challenge=create_s256_code_challenge(verifier),
        code_challenge_method="S256",
    )
    return url


@dataclass(frozen=True)
class OAuthTarget:
    """Everything a token-endpoint call needs: where to send it and as which client."""

    upstream: Upstream
    apps: OAuthApps
    provider: Provider
    mode: Mode


async def exchange_code(
    target: OAuthTarget, code: str, redirect_uri: str, verifier: str
) -> dict[str, str]:
    body = prepare_token_request(
        "authorization_code", code=code, redirect_uri=redirect_uri, code_verifier=verifier
    )
    return stored(await _token_request(target, body), previous=None)


async def refresh(target: OAuthTarget, current: dict[str, str]) -> dict[str, str]:
    """The refresh grant; a provider that rotates refresh tokens hands back a new one."""
    body = prepare_token_request("refresh_token", refresh_token=current["refresh_token"])
    return stored(await _token_request(target, body), previous=current)


async def revoke(target: OAuthTarget, credentials: dict[str, str]) -> bool:
    """Revoke the refresh token (which ends the grant) where the provider has an endpoint.

    Returns False when there is nothing to revoke at this provider; raises on failure.
    """
    apps, provider = target.apps, target.provider
    url = apps.url(provider, apps.auth(provider).revoke_url, target.mode)
    token = credentials.get("refresh_token") or credentials.get("access_token")
    if url is None or not token:
        return False
    status, data = await _post(target, url, url_encode([("token", token)]))
    if status >= 400:
        error = str(data.get("error") or f"HTTP {status}")
        raise TokenRefused(error, str(data.get("error_description") or ""), status)
    return True


def stored(token: dict[str, Any], previous: dict[str, str] | None) -> dict[str, str]:
    """What the vault keeps for a connection: never more than these string fields."""
    access = token.get("access_token")
    if not isinstance(access, str) or not access:
        raise UpstreamUnavailable("the token endpoint answered without an access token")
    refresh_token = token.get("refresh_token") or (previous or {}).get("refresh_token", "")
    lifetime = token.get("expires_in")
    expires_at = time.time() + float(lifetime) if isinstance(lifetime, int | float) else 0.0
    return {
        "access_token": access,
        "refresh_token": str(refresh_token),
        "expires_at": str(int(expires_at)) if expires_at else "",
        "scope": str(token.get("scope") or (previous or {}).get("scope", "")),
    }


async def _token_request(target: OAuthTarget, body: str) -> dict[str, Any]:
    apps, provider = target.apps, target.provider
    url = apps.url(provider, apps.auth(provider).token_url, target.mode)
    assert url is not None
    status, data = await _post(target, url, body)
    if "error" in data:
        raise TokenRefused(str(data["error"]), str(data.get("error_description") or ""), status)
    if status >= 400 or not data:
        raise UpstreamUnavailable(f"{provider.name}'s token endpoint answered HTTP {status}")
    return data


async def _post(target: OAuthTarget, url: str, body: str) -> tuple[int, dict[str, Any]]:
    """POST a form to a token or revocation endpoint with the client's authentication."""
    apps, provider = target.apps, target.provider
    client = apps.client(provider, target.mode)
    auth = ClientAuth(client.client_id, client.client_secret, apps.auth(provider).client_auth)
    _, headers, body = auth.prepare("POST", url, dict(FORM), body)
    raw = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]
    try:
        async with target.upstream.request(
            "POST", url, raw, body.encode(), timeout=TOKEN_TIMEOUT
        ) as response:
            return response.status, _json(await response.read())
    except TimeoutError as exc:
        raise UpstreamTimeout(f"{provider.name}'s token endpoint did not answer") from exc
    except (aiohttp.ClientError, OSError) as exc:
        raise UpstreamUnavailable(
            f"could not reach {provider.name}'s token endpoint: {type(exc).__name__}"
        ) from exc


def _json(raw: bytes) -> dict[str, Any]:
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return {}
    return data if isinstance(data, dict) else {}
