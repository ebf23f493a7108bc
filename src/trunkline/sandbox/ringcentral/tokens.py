"""Authorization codes, sessions and their tokens: what RingCentral's OAuth server keeps.

A *session* is one app's grant for one extension: an access token (one hour) and a rotating,
single-use refresh token (seven days). Refreshing issues a new pair and ends the old one at
once; revoking either token ends the session. Codes live 60 seconds and redeem once; a second
redemption also ends the session the first one started (RFC 6749 §4.1.2).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import time
from typing import Any

from trunkline.sandbox.ringcentral import errors
from trunkline.sandbox.ringcentral.errors import ApiError, OAuthError
from trunkline.sandbox.ringcentral.world import RingCentralWorld

Doc = dict[str, Any]
CODE_TTL = 60
MIN_ACCESS_TTL = 600


def client_from_request(world: RingCentralWorld, authorization: str, form: Doc) -> tuple[Doc, bool]:
    """The calling app and whether it proved its secret (Basic header or ``client_secret``)."""
    client_id, secret = _basic(authorization) if authorization else (form.get("client_id"), None)
    secret = secret if secret is not None else form.get("client_secret")
    client = world.table("clients").get(str(client_id or ""))
    if client is None:
        raise errors.invalid_client(str(client_id or ""))
    if secret is None:
        return client, False
    if not hmac.compare_digest(str(secret), client["secret"]):
        raise errors.invalid_client(client["id"])
    return client, True


def _basic(header: str) -> tuple[str, str]:
    scheme, _, encoded = header.partition(" ")
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise errors.invalid_client("") from None
    client_id, sep, secret = decoded.partition(":")
    if scheme.lower() != "basic" or not sep:
        raise errors.invalid_client(client_id)
    return client_id, secret


def issue_code(
    world: RingCentralWorld,
    client: Doc,
    extension_id: str,
    redirect_uri: str,
    scope: str,
    challenge: str | None,
    method: str,
) -> str:
    code = world.new_token()
    world.table("codes")[code] = {
        "clientId": client["id"],
        "extensionId": extension_id,
        "redirectUri": redirect_uri,
        "scope": scope,
        "challenge": challenge,
        "method": method,
        "expiresAt": time.time() + CODE_TTL,
        "usedBy": None,
    }
    world.save()
    return code


def redeem_code(world: RingCentralWorld, client: Doc, proven: bool, form: Doc) -> Doc:
    grant = world.table("codes").get(str(form.get("code") or ""))
    if grant is None or grant["clientId"] != client["id"]:
        raise errors.token_not_found()
    if grant["usedBy"] is not None:
        end_session(world, world.table("sessions").get(grant["usedBy"]))
        raise errors.token_not_found()
    if grant["expiresAt"] <= time.time():
        raise errors.token_expired()
    if form.get("redirect_uri") != grant["redirectUri"]:
        raise OAuthError(400, "invalid_grant", "OAU-109", "Redirect URIs do not match")
    _check_verifier(grant, form.get("code_verifier"))
    if not proven and grant["challenge"] is None:
        raise errors.invalid_client(client["id"])
    session = start_session(world, client, grant, form)
    session["pkce"] = grant["challenge"] is not None
    grant["usedBy"] = session["id"]
    world.save()
    return session


def _check_verifier(grant: Doc, verifier: Any) -> None:
    challenge = grant["challenge"]
    if challenge is None:
        return
    if not isinstance(verifier, str) or not verifier:
        raise OAuthError(400, "invalid_grant", "OAU-240", "Code verifier is not specified")
    if grant["method"] == "S256":
        digest = hashlib.sha256(verifier.encode()).digest()
        verifier = base64.urlsafe_b64encode(digest).decode().rstrip("=")
    if not hmac.compare_digest(verifier, challenge):
        raise OAuthError(400, "invalid_grant", "OAU-240", "Code verifier is invalid")


def start_session(world: RingCentralWorld, client: Doc, grant: Doc, form: Doc) -> Doc:
    session = {
        "id": world.ids.hex(16),
        "clientId": client["id"],
        "extensionId": grant["extensionId"],
        "scope": grant["scope"],
        "endpointId": world.ids.alnum(22),
        "revokedAt": None,
        "createdAt": time.time(),
    }
    world.table("sessions")[session["id"]] = session
    _new_pair(world, client, session, form)
    return session


def rotate(world: RingCentralWorld, client: Doc, proven: bool, form: Doc) -> Doc:
    """The refresh grant: a new pair; the old refresh and access tokens stop working now."""
    token = str(form.get("refresh_token") or "")
    session = world.table("sessions").get(world.index("refreshTokens").get(token, ""))
    if session is None or session["clientId"] != client["id"]:
        raise errors.token_not_found()
    if session["revokedAt"] is not None:
        raise errors.token_revoked()
    if session["refreshExpiresAt"] <= time.time():
        raise errors.token_expired()
    if not proven and not session.get("pkce"):
        raise errors.invalid_client(client["id"])
    del world.index("refreshTokens")[token]
    world.index("accessTokens").pop(session["accessToken"], None)
    _new_pair(world, client, session, form)
    world.save()
    return session


def _new_pair(world: RingCentralWorld, client: Doc, session: Doc, form: Doc) -> None:
    now = time.time()
    access_ttl = _ttl(form.get("access_token_ttl"), client["accessTtl"], MIN_ACCESS_TTL)
    refresh_ttl = _ttl(form.get("refresh_token_ttl"), client["refreshTtl"], 1)
    session["accessToken"] = world.new_token()
    session["accessExpiresAt"] = now + access_ttl
    session["refreshToken"] = world.new_token()
    session["refreshExpiresAt"] = now + refresh_ttl
    world.index("accessTokens")[session["accessToken"]] = session["id"]
    world.index("refreshTokens")[session["refreshToken"]] = session["id"]


def _ttl(asked: Any, default: int, floor: int) -> int:
    """RingCentral honours a shorter lifetime than the app's default, never a longer one."""
    try:
        wanted = int(asked)
    except (TypeError, ValueError):
        return int(default)
    return min(max(wanted, min(floor, default)), int(default))


def token_response(session: Doc) -> Doc:
    now = time.time()
    return {
        "access_token": session["accessToken"],
        "token_type": "bearer",
        "expires_in": max(0, round(session["accessExpiresAt"] - now)),
        "refresh_token": session["refreshToken"],
        "refresh_token_expires_in": max(0, round(session["refreshExpiresAt"] - now)),
        "scope": session["scope"],
        "owner_id": session["extensionId"],
        "endpoint_id": session["endpointId"],
    }


def end_session(world: RingCentralWorld, session: Doc | None) -> None:
    if session is None or session["revokedAt"] is not None:
        return
    session["revokedAt"] = time.time()
    world.index("accessTokens").pop(session["accessToken"], None)
    world.save()


def revoke(world: RingCentralWorld, client: Doc, token: str) -> None:
    """Revoking either token of a session ends it; unknown tokens are not an error (RFC 7009)."""
    session_id = world.index("accessTokens").get(token) or world.index("refreshTokens").get(token)
    session = world.table("sessions").get(session_id or "")
    if session is not None and session["clientId"] == client["id"]:
        end_session(world, session)


def bearer(world: RingCentralWorld, authorization: str) -> Doc:
    """The session behind ``Authorization: Bearer <access token>``, or RingCentral's 401."""
    if not authorization:
        raise ApiError(401, "AGW-401", "Authorization header is not specified")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "TokenInvalid", "Unparseable access token", detail_code="OAU-140")
    session = world.table("sessions").get(world.index("accessTokens").get(token.strip(), ""))
    if session is None or session["revokedAt"] is not None:
        raise ApiError(401, "TokenInvalid", "Token not found", detail_code="OAU-213")
    if session["accessExpiresAt"] <= time.time():
        raise ApiError(401, "TokenExpired", "Access token expired", detail_code="OAU-213")
    return session


def require_scope(session: Doc, permission: str) -> None:
    if permission not in session["scope"].split():
        raise errors.insufficient_permissions(permission)
