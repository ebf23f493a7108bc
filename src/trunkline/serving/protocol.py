"""uvicorn's httptools protocol with the inbound limits it lacks, enforced at the socket.

What uvicorn + httptools does alone (measured, docs/performance.md): refuses Content-Length
together with Transfer-Encoding (llhttp, 400) and closes idle keep-alive connections
(``timeout_keep_alive``); but it buffers a header line or a header count without bound, has no
deadline for a request head or body (slowloris), and accepts connections until the process runs
out of file descriptors. This subclass adds:

- a request head cap (line + headers, ``max_header_bytes``) and a header count cap → 431;
- a head deadline from connect / from the first byte of the next request → close;
- a body deadline: the longest silence while a body arrives → 408 and close;
- one write per response (head and body together) instead of uvicorn's two;
- a connection cap: at the cap a new connection replaces the longest-waiting connection that has
  no request in flight (so thousands of slow sockets cannot lock real clients out), or is
  closed when every connection is busy.

Deadlines are checked by one sweep a second over the open connections (no timer per request on
the hot path), so they hold to within a second.
"""

from __future__ import annotations

import asyncio
import logging
import resource
from dataclasses import dataclass
from typing import Any, ClassVar

import httptools
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

log = logging.getLogger("trunkline.server")

# File descriptors kept free for the listening socket, upstream connections, the DB and logs.
FD_HEADROOM = 256
SWEEP_SECONDS = 1.0
# After a refusal, read and drop what the client still sends for this long before closing, so
# the kernel does not reset the connection (and lose our answer) over unread bytes; as nginx.
LINGER_SECONDS = 2.0
LINGER_BYTES = 256 * 1024
PHRASES = {400: b"Bad Request", 408: b"Request Timeout", 431: b"Request Header Fields Too Large"}


@dataclass(frozen=True)
class Limits:
    max_header_bytes: int = 32 * 1024
    max_headers: int = 100
    header_timeout: float = 10.0
    body_timeout: float = 30.0
    max_connections: int = 4096

    def connection_cap(self) -> int:
        """``max_connections``, held under the open-file limit so accept() never hits EMFILE."""
        soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
        if soft == resource.RLIM_INFINITY:
            return self.max_connections
        return max(16, min(self.max_connections, soft - FD_HEADROOM, soft * 3 // 4))


class _Corked:
    """The transport as a response sees it: writes made in one event-loop turn go out in one
    ``write`` (uvicorn writes a response's head and body separately: two syscalls, two
    segments). Flushed on the next turn, before any close."""

    __slots__ = ("_flush_handle", "_loop", "_parts", "transport")

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self.transport = transport
        self._loop = loop
        self._parts: list[bytes] = []
        self._flush_handle: asyncio.Handle | None = None

    def write(self, data: bytes) -> None:
        self._parts.append(data)
        if self._flush_handle is None:
            self._flush_handle = self._loop.call_soon(self.flush)

    def flush(self) -> None:
        if self._flush_handle is not None:
            self._flush_handle.cancel()
            self._flush_handle = None
        if self._parts:
            data = self._parts[0] if len(self._parts) == 1 else b"".join(self._parts)
            self._parts.clear()
            if not self.transport.is_closing():
                self.transport.write(data)

    def close(self) -> None:
        self.flush()
        self.transport.close()

    def is_closing(self) -> bool:
        return self.transport.is_closing()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.transport, name)


class _Refused(Exception):
    """Raised from a parser callback to stop parsing; data_received answers."""


def protocol_class(limits: Limits) -> type[GuardedProtocol]:
    """A protocol class bound to ``limits`` (uvicorn builds protocols from a class)."""
    return type(
        "GuardedProtocol",
        (GuardedProtocol,),
        {"limits": limits, "cap": limits.connection_cap(), "_sweeper": None},
    )


class GuardedProtocol(HttpToolsProtocol):
    limits: ClassVar[Limits] = Limits()
    cap: ClassVar[int] = 4096
    _sweeper: ClassVar[asyncio.TimerHandle | None] = None
    _all: ClassVar[set[Any]] = set()

    # Per connection: bytes of the request head read so far, when the current phase (head,
    # body silence, lingering) must end (None: no deadline), when its last request began.
    # Whether a head or a body is being read comes from uvicorn's cycle (``more_body``), so
    # the hot path pays for one override (on_headers_complete) and no per-header callback.
    _head_seen = 0
    _deadline: float | None = None
    _since = 0.0
    _refusal: tuple[int, bytes] | None = None
    _lingering = False
    _cork: _Corked | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._cork = _Corked(transport, self.loop)
        now = self.loop.time()
        self._since = now
        self._deadline = now + self.limits.header_timeout
        cls = type(self)
        if cls._sweeper is None:
            cls._all = self.connections  # the server's set of open connections
            cls._sweeper = self.loop.call_later(SWEEP_SECONDS, cls._sweep, self.loop)
        if len(self.connections) > self.cap and not self._evict_one():
            transport.close()  # every connection is busy: this one waits its turn elsewhere

    def _evict_one(self) -> bool:
        """Close the connection that has waited longest without a request in flight."""
        victim: GuardedProtocol | None = None
        for conn in self.connections:
            if conn is self or not isinstance(conn, GuardedProtocol) or conn._busy():
                continue
            if victim is None or conn._since < victim._since:
                victim = conn
        if victim is None:
            return False
        victim._shut()
        return True

    def _busy(self) -> bool:
        return self.cycle is not None and not self.cycle.response_complete

    def _reading_body(self) -> bool:
        cycle = self.cycle
        return cycle is not None and cycle.more_body and not cycle.response_complete

    @classmethod
    def _sweep(cls, loop: asyncio.AbstractEventLoop) -> None:
        cls._sweeper = loop.call_later(SWEEP_SECONDS, cls._sweep, loop)
        now = loop.time()
        for conn in list(cls._all):
            deadline = conn._deadline
            if deadline is None or deadline > now or not isinstance(conn, GuardedProtocol):
                continue
            if not conn._lingering and conn._reading_body():
                if conn.flow is not None and conn.flow.read_paused:
                    # We stopped reading (the app is slow), not the client: not its silence.
                    conn._deadline = now + cls.limits.body_timeout
                    continue
                conn._close_with(408, b"request body timed out")
            else:
                conn._shut()

    def _shut(self) -> None:
        """Close, after any response still corked."""
        if self._cork is not None:
            self._cork.flush()
        self.transport.close()

    def shutdown(self) -> None:
        if self._cork is not None:
            self._cork.flush()  # uvicorn closes finished connections straight away
        super().shutdown()

    def connection_lost(self, exc: Exception | None) -> None:
        self._deadline = None
        if self._cork is not None:
            self._cork._parts.clear()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        # uvicorn's data_received, plus the head cap before the parser buffers anything.
        self._unset_keepalive_if_required()
        if self._lingering:
            self._head_seen += len(data)
            if self._head_seen > LINGER_BYTES:
                self.transport.close()  # it keeps sending: no more courtesy
            return
        cycle = self.cycle
        if cycle is None or not cycle.more_body:  # a request head
            if self._deadline is None:  # its first byte (on a kept-alive connection)
                self._deadline = self.loop.time() + self.limits.header_timeout
            seen = self._head_seen + len(data)
            if seen > self.limits.max_header_bytes and not self._head_ends_in(data):
                self._close_with(431, b"request header fields too large")
                return
            self._head_seen = seen
        else:  # body bytes: the silence starts again
            self._deadline = self.loop.time() + self.limits.body_timeout
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            # As uvicorn: a WebSocket upgrade is handed over, any other (h2c) is ignored and the
            # request served as HTTP/1.1.
            if self._should_upgrade():
                self.handle_websocket_upgrade()
            else:
                self._unsupported_upgrade_warning()
        except httptools.HttpParserError:
            self._close_with(*(self._refusal or (400, b"invalid HTTP request")))
            return
        if self._reading_body():
            if self._deadline is None:  # the head ended in this data, the body did not
                self._deadline = self.loop.time() + self.limits.body_timeout
        elif self._head_seen == 0:
            self._deadline = None  # nothing pending from this client

    def _head_ends_in(self, data: bytes) -> bool:
        """Whether the head ends within the cap (the cap counted from the head's first byte)."""
        room = self.limits.max_header_bytes - self._head_seen
        end = data.find(b"\r\n\r\n", 0, max(0, room))
        return end >= 0

    def on_headers_complete(self) -> None:
        # The head is bounded by max_header_bytes, so counting its fields here (not one callback
        # per header) keeps memory bounded too.
        if len(self.headers) > self.limits.max_headers:
            self._refusal = (431, b"too many request header fields")
            raise _Refused
        self._head_seen = 0
        self._deadline = None
        self._since = self.loop.time()
        super().on_headers_complete()
        if self.cycle is not None:
            self.cycle.transport = self._cork  # type: ignore[assignment]

    def _close_with(self, status: int, reason: bytes) -> None:
        """Answer ``status`` if no response is under way on this connection, then close."""
        if self.transport.is_closing() or self._lingering:
            return
        if self._cork is not None:
            self._cork.flush()  # a finished response still waiting goes first
        cycle = self.cycle
        answered = False
        if cycle is None or cycle.response_complete or not cycle.response_started:
            log.info("refused a client request: %s %s", status, reason.decode())
            self.transport.write(
                b"HTTP/1.1 %d %s\r\ncontent-type: text/plain\r\ncontent-length: %d\r\n"
                b"connection: close\r\n\r\n%s" % (status, PHRASES[status], len(reason), reason)
            )
            answered = True
        if cycle is not None and not cycle.response_complete:
            # The app (if running) now reads a disconnect and its answer goes nowhere.
            cycle.disconnected = True
            cycle.message_event.set()
        if answered and self.transport.can_write_eof():
            self.transport.write_eof()
            self._lingering = True
            self._head_seen = 0  # now counts the bytes dropped while lingering
            self._deadline = self.loop.time() + LINGER_SECONDS
            self.flow.resume_reading()
            return
        self._deadline = None
        self.transport.close()
