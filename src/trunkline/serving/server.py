"""trunkline's own HTTP/1.1 server: asyncio (uvloop) + httptools (llhttp), ASGI for every route.

Why it exists: uvicorn's per-request machinery (its cycle object, an ``asyncio.Event`` per
request, two writes per response, keep-alive timer handles) cost more CPU than the gateway's
own logic (docs/performance.md). This server keeps llhttp as the parser, so what is a valid
request (and how it is framed) is decided by the same C code as under uvicorn, and adds only
the small part around it:

- one ``write()`` per small response (head and body together), chunked or close-delimited when
  the length is unknown, nothing after the head for HEAD, 204 and 304;
- every inbound limit of ``serving/protocol.py``: head size and header count caps (431), a head
  deadline from connect or from the first byte of the next request, a body deadline of silence
  (408), an idle keep-alive deadline, a connection cap with eviction of the longest-waiting idle
  connection, Content-Length with Transfer-Encoding refused (llhttp: 400), a lingering close
  after a refusal;
- pipelined requests answered in order, one at a time (reading pauses while one waits);
- back-pressure both ways: reading pauses when a request body piles up unread, a response
  waits while the client's socket buffer is full.

Deadlines are checked by one sweep a second (no timer per request), so they hold to within a
second. Whatever the app does wrong (raises, never answers, answers twice) ends that one
request with a 500 or a close, never the process.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import signal
import socket
from collections import deque
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from email.utils import formatdate
from http import HTTPStatus
from typing import Any
from urllib.parse import unquote

import httptools

from trunkline.lifespan import run_lifespan
from trunkline.serving.protocol import LINGER_BYTES, LINGER_SECONDS, SWEEP_SECONDS, Limits

log = logging.getLogger("trunkline.server")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
App = Callable[[Scope, Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]], Any]

ASGI = {"version": "3.0", "spec_version": "2.4"}
# A request body piles up at most this much unread before reading pauses.
HIGH_WATER = 256 * 1024
STATUS_LINES = {s.value: b"HTTP/1.1 %d %s\r\n" % (s.value, s.phrase.encode()) for s in HTTPStatus}
NO_BODY = frozenset({204, 304})
# Response header names: an RFC 9110 token. Values: no control bytes but tab.
_TOKEN = re.compile(rb"[!#$%&'*+\-.^_`|~0-9a-zA-Z]+")
_CONTROLS = bytes(c for c in range(32) if c != 9) + b"\x7f"
_REFUSALS = {
    400: b"invalid HTTP request",
    408: b"request body timed out",
    431: b"request header fields too large",
}


@dataclass(frozen=True)
class Config:
    limits: Limits = field(default_factory=Limits)
    keep_alive_timeout: float = 15.0
    shutdown_timeout: float = 10.0
    # Added to every response (e.g. which worker answered).
    headers: tuple[tuple[bytes, bytes], ...] = ()


class _Refused(Exception):
    """Raised from a parser callback to stop parsing; data_received answers ``status``."""

    def __init__(self, status: int, reason: bytes) -> None:
        self.status = status
        self.reason = reason


class _Shared:
    """What every connection of one server shares: the app, the limits, the open connections,
    the current Date header."""

    def __init__(self, app: App, config: Config, loop: asyncio.AbstractEventLoop) -> None:
        self.app = app
        self.config = config
        self.limits = config.limits
        self.cap = config.limits.connection_cap()
        self.loop = loop
        self.connections: set[HttpConnection] = set()
        self.tasks: set[asyncio.Task[None]] = set()
        self.extra = b"".join(b"%s: %s\r\n" % pair for pair in config.headers)
        self.common = b""  # the Date header and the extra headers, for every response
        self.sweeper: asyncio.TimerHandle | None = None
        self.names: set[bytes] = set()  # response header names already found valid
        self.stopping = False
        self.tick()

    def tick(self) -> None:
        self.common = b"date: " + formatdate(usegmt=True).encode() + b"\r\n" + self.extra


class Cycle:
    """One request and its response: the ``receive`` and ``send`` the app gets."""

    __slots__ = (
        "body",
        "chunked",
        "complete",
        "conn",
        "continue_100",
        "disconnected",
        "head",
        "keep_alive",
        "length",
        "more_body",
        "queued",
        "scope",
        "sent",
        "started",
        "status",
        "waiter",
    )

    def __init__(self, conn: HttpConnection, scope: Scope, keep_alive: bool, expect: bool) -> None:
        self.conn = conn
        self.scope = scope
        self.keep_alive = keep_alive
        self.continue_100 = expect
        self.body: list[bytes] = []
        self.queued = 0  # bytes in ``body``
        self.more_body = True
        self.disconnected = False
        self.waiter: asyncio.Future[None] | None = None
        self.started = False
        self.complete = False
        self.head = b""  # the response head, held until the first body message
        self.status = 0
        self.length: int | None = None  # declared Content-Length, counted down as it is sent
        self.chunked = False
        self.sent = False  # the head went out

    def wake(self) -> None:
        waiter = self.waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def receive(self) -> Message:
        conn = self.conn
        if self.continue_100 and self.more_body and not self.body:
            self.continue_100 = False
            if not self.disconnected and not self.started:
                conn.transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        while self.more_body and not self.body and not self.disconnected and not self.complete:
            conn.resume()
            self.waiter = conn.loop.create_future()
            await self.waiter
            self.waiter = None
        if self.disconnected or self.complete:
            return {"type": "http.disconnect"}
        body = self.body[0] if len(self.body) == 1 else b"".join(self.body)
        self.body.clear()
        self.queued = 0
        if self.more_body:
            conn.resume()
        return {"type": "http.request", "body": body, "more_body": self.more_body}

    async def send(self, message: Message) -> None:
        if self.disconnected:
            return
        if not self.started:
            if message["type"] != "http.response.start":
                raise RuntimeError(f"expected http.response.start, got {message['type']}")
            self._start(message["status"], message.get("headers", ()))
            return
        if message["type"] != "http.response.body" or self.complete:
            raise RuntimeError(f"unexpected ASGI message {message['type']!r} here")
        body: bytes = message.get("body", b"")
        more: bool = message.get("more_body", False)
        conn = self.conn
        if self.length is not None and not self._bodiless():
            self.length -= len(body)
            if self.length < 0 or (not more and self.length > 0):
                self.keep_alive = False  # the app broke its own framing: end the connection
                raise RuntimeError("response body does not match its Content-Length")
        if not self.sent:
            data = self._head_with(body, more)
        elif self._bodiless():
            data = b""
        elif self.chunked and body:
            data = b"%x\r\n%s\r\n" % (len(body), body)
        else:
            data = body
        if not more:
            if self.chunked:
                data += b"0\r\n\r\n"
            self.complete = True
        if data:
            conn.transport.write(data)
        if self.complete:
            conn.finished(self)
        elif conn.write_paused:
            await conn.drain()

    def _head_with(self, body: bytes, more: bool) -> bytes:
        """The head, framed now that the first body message shows whether the length is
        known, followed by that first body."""
        self.sent = True
        head = self.head
        if self._bodiless():
            self.chunked = False
            body = b""
        elif self.length is None and not more:
            # The whole body in one message: its length is known after all.
            self.chunked = False
            head += b"content-length: %d\r\n" % len(body)
        elif self.chunked:
            head += b"transfer-encoding: chunked\r\n"
            body = b"%x\r\n%s\r\n" % (len(body), body) if body else b""
        elif self.length is None:  # HTTP/1.0 and no length: the close ends the body
            self.keep_alive = False
        if not self.keep_alive:
            head += b"connection: close\r\n"
        return head + b"\r\n" + body

    def _bodiless(self) -> bool:
        return self.scope["method"] == "HEAD" or self.status in NO_BODY or self.status < 200

    def _start(self, status: int, headers: Any) -> None:
        shared = self.conn.shared
        parts = [STATUS_LINES.get(status) or b"HTTP/1.1 %d \r\n" % status]
        for name, value in headers:
            lower = name.lower()
            if lower not in shared.names:
                if not _TOKEN.fullmatch(lower):
                    raise RuntimeError(f"invalid response header name {name!r}")
                if len(shared.names) < 4096:
                    shared.names.add(lower)
            if lower == b"content-length":
                self.length = int(value)
            elif lower == b"transfer-encoding":
                continue  # framing is this server's to choose
            elif lower == b"connection" and value.lower() == b"close":
                self.keep_alive = False
                continue
            parts.append(b"%s: %s\r\n" % (name, value))
        head = b"".join(parts)
        # Each line ends in the CRLF put there; any other control byte is a value's.
        if len(head) - len(head.translate(None, _CONTROLS)) != 2 * len(parts):
            raise RuntimeError("invalid response header value")
        self.status = status
        if self.length is None and not self._bodiless() and self.conn.http11:
            self.chunked = True  # unless the first body message turns out to be the last
        self.head = head + shared.common
        self.started = True


class HttpConnection(asyncio.Protocol):
    """One client connection: parses with llhttp, runs one request at a time."""

    def __init__(self, shared: _Shared) -> None:
        self.shared = shared
        self.loop = shared.loop
        self.limits = shared.limits
        self.parser = httptools.HttpRequestParser(self)
        self.transport: asyncio.Transport = None  # type: ignore[assignment]
        self.server: tuple[str, int] | None = None
        self.client: tuple[str, int] | None = None
        self.http11 = True
        self.url = b""
        self.headers: list[tuple[bytes, bytes]] = []
        self.parsing: Cycle | None = None  # the request llhttp is reading
        self.cycle: Cycle | None = None  # the request being answered
        self.pipeline: deque[Cycle] = deque()
        self.in_body = False
        self.head_seen = 0
        self.deadline: float | None = None
        self.idle = False  # between requests: the deadline is the keep-alive one
        self.since = 0.0
        self.lingering = False
        self.eof = False  # the client half-closed: answer what it sent, then close
        self.read_paused = False
        self.write_paused = False
        self.drained: asyncio.Future[None] | None = None

    # -- the connection --------------------------------------------------------------------

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        self.transport = transport
        shared = self.shared
        shared.connections.add(self)
        self.server = _address(transport.get_extra_info("sockname"))
        self.client = _address(transport.get_extra_info("peername"))
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        now = self.loop.time()
        self.since = now
        self.deadline = now + self.limits.header_timeout
        if shared.stopping:
            transport.close()
        elif len(shared.connections) > shared.cap and not self._evict_one():
            transport.close()  # every connection is busy: this one waits its turn elsewhere

    def connection_lost(self, exc: Exception | None) -> None:
        self.shared.connections.discard(self)
        self.deadline = None
        for cycle in (self.cycle, self.parsing, *self.pipeline):
            if cycle is not None:
                cycle.disconnected = True
                cycle.wake()
        self.pipeline.clear()
        if self.drained is not None and not self.drained.done():
            self.drained.set_result(None)

    def eof_received(self) -> bool:
        """The client sent all it will: finish the request in flight (a half-closed client
        still reads its answer), then close; an unfinished head or body just ends here."""
        self.eof = True
        if self.in_body and self.parsing is not None and not self.parsing.complete:
            self.parsing.disconnected = True  # its body will never be complete
            self.parsing.wake()
        return self.busy() and not self.lingering

    def pause_writing(self) -> None:
        self.write_paused = True

    def resume_writing(self) -> None:
        self.write_paused = False
        if self.drained is not None and not self.drained.done():
            self.drained.set_result(None)

    async def drain(self) -> None:
        if self.write_paused and not self.transport.is_closing():
            self.drained = self.loop.create_future()
            await self.drained

    def resume(self) -> None:
        if self.read_paused and not self.pipeline:
            self.read_paused = False
            self.transport.resume_reading()

    def _pause(self) -> None:
        if not self.read_paused:
            self.read_paused = True
            self.transport.pause_reading()

    def busy(self) -> bool:
        return (self.cycle is not None and not self.cycle.complete) or bool(self.pipeline)

    def _evict_one(self) -> bool:
        """Close the connection that has waited longest without a request in flight."""
        victim: HttpConnection | None = None
        for conn in self.shared.connections:
            if conn is self or conn.busy():
                continue
            if victim is None or conn.since < victim.since:
                victim = conn
        if victim is None:
            return False
        victim.transport.close()
        return True

    def sweep(self, now: float) -> None:
        """The deadline passed: a silent body gets 408, anything else is closed."""
        if self.lingering or not self.in_body:
            self.transport.close()
        elif self.read_paused:  # we stopped reading (the app is slow), not the client
            self.deadline = now + self.limits.body_timeout
        else:
            self.refuse(408, _REFUSALS[408])

    # -- bytes in --------------------------------------------------------------------------

    def data_received(self, data: bytes) -> None:
        if self.lingering:
            self.head_seen += len(data)
            if self.head_seen > LINGER_BYTES:
                self.transport.close()  # it keeps sending: no more courtesy
            return
        limits = self.limits
        if not self.in_body:  # a request head
            if self.idle or self.deadline is None:  # its first byte
                self.idle = False
                self.deadline = self.loop.time() + limits.header_timeout
            seen = self.head_seen + len(data)
            if seen > limits.max_header_bytes and not self._head_ends_in(data):
                self.refuse(431, _REFUSALS[431])
                return
            self.head_seen = seen
        else:  # body bytes: the silence starts again
            self.deadline = self.loop.time() + limits.body_timeout
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            # Upgrades (h2c, WebSocket) are not spoken here: the request is answered as
            # HTTP/1.1 and the connection ends after it, since llhttp reads no further.
            for cycle in (self.cycle, *self.pipeline):
                if cycle is not None:
                    cycle.keep_alive = False
            if self.parsing is not None and self.parsing.more_body:
                self.refuse(400, _REFUSALS[400])
        except _Refused as exc:
            self.refuse(exc.status, exc.reason)
        except httptools.HttpParserCallbackError as exc:
            cause = exc.__context__
            if isinstance(cause, _Refused):
                self.refuse(cause.status, cause.reason)
            else:
                self.refuse(400, _REFUSALS[400])
        except httptools.HttpParserError:
            self.refuse(400, _REFUSALS[400])

    def _head_ends_in(self, data: bytes) -> bool:
        """Whether the head ends within the cap (counted from the head's first byte)."""
        room = self.limits.max_header_bytes - self.head_seen
        return data.find(b"\r\n\r\n", 0, max(0, room)) >= 0

    # llhttp's callbacks, in order, for each request.

    def on_message_begin(self) -> None:
        self.url = b""
        self.headers = []

    def on_url(self, url: bytes) -> None:
        self.url += url

    def on_header(self, name: bytes, value: bytes) -> None:
        headers = self.headers
        if len(headers) >= self.limits.max_headers:
            raise _Refused(431, b"too many request header fields")
        headers.append((name.lower(), value))

    def on_headers_complete(self) -> None:
        parser = self.parser
        url = self.url
        if url[:1] == b"/" and b"#" not in url:
            raw_path, _, query = url.partition(b"?")
        else:
            parsed = httptools.parse_url(url)
            raw_path, query = parsed.path or b"", parsed.query or b""
            if not raw_path.startswith(b"/"):
                raise _Refused(400, b"invalid request target")
        path = raw_path.decode("ascii")
        if "%" in path:
            path = unquote(path)
        version = parser.get_http_version()
        self.http11 = version == "1.1"
        scope = {
            "type": "http",
            "asgi": ASGI,
            "http_version": version,
            "server": self.server,
            "client": self.client,
            "scheme": "http",
            "method": parser.get_method().decode("ascii"),
            "root_path": "",
            "path": path,
            "raw_path": raw_path,
            "query_string": query,
            "headers": self.headers,
        }
        expect = False
        for name, value in self.headers:
            if name == b"expect" and value.lower() == b"100-continue":
                expect = True
        keep_alive = parser.should_keep_alive() and not self.shared.stopping
        cycle = self.parsing = Cycle(self, scope, keep_alive, expect)
        self.head_seen = 0
        self.in_body = True  # until on_message_complete says otherwise
        self.deadline = self.loop.time() + self.limits.body_timeout
        self.since = self.loop.time()
        if self.cycle is None or self.cycle.complete:
            self._run(cycle)
        else:
            self.pipeline.append(cycle)
            self._pause()  # one answer at a time: the client waits, not our memory

    def on_body(self, body: bytes) -> None:
        cycle = self.parsing
        if cycle is None or cycle.complete or cycle.disconnected:
            return  # answered already: the rest of its body is read and dropped
        cycle.body.append(body)
        cycle.queued += len(body)
        if cycle.queued > HIGH_WATER:
            self._pause()
        cycle.wake()

    def on_message_complete(self) -> None:
        cycle = self.parsing
        self.in_body = False
        self.deadline = None
        if cycle is not None:
            cycle.more_body = False
            cycle.wake()

    # -- running the app -------------------------------------------------------------------

    def _run(self, cycle: Cycle) -> None:
        self.cycle = cycle
        task = self.loop.create_task(self._call(cycle))
        tasks = self.shared.tasks
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    async def _call(self, cycle: Cycle) -> None:
        try:
            await self.shared.app(cycle.scope, cycle.receive, cycle.send)
        except BaseException:
            if not cycle.disconnected:
                scope = cycle.scope  # the path is the caller's: bounded in the log
                log.exception("the app failed on %s %s", scope["method"], scope["path"][:200])
        else:
            if not cycle.complete and not cycle.disconnected:
                # The gateway ends an answer this way when its provider breaks off mid-body
                # (and logs why): a cut answer and a close, as uvicorn does, not a server fault.
                log.warning("the app returned before finishing its response: connection closed")
        if not cycle.complete:
            self._abort(cycle)

    def _abort(self, cycle: Cycle) -> None:
        """A 500 when nothing was sent yet, then a close (a cut answer, if one had begun)."""
        if not cycle.sent and not cycle.disconnected:
            body = b"Internal Server Error"
            self.transport.write(
                b"HTTP/1.1 500 Internal Server Error\r\ncontent-type: text/plain; "
                b"charset=utf-8\r\ncontent-length: %d\r\nconnection: close\r\n%s\r\n%s"
                % (len(body), self.shared.common, body)
            )
        cycle.complete = True
        if not self.lingering:  # a lingering close ends by itself
            self.transport.close()

    def finished(self, cycle: Cycle) -> None:
        """A response is complete: the next pipelined request, or wait for one."""
        if not cycle.keep_alive or self.shared.stopping:
            self.transport.close()
            return
        if self.eof and not self.pipeline:
            self.transport.close()
            return
        if self.pipeline:
            self._run(self.pipeline.popleft())
            return
        if not self.in_body:
            self.idle = True
            self.head_seen = 0
            self.deadline = self.loop.time() + self.shared.config.keep_alive_timeout
        self.since = self.loop.time()
        self.resume()

    # -- refusing --------------------------------------------------------------------------

    def refuse(self, status: int, reason: bytes) -> None:
        """Answer ``status`` if no response is under way on this connection, then close."""
        transport = self.transport
        if transport.is_closing() or self.lingering:
            return
        cycle = self.cycle
        answered = False
        if cycle is None or cycle.complete or not cycle.sent:
            log.info("refused a client request: %s %s", status, reason.decode())
            transport.write(
                b"HTTP/1.1 %d %s\r\ncontent-type: text/plain\r\ncontent-length: %d\r\n"
                b"connection: close\r\n\r\n%s"
                % (status, HTTPStatus(status).phrase.encode(), len(reason), reason)
            )
            answered = True
        for pending in (cycle, self.parsing, *self.pipeline):
            if pending is not None and not pending.complete:
                # The app (if running) now reads a disconnect and its answer goes nowhere.
                pending.disconnected = True
                pending.wake()
        self.pipeline.clear()
        if answered and transport.can_write_eof():
            transport.write_eof()
            self.lingering = True
            self.head_seen = 0  # now counts the bytes dropped while lingering
            self.deadline = self.loop.time() + LINGER_SECONDS
            self.read_paused = False
            transport.resume_reading()
            return
        self.deadline = None
        transport.close()


def _address(info: Any) -> tuple[str, int] | None:
    if isinstance(info, tuple) and len(info) >= 2:
        return str(info[0]), int(info[1])
    return None


def _sweep(shared: _Shared) -> None:
    """Once a second: the Date header, and every connection whose deadline passed."""
    loop = shared.loop
    if not loop.is_closed():
        shared.sweeper = loop.call_later(SWEEP_SECONDS, _sweep, shared)
    shared.tick()
    now = loop.time()
    for conn in list(shared.connections):
        deadline = conn.deadline
        if deadline is not None and deadline <= now and not conn.transport.is_closing():
            conn.sweep(now)


async def serve(
    app: App,
    config: Config,
    *,
    sock: socket.socket,
    ready: Callable[[], None] | None = None,
    stop: asyncio.Event | None = None,
) -> None:
    """Run ``app`` on ``sock`` (listening) until SIGINT/SIGTERM or ``stop``: lifespan first,
    then requests; on stop, refuse new connections, let in-flight requests finish for
    ``shutdown_timeout``, close the rest, then the lifespan's shutdown."""
    loop = asyncio.get_running_loop()
    shared = _Shared(app, config, loop)
    stop = stop or asyncio.Event()
    async with run_lifespan(app):
        server = await loop.create_server(lambda: HttpConnection(shared), sock=sock, backlog=2048)
        shared.sweeper = loop.call_later(SWEEP_SECONDS, _sweep, shared)
        installed = []
        with contextlib.suppress(RuntimeError, ValueError):  # not the main thread: tests
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, stop.set)
                installed.append(sig)
        if ready is not None:
            ready()
        try:
            await stop.wait()
        finally:
            shared.stopping = True
            server.close()
            for conn in list(shared.connections):
                if not conn.busy():
                    conn.transport.close()
            if shared.tasks:  # the requests in flight: let them finish, for a while
                await asyncio.wait(list(shared.tasks), timeout=config.shutdown_timeout)
            for conn in list(shared.connections):
                conn.transport.close()
            for task in list(shared.tasks):
                task.cancel()
            if shared.sweeper is not None:
                shared.sweeper.cancel()
            for sig in installed:
                loop.remove_signal_handler(sig)


def run(app: App, config: Config, sock: socket.socket) -> bool:
    """Serve on uvloop until stopped; False when the app's lifespan failed to start."""
    import uvloop

    try:
        uvloop.run(serve(app, config, sock=sock))
    except RuntimeError as exc:  # the lifespan refused to start; it said why
        log.error("could not start: %s", exc)
        return False
    return True
