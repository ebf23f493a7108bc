"""The slice of RingCentral's REST API v1.0 the sandbox serves.

=============================================================================  ==============
``GET  /restapi/v1.0/account/{accountId}``                                     ReadAccounts
``GET  /restapi/v1.0/account/{accountId}/extension/{extensionId}``             ReadAccounts
``GET  /restapi/v1.0/account/{accountId}/extension/{extensionId}/call-log``    ReadCallLog
``GET  …/extension/{extensionId}/call-log/{callRecordId}``                     ReadCallLog
``POST …/extension/{extensionId}/sms``                                         SMS
``GET  …/extension/{extensionId}/message-store/{messageId}``                   ReadMessages
=============================================================================  ==============

``~`` stands for the caller's own account or extension. Every call needs ``Authorization:
Bearer <access token>``; the token's scope must hold the permission in the right column.
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from trunkline.sandbox.ringcentral import calllog, errors, messages, tokens
from trunkline.sandbox.ringcentral.errors import ApiError
from trunkline.sandbox.ringcentral.resources import account_json, extension_json, message_json
from trunkline.sandbox.ringcentral.world import RingCentralWorld, served_at, world_of

Doc = dict[str, Any]
ACCOUNT = "/restapi/v1.0/account/{accountId}"
EXTENSION = ACCOUNT + "/extension/{extensionId}"


@dataclass
class Call:
    request: Request
    world: RingCentralWorld
    session: Doc

    @property
    def base(self) -> str:
        return served_at(self.request)

    def extension(self, *, own: bool = False) -> Doc:
        """The extension in the path (``~`` is the caller's); ``own``: the caller's or, for an
        admin, any in the account."""
        account_ref = self.request.path_params["accountId"]
        if account_ref not in ("~", self.world.account["id"]):
            raise errors.not_found("accountId", account_ref)
        ref = self.request.path_params["extensionId"]
        ext = self.world.extension(self.session["extensionId"] if ref == "~" else ref)
        if ext is None:
            raise errors.not_found("extensionId", ref)
        caller = self.world.extension(self.session["extensionId"]) or {}
        if own and ext["id"] != caller.get("id") and not caller.get("admin"):
            raise ApiError(
                403,
                "CMN-408",
                "In order to call this API endpoint, user needs to have [Users] permission "
                "for requested resource.",
            )
        return ext


Handler = Callable[[Call], Awaitable[Response]]


def endpoint(permission: str, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    async def run(request: Request) -> Response:
        world = world_of(request)
        await world.ensure_running()
        try:
            session = tokens.bearer(world, request.headers.get("authorization", ""))
            tokens.require_scope(session, permission)
            return await handler(Call(request, world, session))
        except ApiError as exc:
            return exc.response()

    return run


async def get_account(call: Call) -> Response:
    ref = call.request.path_params["accountId"]
    if ref not in ("~", call.world.account["id"]):
        raise errors.not_found("accountId", ref)
    return JSONResponse(account_json(call.world, call.base))


async def get_extension(call: Call) -> Response:
    return JSONResponse(extension_json(call.world, call.extension(), call.base))


async def list_call_log(call: Call) -> Response:
    ext = call.extension(own=True)
    return JSONResponse(calllog.listing(call.world, ext, call.request, call.base))


async def get_call(call: Call) -> Response:
    ext = call.extension(own=True)
    return JSONResponse(calllog.one(call.world, ext, call.request, call.base))


async def send_sms(call: Call) -> Response:
    ext = call.extension(own=True)
    raw = await call.request.body()
    try:
        body = json.loads(raw or b"null")
    except (ValueError, RecursionError):
        body = None
    if not isinstance(body, dict):
        raise ApiError(400, "CMN-101", "Request body is not a valid JSON object")
    message = messages.send(call.world, ext, body, time.time())
    return JSONResponse(message_json(message, call.base))


async def get_message(call: Call) -> Response:
    ext = call.extension(own=True)
    message_id = call.request.path_params["messageId"]
    message = call.world.table("messages").get(message_id)
    if message is None or message["extensionId"] != ext["id"]:
        raise errors.not_found("messageId", message_id)
    return JSONResponse(message_json(message, call.base))


def routes() -> list[Route]:
    return [
        Route(ACCOUNT, endpoint("ReadAccounts", get_account), methods=["GET"]),
        Route(EXTENSION, endpoint("ReadAccounts", get_extension), methods=["GET"]),
        Route(EXTENSION + "/call-log", endpoint("ReadCallLog", list_call_log), methods=["GET"]),
        Route(
            EXTENSION + "/call-log/{callRecordId}",
            endpoint("ReadCallLog", get_call),
            methods=["GET"],
        ),
        Route(EXTENSION + "/sms", endpoint("SMS", send_sms), methods=["POST"]),
        Route(
            EXTENSION + "/message-store/{messageId}",
            endpoint("ReadMessages", get_message),
            methods=["GET"],
        ),
    ]
