"""The gateway: ``{METHOD} /{app}/{native-path}`` → the app's upstream, credential injected.

Raw ASGI on purpose: this is the hot path, so no framework layer sits between the socket and the
upstream client. Bodies stream both ways; small request bodies are read whole (faster).
"""

from __future__ import annotations

import asyncio
import random
import re
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
from starlette.types import Receive, Scope, Send

from trunkline.catalogue import Catalogue
from trunkline.errors import (
    InvalidRequest,
    NotFound,
    PayloadTooLarge,
    TrunklineError,
    UpstreamTimeout,
    UpstreamUnavailable,
)
from trunkline.gateway.accesslog import AccessLog
from trunkline.gateway.paths import safe_upstream_path
from trunkline.gateway.resolver import Resolver
from trunkline.gateway.throttle import Throttle
from trunkline.transport import Upstream, UpstreamResponse

# Hop-by-hop headers (RFC 9110 7.6.1) belong to one connection and never cross the gateway.
HOP_BY_HOP = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"proxy-authenticate",
        b"proxy-authorization",
        b"te",
        b"trailer",
        b"transfer-encoding",
        b"upgrade",
    }
)
# Never forwarded upstream: the caller's own credentials and routing, and framing we redo.
DROP_REQUEST = HOP_BY_HOP | {
    b"host",
    b"authorization",
    b"maton-connection",
    b"cookie",
    b"content-length",
    b"expect",
}
# Never passed back: the server frames the response and names itself.
DROP_RESPONSE = HOP_BY_HOP | {b"server", b"date"}
# The provider's own request id stays visible without clashing with ours.
UPSTREAM_REQUEST_ID = b"x-upstream-request-id"
SMALL_BODY = 1 << 20
_ID_SEGMENT = re.compile(r"^(?!v\d+$)(?!\d{4}-\d{2}-\d{2}$)(?=[^.]*\d)[^.]{6,}")


class Gateway:
    def __init__(
        self,
        catalogue: Catalogue,
        resolver: Resolver,
        throttle: Throttle,
        upstream: Upstream,
        max_body: int,
        access_log: AccessLog,
    ) -> None:
        self.catalogue = catalogue
        self.resolver = resolver
        self.throttle = throttle
        self.upstream = upstream
        self.max_body = max_body
        self.access_log = access_log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        request_id = f"{random.getrandbits(128):032x}"  # an id, not a secret: no syscall needed
        record: dict[str, Any] = {"request_id": request_id, "method": scope["method"]}
        try:
            await self._proxy(scope, receive, send, request_id, record)
        except TrunklineError as exc:
            record["error"] = exc.wire_code
            if "status" not in record:  # nothing sent yet: answer in the gateway's error shape
                record["status"] = exc.status
                await send_error(send, exc, request_id)
        finally:
            record["ms"] = round((time.perf_counter() - started) * 1000, 2)
            self.access_log.write(record)

    async def _proxy(
        self, scope: Scope, receive: Receive, send: Send, request_id: str, record: dict[str, Any]
    ) -> None:
        raw_path: bytes = scope.get("raw_path") or scope["path"].encode()
        path = raw_path.decode("latin-1").split("?", 1)[0]
        app, _, rest = path[1:].partition("/")
        record["app"] = app
        headers = scope["headers"]
        authorization = wanted = None
        for name, value in headers:
            if name == b"authorization":
                authorization = value.decode("latin-1")
            elif name == b"maton-connection":
                wanted = value.decode("latin-1").strip()
        caller = await self.resolver.caller(authorization)
        record["account"] = caller.account_id
        provider = self.catalogue.get(app)
        if provider is None:
            raise NotFound(f"unknown app {app!r}", code="app_not_found")
        upstream_path = safe_upstream_path("/" + rest)
        record["path"] = template(upstream_path)
        resolved = await self.resolver.connection(caller, provider, wanted or "")
        record["connection"] = resolved.connection_id

        forward = [
            (n, v) for n, v in headers if n not in DROP_REQUEST and not n.startswith(b"x-maton-")
        ]
        forward.extend(resolved.headers)
        body, length = await self._body(headers, receive)
        if length is not None:
            forward.append((b"content-length", str(length).encode()))
        query = scope.get("query_string", b"")
        url = resolved.upstream + upstream_path + ("?" + query.decode("latin-1") if query else "")
        await self.throttle.acquire(resolved.throttle_key, provider.limits)
        upstream_started = time.perf_counter()
        # OAuth2: one refresh and one retry when the provider refuses the access token.
        retry = resolved.expires_at is not None and not isinstance(body, _Streamed)
        try:
            while True:
                async with self.upstream.request(
                    scope["method"], url, forward, body, share_key=resolved.throttle_key
                ) as response:
                    if not (retry and response.status == 401):
                        await self._relay(response, send, request_id, record)
                        return
                retry = False
                stale = resolved
                resolved = await self.resolver.refreshed(caller, provider, wanted or "", stale)
                forward = [h for h in forward if h not in stale.headers] + resolved.headers
        except TimeoutError as exc:
            raise UpstreamTimeout(f"{provider.name} did not answer in time") from exc
        except (aiohttp.ClientError, OSError) as exc:
            if isinstance(body, _Streamed) and body.too_large:
                raise PayloadTooLarge(f"request body exceeds {self.max_body} bytes") from exc
            raise UpstreamUnavailable(
                f"could not reach {provider.name}: {type(exc).__name__}"
            ) from exc
        finally:
            record["upstream_ms"] = round((time.perf_counter() - upstream_started) * 1000, 2)

    async def _relay(
        self,
        response: UpstreamResponse,
        send: Send,
        request_id: str,
        record: dict[str, Any],
    ) -> None:
        """Pass the provider's answer back: status, headers (less hop-by-hop), streamed body.

        A small body of known length goes out in one message (one write instead of three)."""
        record["status"] = response.status
        out = [
            (UPSTREAM_REQUEST_ID if n == b"x-request-id" else n, v)
            for n, v in response.headers
            if n not in DROP_RESPONSE
        ]
        out.append((b"x-request-id", request_id.encode()))
        length = response.content_length
        if length is not None and length <= SMALL_BODY:
            body = await response.read()
            await send({"type": "http.response.start", "status": response.status, "headers": out})
            await send({"type": "http.response.body", "body": body, "more_body": False})
            return
        await send({"type": "http.response.start", "status": response.status, "headers": out})
        async for chunk in response.chunks():
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    async def _body(
        self, headers: list[tuple[bytes, bytes]], receive: Receive
    ) -> tuple[bytes | _Streamed | None, int | None]:
        declared = None
        chunked = False
        for name, value in headers:
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    raise InvalidRequest("Content-Length is not a number") from None
            elif name == b"transfer-encoding":
                chunked = b"chunked" in value.lower()
        if declared is not None and declared > self.max_body:
            raise PayloadTooLarge(f"request body exceeds {self.max_body} bytes")
        if chunked or (declared is not None and declared > SMALL_BODY):
            # Large or of unknown length: forward as it arrives, in constant memory.
            return _Streamed(receive, self.max_body), declared
        body = await read_body(receive, self.max_body)
        return (body or None), (len(body) if body else None)


class _Streamed:
    """A large request body fed to aiohttp chunk by chunk as it arrives."""

    def __init__(self, receive: Receive, limit: int) -> None:
        self.receive = receive
        self.limit = limit
        self.too_large = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        seen = 0
        while True:
            message = await self.receive()
            if message["type"] == "http.disconnect":
                raise asyncio.CancelledError
            chunk = message.get("body", b"")
            seen += len(chunk)
            if seen > self.limit:
                self.too_large = True
                raise aiohttp.ClientPayloadError("request body too large")
            if chunk:
                yield chunk
            if not message.get("more_body", False):
                return


async def read_body(receive: Receive, limit: int) -> bytes:
    parts: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise asyncio.CancelledError
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"request body exceeds {limit} bytes")
        parts.append(chunk)
        if not message.get("more_body", False):
            return b"".join(parts)


async def send_error(send: Send, exc: TrunklineError, request_id: str) -> None:
    body = exc.body(request_id)
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"x-request-id", request_id.encode()),
    ]
    headers += [(k.lower().encode(), v.encode()) for k, v in exc.headers().items()]
    await send({"type": "http.response.start", "status": exc.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def template(path: str) -> str:
    """``/v1/messages/AC123abc`` → ``/v1/messages/{id}``: a log field without customer data."""
    return "/".join(_ID_SEGMENT.sub("{id}", segment) for segment in path.split("/"))
