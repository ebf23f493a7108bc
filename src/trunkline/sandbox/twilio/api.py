"""How every REST request is handled: Basic auth (account SID + token, or API key + secret),
the per-account concurrency slot, form/query parameters, and Twilio error bodies.

Order matches Twilio: credentials first (401, code 20003), then the account in the path must
be the caller's or one of its subaccounts (else 404, code 20404), then the operation.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from trunkline.sandbox.twilio import errors
from trunkline.sandbox.twilio.forms import MAX_BODY_BYTES, Params
from trunkline.sandbox.twilio.world import World


@dataclass(frozen=True)
class Principal:
    """Who is calling: the authenticated account and the main account of its tree."""

    account_sid: str
    root_sid: str
    via_key: bool


@dataclass
class ApiCall:
    request: Request
    world: World
    principal: Principal
    params: Params
    path: str

    def arg(self, name: str) -> str:
        return str(self.request.path_params[name])

    @property
    def account_sid(self) -> str:
        return self.arg("account_sid")


Handler = Callable[[ApiCall], Awaitable[Response]]


def endpoint(world: World, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    async def run(request: Request) -> Response:
        try:
            principal = authenticate(world, request)
            with world.slot(principal.root_sid):
                params = await read_params(request)
                call = ApiCall(request, world, principal, params, provider_path(request))
                if "account_sid" in request.path_params:
                    require_visible(world, principal, call.account_sid, call.path)
                return await handler(call)
        except errors.TwilioError as exc:
            return exc.response()

    return run


def provider_path(request: Request) -> str:
    """The request path relative to the provider root (without any mount prefix)."""
    path: str = request.scope["path"]
    root: str = request.scope.get("root_path", "")
    return path[len(root) :] if root and path.startswith(root) else path


def authenticate(world: World, request: Request) -> Principal:
    username, password = _basic_credentials(request.headers.get("authorization", ""))
    if username.startswith("SK"):
        key = world.table("keys").get(username)
        if key is None or not _same(password, key["secret"]):
            raise errors.authenticate()
        account = world.account(key["account_sid"])
        via_key = True
    else:
        account = world.account(username)
        if account is None or not _same(password, account["auth_token"]):
            raise errors.authenticate()
        via_key = False
    if account is None or account["status"] == "closed":
        raise errors.authenticate()
    return Principal(account["sid"], account["owner_account_sid"], via_key)


def require_visible(world: World, principal: Principal, account_sid: str, path: str) -> None:
    """Callers reach their own account and, from a main account, its subaccounts."""
    if account_sid == principal.account_sid:
        return
    account = world.account(account_sid)
    owner_is_caller = account is not None and account["owner_account_sid"] == principal.account_sid
    if not owner_is_caller:
        raise errors.not_found(path)


async def read_params(request: Request) -> Params:
    if request.method in ("GET", "DELETE", "HEAD"):
        return Params(list(request.query_params.multi_items()))
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > MAX_BODY_BYTES:
            raise errors.TwilioError(413, 20001, "Request body too large")
    return Params.from_body(bytes(body), request.headers.get("content-type", ""))


def json_response(data: Any, status: int = 200) -> JSONResponse:
    return JSONResponse(data, status_code=status)


def no_content() -> Response:
    return Response(status_code=204)


def _basic_credentials(header: str) -> tuple[str, str]:
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic" or not encoded:
        raise errors.authenticate()
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise errors.authenticate() from None
    username, sep, password = decoded.partition(":")
    if not sep:
        raise errors.authenticate()
    return username, password


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), str(expected).encode())
