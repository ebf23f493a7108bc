"""Credential strategies: how a stored credential becomes upstream request headers.

One small function per auth mode, registered in ``STRATEGIES``; each is parsed once per
connection (the gateway caches the result) and applied per request as plain header values.
"""

from __future__ import annotations

import base64
from collections.abc import Callable

from trunkline.catalogue import ApiKeyAuth, BasicAuth, OAuth2Auth, Provider
from trunkline.errors import CredentialsExpired, InvalidRequest

Headers = dict[str, str]


def fill(template: str, credentials: dict[str, str]) -> str:
    try:
        return template.format_map(credentials)
    except KeyError as exc:
        raise InvalidRequest(f"credential field {exc.args[0]!r} is missing") from None


def _check_header_value(value: str) -> str:
    if any(ch in value for ch in "\r\n\x00"):
        raise InvalidRequest("credential contains a line break or NUL")
    return value


def api_key_headers(auth: ApiKeyAuth, credentials: dict[str, str]) -> Headers:
    return {auth.header: _check_header_value(fill(auth.template, credentials))}


def basic_headers(auth: BasicAuth, credentials: dict[str, str]) -> Headers:
    pair = f"{fill(auth.username, credentials)}:{fill(auth.password, credentials)}"
    token = base64.b64encode(_check_header_value(pair).encode()).decode()
    return {"Authorization": f"Basic {token}"}


def oauth2_headers(_auth: OAuth2Auth, credentials: dict[str, str]) -> Headers:
    token = credentials.get("access_token")
    if not token:
        raise CredentialsExpired("the connection has no access token; reconnect it")
    return {"Authorization": f"Bearer {_check_header_value(token)}"}


STRATEGIES: dict[type, Callable[..., Headers]] = {
    ApiKeyAuth: api_key_headers,
    BasicAuth: basic_headers,
    OAuth2Auth: oauth2_headers,
}


def upstream_headers(provider: Provider, credentials: dict[str, str]) -> Headers:
    return STRATEGIES[type(provider.auth)](provider.auth, credentials)
