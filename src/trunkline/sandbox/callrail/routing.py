"""What every CallRail endpoint does before its own work: authenticate, scope, limit, parse.

``Authorization: Token token="KEY"`` (quotes optional) names a user; the user sees only the
accounts listed for the key, and an account they cannot see is a 404. Each accepted request
counts against the account's general limit. Handlers receive a :class:`Ctx` and raise
:class:`CallRailError` for anything CallRail would refuse.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from trunkline.sandbox.callrail import times
from trunkline.sandbox.callrail.errors import CallRailError, bad_request, not_found, unauthorized
from trunkline.sandbox.callrail.params import Query
from trunkline.sandbox.callrail.world import Doc, World

TOKEN_HEADER = re.compile(r'^Token\s+token\s*=\s*(?:"([^"]+)"|([^\s",]+))\s*$')
DEFAULT_ZONE = "America/New_York"


@dataclass
class Ctx:
    world: World
    request: Request
    user: Doc
    account: Doc | None
    query: Query

    @property
    def account_id(self) -> str:
        if self.account is None:
            raise not_found()
        return str(self.account["id"])

    @property
    def base_url(self) -> str:
        """Where this sandbox is served, mount prefix included (absolute URLs start here)."""
        url = self.request.url
        return f"{url.scheme}://{url.netloc}{self.request.scope.get('root_path', '')}"

    def api_url(self, path: str) -> str:
        return f"{self.base_url}/v3/a/{self.account_id}{path}"

    def zone(self) -> ZoneInfo:
        return times.zone_named(self.query.text("time_zone"), self.user_zone())

    def date_window(self, default: str | None = "recent") -> tuple[datetime, datetime] | None:
        """The window named by ``date_range`` or ``start_date``/``end_date``, else ``default``."""
        return times.window(
            self.query.choice("date_range", times.DATE_RANGES),
            self.query.text("start_date"),
            self.query.text("end_date"),
            self.world.now(),
            self.zone(),
            default=default,
        )

    def user_zone(self) -> str:
        return str(self.user.get("_time_zone", DEFAULT_ZONE))

    async def body(self) -> dict[str, Any]:
        raw = await self.request.body()
        if not raw.strip():
            return {}
        content_type = self.request.headers.get("content-type", "")
        if content_type and "json" not in content_type:
            raise CallRailError(406, "Request parameters must be sent as JSON.")
        try:
            data = json.loads(raw)
        except ValueError as exc:
            raise bad_request("Invalid JSON in request body") from exc
        if not isinstance(data, dict):
            raise bad_request("Request body must be a JSON object")
        return data


Handler = Callable[[Ctx], Awaitable[Response]]


def reply(data: Any, status: int = 200) -> JSONResponse:
    return JSONResponse(data, status)


def token_of(request: Request) -> str | None:
    match = TOKEN_HEADER.match(request.headers.get("authorization", "").strip())
    if match is None:
        return None
    return match.group(1) or match.group(2)


def authenticate(world: World, request: Request) -> tuple[Doc, list[str]]:
    """The key's user and the account ids it may see, or CallRail's 401."""
    token = token_of(request)
    key = world.table("api_keys").get(token or "")
    if key is None:
        raise unauthorized()
    user = world.table("users").get(str(key["user_id"]))
    if user is None:
        raise unauthorized()
    return user, list(key["accounts"])


def resolve_account(world: World, visible: list[str], wanted: str | None) -> Doc | None:
    """The account named in the path (string id or numeric id), if the key may see it."""
    if wanted is None:
        return None
    for account_id in visible:
        account = world.table("accounts").get(account_id)
        if account and wanted in (account["id"], str(account.get("numeric_id"))):
            return account
    raise not_found()


def api(world: World, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        try:
            user, visible = authenticate(world, request)
            account = resolve_account(world, visible, request.path_params.get("account_id"))
            world.limits.check("general", account["id"] if account else visible[0])
            ctx = Ctx(world, request, user, account, Query(request.query_params))
            return await handler(ctx)
        except CallRailError as exc:
            return exc.response()

    return endpoint
