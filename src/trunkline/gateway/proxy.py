"""The gateway: ``{METHOD} /{app}/{native-path}`` → the app's upstream, credential injected.

Raw ASGI on purpose: this is the hot path, so no framework layer sits between the socket and the
upstream client. Bodies stream both ways; small request bodies are read whole (faster).
"""

from __future__ import annotations

import asyncio
import logging
import random
import re
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import aiohttp
from starlette.types import Receive, Scope, Send

from trunkline.accounts import Caller
from trunkline.catalogue import Catalogue, Provider, RouteTable
from trunkline.errors import (
    Conflict,
    CredentialsExpired,
    Forbidden,
    InvalidRequest,
    MethodNotAllowed,
    NotFound,
    PayloadTooLarge,
    ScopeDenied,
    TrunklineError,
    UpstreamTimeout,
    UpstreamUnavailable,
)
from trunkline.gateway.accesslog import AccessLog
from trunkline.gateway.backoff import (
    IDEMPOTENT,
    PAUSE_STATUSES,
    RETRY_STATUSES,
    Pauses,
    jitter,
    never_sent,
    retry_after,
)
from trunkline.gateway.credentials import Slots
from trunkline.gateway.idempotent import Capture, replay
from trunkline.gateway.links import LINK_BODY_LIMIT, LinkRewriter, is_json
from trunkline.gateway.paths import safe_upstream_path
from trunkline.gateway.resolver import Resolved, Resolver, Wanted
from trunkline.gateway.sends import check_destinations, send_route
from trunkline.gateway.stats import GatewayStats
from trunkline.idempotency import Claim, IdempotencyStore, Replay, check_key, fingerprint
from trunkline.scopes import SendBudget
from trunkline.throttle import Throttle
from trunkline.transport import Headers, Upstream, UpstreamResponse

log = logging.getLogger("trunkline.gateway")

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
# Never forwarded upstream: the caller's own credentials and routing, framing we redo, and what
# would tell the provider about the caller's network or claim to be a proxy's (trunkline is the
# client there). Headers the caller names in ``Connection`` are dropped too.
DROP_REQUEST = HOP_BY_HOP | {
    b"host",
    b"authorization",
    b"maton-connection",
    b"cookie",
    b"content-length",
    b"expect",
    b"proxy-connection",
    b"forwarded",
    b"x-real-ip",
    b"via",
    b"trunkline-action",
}
# Never passed back: the server frames the response and names itself; cookies a provider sets
# belong to no one on this side (and must never shadow trunkline's own); and whatever the
# provider names in its ``Connection`` header.
DROP_RESPONSE = HOP_BY_HOP | {
    b"server",
    b"date",
    b"set-cookie",
    b"set-cookie2",
    b"proxy-connection",
}
# What a gateway call may be; CONNECT, TRACE and the unknown are refused before anything goes on.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# The provider's own request id stays visible without clashing with ours.
UPSTREAM_REQUEST_ID = b"x-upstream-request-id"
# ``Trunkline-Raw-Links: 1``: the provider's links exactly as sent (Maton's behaviour).
RAW_LINKS = b"trunkline-raw-links"
SMALL_BODY = 1 << 20
IDEMPOTENCY_KEY = b"idempotency-key"
# ``Trunkline-Action: quo.send_message``: which action a request is part of, for the access log
# (the action runner sends it; as the caller states it). Never forwarded.
ACTION = b"trunkline-action"
KEYED = frozenset({"POST", "PATCH"})  # the methods an Idempotency-Key makes run once
_ID_SEGMENT = re.compile(r"^(?!v\d+$)(?!\d{4}-\d{2}-\d{2}$)(?=[^.]*\d)[^.]{6,}")


@dataclass(slots=True)
class _Outbound:
    """One request ready to go: where, with what, on whose credential."""

    method: str
    url: str
    forward: list[tuple[bytes, bytes]]
    body: bytes | _Streamed | None
    provider: Provider
    caller: Caller
    wanted: Wanted
    resolved: Resolved
    links: LinkRewriter | None
    keyed: bool = False
    # A send (the catalogue's ``sends``) made with a key that has a send budget.
    budgeted: bool = False


class Gateway:
    def __init__(
        self,
        catalogue: Catalogue,
        resolver: Resolver,
        throttle: Throttle,
        upstream: Upstream,
        max_body: int,
        access_log: AccessLog,
        public_url: str | None = None,
        *,
        idempotency: IdempotencyStore | None = None,
        pauses: Pauses | None = None,
        retry_budget: float = 0.0,
        retry_attempts: int = 0,
        budget: SendBudget | None = None,
    ) -> None:
        self.catalogue = catalogue
        self.resolver = resolver
        self.throttle = throttle
        self.upstream = upstream
        self.max_body = max_body
        self.access_log = access_log
        self.idempotency = idempotency
        self.pauses = pauses or Pauses(0.0, 0.0)
        self.retry_budget = retry_budget
        self.retry_attempts = retry_attempts
        self.budget = budget
        self.stats = GatewayStats()
        # Where clients reach the gateway: rewritten links point here.
        self.public_url = (public_url or resolver.connections.base_url).rstrip("/")
        # Per app, parsed once: where its clients may put the key, and what never goes on.
        self.slots = {slug: Slots(p.native_auth) for slug, p in catalogue.providers.items()}
        self.bearer_only = Slots([])
        self.drop = {
            slug: DROP_REQUEST | slots.headers | {RAW_LINKS} for slug, slots in self.slots.items()
        }
        self._rewriters: dict[tuple[str, RouteTable], LinkRewriter | None] = {}

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
            app = record.get("app")
            self.stats.request(app if app in self.slots else "unknown", record.get("status", 499))
            self.access_log.write(record)

    async def _proxy(
        self, scope: Scope, receive: Receive, send: Send, request_id: str, record: dict[str, Any]
    ) -> None:
        raw_path: bytes = scope.get("raw_path") or scope["path"].encode()
        path = raw_path.decode("latin-1").split("?", 1)[0]
        app, _, rest = path[1:].partition("/")
        record["app"] = app[:64]  # callers choose it: a log line must not carry an essay
        headers = scope["headers"]
        if scope["method"] not in METHODS:
            raise MethodNotAllowed(f"{scope['method'][:20]} is not a method the gateway forwards")
        slots = self.slots.get(app, self.bearer_only)
        found: dict[bytes, bytes] = {}
        named = ""
        raw_links = False
        hop: set[bytes] = set()
        idempotency_key: bytes | None = None
        for name, value in headers:
            if name in slots.headers:
                if name in found:  # two readers could pick different ones: refuse, pick none
                    raise InvalidRequest(
                        f"send one {name.decode()} header, not several", code="duplicate_header"
                    )
                found[name] = value
            elif name == b"connection":
                hop.update(t.strip().lower() for t in value.split(b","))
            elif name == b"maton-connection":
                named = value.decode("latin-1").strip()
            elif name == RAW_LINKS:
                raw_links = value.strip().lower() in (b"1", b"true", b"yes")
            elif name == IDEMPOTENCY_KEY:
                idempotency_key = value
            elif name == ACTION:
                record["action"] = value.decode("latin-1")[:100]
        presented = slots.presented(found)
        caller = await self.resolver.caller_by_key(presented.key)
        record["account"] = caller.account_id
        record["key"] = caller.key_id
        method: str = scope["method"]
        provider = self.catalogue.get(app)
        if provider is None:
            raise NotFound(f"unknown app {app!r}", code="app_not_found")
        upstream_path = safe_upstream_path("/" + rest)
        record["path"] = template(upstream_path)
        caller.scope.check_method(method)
        caller.scope.check_app(app)
        # Maton-Connection names a connection outright; else the slot may (a Basic username).
        wanted: Wanted = named or presented.select or ""
        wanted, resolved = await self._connection(caller, provider, wanted)
        record["connection"] = resolved.connection_id
        # Only a key that limits sends pays for finding out whether this is one.
        sends = send_route(provider, method, upstream_path) if caller.scope.limits_sends else None
        limited_to = sends is not None and caller.scope.to is not None

        drop = self.drop[app]
        forward = [
            (n, v)
            for n, v in headers
            if n not in drop and n not in hop and not n.startswith((b"x-maton-", b"x-forwarded-"))
        ]
        forward.extend(resolved.headers)
        keyed = idempotency_key is not None and self.idempotency is not None and method in KEYED
        body, length = await self._body(headers, receive, whole=keyed or limited_to)
        if sends is not None and limited_to:
            assert not isinstance(body, _Streamed)
            check_destinations(caller.scope, sends, body, _header(headers, b"content-encoding"))
        if length is not None:
            forward.append((b"content-length", str(length).encode()))
        query = scope.get("query_string", b"")
        base = resolved.upstream.base(upstream_path)
        url = base + upstream_path + ("?" + query.decode("latin-1") if query else "")
        links = None if raw_links else self._rewriter(provider, resolved.upstream)
        out = _Outbound(method, url, forward, body, provider, caller, wanted, resolved, links)
        out.budgeted = sends is not None and bool(caller.scope.budgets)
        if not keyed:
            await self._send(out, send, request_id, record)
            return
        assert idempotency_key is not None and not isinstance(body, _Streamed)
        target = path + ("?" + query.decode("latin-1") if query else "")
        print_ = fingerprint(caller.mode.value, method, target, body)
        await self._send_keyed(check_key(idempotency_key), print_, out, send, request_id, record)

    async def _connection(
        self, caller: Caller, provider: Provider, wanted: Wanted
    ) -> tuple[Wanted, Resolved]:
        """The connection to use, within the key's scope. A key limited to some connections
        that names none uses the first of them that is a usable connection of this app."""
        allowed = caller.scope.connections
        if wanted or allowed is None:
            resolved = await self.resolver.connection(caller, provider, wanted)
            caller.scope.check_connection(resolved.connection_id)
            return wanted, resolved
        for connection_id in allowed:
            try:
                return connection_id, await self.resolver.connection(
                    caller, provider, connection_id
                )
            except (NotFound, Conflict, Forbidden, CredentialsExpired):
                continue
        raise ScopeDenied(
            f"none of this API key's connections ({', '.join(allowed) or 'none'}) is a usable "
            f"{caller.mode.value}-mode {provider.slug} connection",
            code="scope_connection",
        )

    async def _send_keyed(
        self,
        key: str,
        print_: str,
        out: _Outbound,
        send: Send,
        request_id: str,
        record: dict[str, Any],
    ) -> None:
        """Run a keyed request once: replay a stored answer, or run it and store its answer."""
        store = self.idempotency
        assert store is not None
        outcome = await store.claim(out.caller.account_id, key, print_)
        if isinstance(outcome, Replay):
            self.stats.replays += 1
            record["status"] = outcome.status
            record["replayed"] = True
            await replay(send, outcome, request_id)
            return
        out.keyed = True
        capture = Capture(send, store.max_body)
        try:
            await self._send(out, capture.send, request_id, record)
        except BaseException as exc:
            await self._settle(outcome, capture, exc, request_id, record)
            raise
        if capture.status in PAUSE_STATUSES:  # the provider declined to act: a repeat may run
            await store.release(outcome)
        else:
            await store.finish(outcome, capture.status or 0, capture.headers, capture.body())

    async def _settle(
        self,
        claim: Claim,
        capture: Capture,
        exc: BaseException,
        request_id: str,
        record: dict[str, Any],
    ) -> None:
        """A keyed request failed: release the key when nothing can have reached the provider,
        else store what its caller saw (a repeat must not send it a second time)."""
        store = self.idempotency
        assert store is not None
        try:
            if capture.status is not None:  # the answer broke off mid-body
                await store.finish(claim, capture.status, capture.headers, None)
            elif "attempts" not in record or never_sent(exc):
                await store.release(claim)
            else:
                error = (
                    exc
                    if isinstance(exc, TrunklineError)
                    else UpstreamUnavailable(
                        "the first request with this Idempotency-Key ended before its answer; "
                        "whether the provider acted on it is unknown",
                        code="idempotency_outcome_unknown",
                    )
                )
                headers = [(b"content-type", b"application/json")]
                headers += [(k.lower().encode(), v.encode()) for k, v in error.headers().items()]
                await store.finish(claim, error.status, headers, error.body(request_id))
        except Exception:
            log.exception("could not settle an idempotency key")

    async def _send(
        self, out: _Outbound, send: Send, request_id: str, record: dict[str, Any]
    ) -> None:
        """The exchange: pauses and throttle first, then the provider; retries where safe and
        one OAuth2 refresh when the provider refuses the access token."""
        provider, resolved = out.provider, out.resolved
        if out.budgeted and self.budget is not None:  # once per send, not per retry
            await self.budget.spend(out.caller.key_id, out.caller.scope)
        replayable = not isinstance(out.body, _Streamed)
        retry_any = replayable and out.method in IDEMPOTENT
        retry_connect = retry_any or (replayable and out.keyed)
        refresh = resolved.expires_at is not None and replayable
        deadline = time.monotonic() + self.retry_budget
        attempt = 0
        upstream_started = time.perf_counter()
        try:
            while True:
                await self.pauses.wait(resolved.throttle_key)
                await self.throttle.acquire(resolved.throttle_key, provider.limits)
                attempt += 1
                record["attempts"] = attempt
                reason = ""
                try:
                    async with self.upstream.request(
                        out.method, out.url, out.forward, out.body, share_key=resolved.throttle_key
                    ) as response:
                        status = response.status
                        pause = self._pause(provider, resolved, status, response.headers)
                        if status in RETRY_STATUSES and retry_any:
                            reason = (
                                str(status) if self._may_retry(attempt, deadline, pause) else ""
                            )
                        if not reason and not (refresh and status == 401):
                            await relay(response, send, request_id, record, out.links)
                            return
                except (aiohttp.ClientError, OSError, UpstreamUnavailable, UpstreamTimeout) as exc:
                    if not (retry_connect and never_sent(exc)):
                        raise
                    if not self._may_retry(attempt, deadline, 0.0):
                        raise
                    reason = "connect"
                if not reason:  # a refused access token: refresh once and send again
                    refresh = False
                    stale = resolved
                    resolved = await self.resolver.refreshed(
                        out.caller, provider, out.wanted or "", stale
                    )
                    out.resolved = resolved
                    out.forward = [h for h in out.forward if h not in stale.headers]
                    out.forward += resolved.headers
                    continue
                self.stats.retry(provider.slug, reason)
                await asyncio.sleep(min(jitter(attempt), max(0.0, deadline - time.monotonic())))
        except TimeoutError as exc:
            raise UpstreamTimeout(f"{provider.name} did not answer in time") from exc
        except (aiohttp.ClientError, OSError) as exc:
            if isinstance(out.body, _Streamed) and out.body.too_large:
                raise PayloadTooLarge(f"request body exceeds {self.max_body} bytes") from exc
            raise UpstreamUnavailable(
                f"could not reach {provider.name}: {type(exc).__name__}"
            ) from exc
        finally:
            seconds = time.perf_counter() - upstream_started
            record["upstream_ms"] = round(seconds * 1000, 2)
            self.stats.upstream(provider.slug, seconds)

    def _pause(
        self, provider: Provider, resolved: Resolved, status: int, headers: Headers
    ) -> float:
        """A 429 or 503 with Retry-After pauses the credential; returns the pause (s)."""
        if status not in PAUSE_STATUSES:
            return 0.0
        seconds = retry_after(headers)
        if seconds is None or seconds <= 0:
            return 0.0
        self.stats.pause(provider.slug)
        return self.pauses.pause(resolved.throttle_key, seconds)

    def _may_retry(self, attempt: int, deadline: float, pause: float) -> bool:
        """Another try fits: attempts left, and the pause fits both the wait and the budget."""
        return (
            attempt <= self.retry_attempts
            and pause <= self.pauses.max_wait
            and time.monotonic() + pause < deadline
        )

    def _rewriter(self, provider: Provider, table: RouteTable) -> LinkRewriter | None:
        """The app's link rewriter for this route table, compiled on first use; None when the
        app declares no links."""
        key = (provider.slug, table)
        if key not in self._rewriters:
            links = provider.links
            self._rewriters[key] = (
                LinkRewriter(links, table, f"{self.public_url}/{provider.slug}")
                if links.fields or links.headers
                else None
            )
        return self._rewriters[key]

    async def _body(
        self, headers: list[tuple[bytes, bytes]], receive: Receive, whole: bool = False
    ) -> tuple[bytes | _Streamed | None, int | None]:
        """The request body: read whole when small (or ``whole``), else streamed."""
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
        if not whole and (chunked or (declared is not None and declared > SMALL_BODY)):
            # Large or of unknown length: forward as it arrives, in constant memory.
            return _Streamed(receive, self.max_body), declared
        body = await read_body(receive, self.max_body)
        return (body or None), (len(body) if body else None)


async def relay(
    response: UpstreamResponse,
    send: Send,
    request_id: str,
    record: dict[str, Any],
    links: LinkRewriter | None = None,
) -> None:
    """Pass the provider's answer back: status, headers (less hop-by-hop), streamed body.

    A small body of known length goes out in one message (one write instead of three).
    With ``links``, the declared headers and a bounded JSON body get their links rewritten.
    ``record["status"]`` is set when the head goes out: until then a failure (the provider
    breaking off a body read whole) is still answered in the error shape."""
    hop = {
        t.strip().lower() for n, v in response.headers if n == b"connection" for t in v.split(b",")
    }
    out = [
        (UPSTREAM_REQUEST_ID if n == b"x-request-id" else n, v)
        for n, v in response.headers
        if n not in DROP_RESPONSE and n not in hop
    ]
    out.append((b"x-request-id", request_id.encode()))
    if links is not None:
        out = [(n, links.header(v) if n in links.headers else v) for n, v in out]
        if links.rewrites_bodies and is_json(_header(out, b"content-type")):
            await _relay_linked(response, send, out, links, record)
            return
    length = response.content_length
    if length is not None and length <= SMALL_BODY:
        body = await response.read()
        await _start(send, record, response.status, out)
        await send({"type": "http.response.body", "body": body, "more_body": False})
        return
    await _stream(response, send, out, [], response.chunks(), record)


async def _start(
    send: Send, record: dict[str, Any], status: int, headers: list[tuple[bytes, bytes]]
) -> None:
    record["status"] = status  # from here on, the caller has an answer under way
    await send({"type": "http.response.start", "status": status, "headers": headers})


async def _relay_linked(
    response: UpstreamResponse,
    send: Send,
    out: list[tuple[bytes, bytes]],
    links: LinkRewriter,
    record: dict[str, Any],
) -> None:
    """A JSON answer: read up to the link limit; if it all fits, rewrite it and fix its
    length, else send what was read and stream the rest untouched."""
    length = response.content_length
    if length is not None and length > LINK_BODY_LIMIT:
        await _stream(response, send, out, [], response.chunks(), record)
        return
    chunks = response.chunks()
    parts: list[bytes] = []
    size = 0
    async for chunk in chunks:
        parts.append(chunk)
        size += len(chunk)
        if size > LINK_BODY_LIMIT:
            await _stream(response, send, out, parts, chunks, record)
            return
    body = b"".join(parts)
    edited = links.body(body, _header(out, b"content-encoding"))
    if edited is not None:
        body = edited
        out = [(n, v) for n, v in out if n != b"content-length"]
        out.append((b"content-length", str(len(body)).encode()))
    await _start(send, record, response.status, out)
    await send({"type": "http.response.body", "body": body, "more_body": False})


async def _stream(
    response: UpstreamResponse,
    send: Send,
    out: list[tuple[bytes, bytes]],
    read: list[bytes],
    rest: AsyncIterator[bytes],
    record: dict[str, Any],
) -> None:
    """Send the head, the chunks already ``read``, then the ``rest`` as it arrives."""
    await _start(send, record, response.status, out)
    for chunk in read:
        await send({"type": "http.response.body", "body": chunk, "more_body": True})
    async for chunk in rest:
        await send({"type": "http.response.body", "body": chunk, "more_body": True})
    await send({"type": "http.response.body", "body": b"", "more_body": False})


def _header(headers: list[tuple[bytes, bytes]], name: bytes) -> bytes | None:
    for n, v in headers:
        if n == name:
            return v
    return None


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


_TEMPLATES: dict[str, str] = {}


def template(path: str) -> str:
    """``/v1/messages/AC123abc`` → ``/v1/messages/{id}``: a log field without customer data."""
    found = _TEMPLATES.get(path)
    if found is None:
        found = "/".join(_ID_SEGMENT.sub("{id}", segment) for segment in path.split("/"))
        if len(_TEMPLATES) >= 8192:  # bounded: paths with ids in them never repeat
            _TEMPLATES.clear()
        _TEMPLATES[path] = found
    return found
