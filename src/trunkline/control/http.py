"""Shared pieces of the JSON endpoints: caller auth, strict body parsing, the error renderer."""

from __future__ import annotations

import logging
import uuid
from typing import Any, TypeVar

import orjson
from pydantic import BaseModel, ValidationError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from trunkline.errors import InvalidRequest, PayloadTooLarge, TrunklineError, render_error

log = logging.getLogger("trunkline.control")
Model = TypeVar("Model", bound=BaseModel)


class RequestId:
    """Give every response an ``X-Request-Id`` (and the request a ``state.request_id``)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        if sum(1 for name, _ in scope["headers"] if name == b"authorization") > 1:
            # Readers disagree on which of several counts: refuse rather than pick one.
            error = InvalidRequest(
                "send one Authorization header, not several", code="duplicate_header"
            )
            body = error.body(request_id)
            await send(
                {
                    "type": "http.response.start",
                    "status": 400,
                    "headers": [
                        (b"content-type", b"application/json"),
                        (b"content-length", str(len(body)).encode()),
                        (b"x-request-id", request_id.encode()),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})
            return

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [
                    *message.get("headers", []),
                    (b"x-request-id", request_id.encode()),
                ]
            await send(message)

        await self.app(scope, receive, send_with_id)


def request_id(request: Request) -> str:
    return str(getattr(request.state, "request_id", "") or uuid.uuid4().hex)


class JSON(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


CONTROL_BODY_LIMIT = 256 * 1024  # a connection's JSON is small; nothing here needs more
MAX_DEPTH = 16
MAX_KEYS = 1000


async def read_limited(request: Request, limit: int = CONTROL_BODY_LIMIT) -> bytes:
    """The body, refused with 413 as soon as it passes ``limit`` (never buffered past it)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"request body exceeds {limit} bytes")
    parts: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"request body exceeds {limit} bytes")
        parts.append(chunk)
    return b"".join(parts)


def check_shape(value: Any, depth: int = 0) -> int:
    """Bound the nesting and size of client JSON (stored metadata must always list again)."""
    if depth > MAX_DEPTH:
        raise InvalidRequest(f"JSON nested deeper than {MAX_DEPTH} levels")
    count = 0
    if isinstance(value, dict):
        for key, item in value.items():
            if "\x00" in key:
                raise InvalidRequest("JSON keys must not contain NUL")
            count += 1 + check_shape(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            count += 1 + check_shape(item, depth + 1)
    elif isinstance(value, str) and "\x00" in value:
        raise InvalidRequest("JSON strings must not contain NUL")
    if count > MAX_KEYS:
        raise InvalidRequest(f"JSON has more than {MAX_KEYS} values")
    return count


async def json_body(request: Request, model: type[Model]) -> Model:
    raw = await read_limited(request)
    try:
        text = raw.decode("utf-8")
        data = orjson.loads(text) if text.strip() else {}
    except UnicodeDecodeError:
        raise InvalidRequest("request body is not valid UTF-8") from None
    except orjson.JSONDecodeError as exc:
        raise InvalidRequest(f"request body is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise InvalidRequest("request body must be a JSON object")
    check_shape(data)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'body'}: {e['msg']}" for e in exc.errors()
        )
        raise InvalidRequest(f"invalid request body: {problems}") from None


def error_response(request: Request, exc: Exception) -> Response:
    rid = request_id(request)
    if isinstance(exc, TrunklineError):
        return Response(exc.body(rid), exc.status, exc.headers(), "application/json")
    if isinstance(exc, HTTPException):
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        body = render_error(exc.status_code, code, str(exc.detail), rid)
        return Response(body, exc.status_code, exc.headers, "application/json")
    log.error("unhandled error", exc_info=exc, extra={"fields": {"request_id": rid}})
    return Response(
        render_error(500, "internal_error", "internal error", rid),
        500,
        media_type="application/json",
    )


EXCEPTION_HANDLERS: dict[Any, Any] = {
    Exception: error_response,
    HTTPException: error_response,
    TrunklineError: error_response,
}
