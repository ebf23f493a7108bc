"""One HTTP/1.1 connection to an upstream: an ``asyncio.Protocol`` that writes requests and lets
``httptools.HttpResponseParser`` parse the responses, one exchange at a time (no pipelining).

The parser callbacks fill per-exchange state; the request coroutine and the body reader wait on
one future that every parser event resolves. Two timers guard an exchange: a read timer that
fires when the upstream has been silent for ``read`` seconds (re-armed lazily, so a busy
connection costs one ``loop.time()`` per packet), and a total timer at the deadline.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterable, AsyncIterator, Callable, Hashable
from typing import cast

from httptools import HttpParserError, HttpParserUpgrade, HttpResponseParser

from trunkline.upstream.errors import (
    BodyLengthMismatch,
    ConnectionLost,
    IncompleteBody,
    ProtocolError,
    ReadTimeout,
    TotalTimeout,
)
from trunkline.upstream.request import Body, Origin

HEAD_LIMIT = 64 * 1024  # bytes of response head (status line, headers, 1xx, trailers)
HIGH_WATER = 256 * 1024  # buffered body bytes at which reading pauses
LOW_WATER = 64 * 1024  # ... and resumes
SMALL_BODY = 64 * 1024  # bytes bodies up to this go out with the head in one write
SLICE = 64 * 1024  # larger ones are written in slices, paced by the transport


class _StopAtHead(Exception):
    """Raised from ``on_headers_complete`` when the response has no body to parse (HEAD,
    CONNECT): httptools cannot be told to skip a body, so parsing stops here."""


class Connection(asyncio.Protocol):
    """Use through the pool. Lifecycle: ``exchange()`` sends a request and returns once the final
    response head is in; ``next_chunk()`` yields the body; ``finish()`` ends the exchange and
    says whether the connection may serve another one."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        origin: Origin,
        on_lost: Callable[[Connection], None] | None = None,
    ) -> None:
        self.loop = loop
        self.origin = origin
        self.on_lost = on_lost
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self.lost: asyncio.Future[None] = loop.create_future()
        self.uses = 0  # exchanges completed; > 0 means the connection came from the idle pool
        self.idle_since = 0.0
        self.slot_held = False  # owned by the pool's accounting
        self.share_key: Hashable = None
        self._parser = HttpResponseParser(self)
        self._parser_dirty = False
        self._write_paused = False
        self._drain_waiter: asyncio.Future[None] | None = None
        self._waiter: asyncio.Future[None] | None = None
        self._read_timer: asyncio.TimerHandle | None = None
        self._total_timer: asyncio.TimerHandle | None = None
        self._send_task: asyncio.Task[None] | None = None
        self.active = False
        self._body: deque[bytes] = deque()
        self._reset(False, None)

    # -- per-exchange state ---------------------------------------------------------------------

    def _reset(self, skip_body: bool, read_timeout: float | None) -> None:
        self._skip_body = skip_body
        self._read_timeout = read_timeout
        self._error: BaseException | None = None
        self._got_bytes = False
        self._head_size = 0  # raw bytes before the head is complete
        self._header_bytes = 0  # parsed header and trailer bytes
        self.leftover = False
        self._head_buf = bytearray() if skip_body else None
        self._messages = 0
        self.head_done = False
        self.complete = False
        self.keep_alive = False
        self.sent = False
        self.status = 0
        self.reason = b""
        self.headers: list[tuple[bytes, bytes]] = []
        self.trailers: list[tuple[bytes, bytes]] = []
        self.content_length: int | None = None
        self._te: bytes | None = None
        self._body.clear()
        self._buffered = 0
        self.received = 0
        self._reading_paused = False
        self._producing = False
        self._last_activity = self.loop.time()

    # -- asyncio.Protocol ---------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        if not self.active:
            # Bytes on an idle connection pair with no request: the connection is unusable.
            self.abort()
            return
        self._last_activity = self.loop.time()
        self._got_bytes = True
        if not self.head_done:
            self._head_size += len(data)
            if self._head_buf is not None:
                self._head_buf += data
        try:
            self._parser.feed_data(data)
        except HttpParserUpgrade:
            self._fail(ProtocolError(f"{self.origin} switched protocols (101) unasked"))
        except HttpParserError as exc:
            self._parser_failed(exc)
        else:
            if not self.head_done and self._head_size > HEAD_LIMIT:
                self._fail(ProtocolError(f"{self.origin} sent a response head over 64 KiB"))
        self._wake()

    def eof_received(self) -> bool:
        return False  # close; connection_lost decides whether the body was complete

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self.active and not self.complete:
            if self.head_done and self._error is None and self._close_delimited():
                self.complete = True  # EOF is how a close-delimited body ends
            elif self._error is None:
                self._error = self._lost_error(exc)
        self._cancel_timers()
        self._wake()
        self._wake_drain()
        if not self.lost.done():
            self.lost.set_result(None)
        if self.on_lost is not None:
            self.on_lost(self)

    def pause_writing(self) -> None:
        self._write_paused = True

    def resume_writing(self) -> None:
        self._write_paused = False
        self._last_activity = self.loop.time()
        self._wake_drain()

    # -- httptools callbacks --------------------------------------------------------------------

    def on_message_begin(self) -> None:
        if self.head_done:
            raise ProtocolError(f"{self.origin} sent bytes after the response")
        self._messages += 1
        self.headers = []
        self.content_length = None
        self._te = None

    def on_status(self, reason: bytes) -> None:
        self.reason = reason

    def on_header(self, name: bytes, value: bytes) -> None:
        self._header_bytes += len(name) + len(value) + 4
        if self._header_bytes > HEAD_LIMIT:
            raise ProtocolError(f"{self.origin} sent a header block over 64 KiB")
        name = name.lower()
        if self.head_done:
            self.trailers.append((name, value))
            return
        self.headers.append((name, value))
        if name == b"content-length":
            self.content_length = int(value)  # llhttp has validated the digits
        elif name == b"transfer-encoding":
            self._te = value

    def on_headers_complete(self) -> None:
        status = self._parser.get_status_code()
        if status < 200:
            return  # 1xx informational: the final response follows
        self.status = status
        self.head_done = True
        if self._skip_body:
            self.keep_alive = self._head_keep_alive()
            raise _StopAtHead

    def on_body(self, chunk: bytes) -> None:
        self._body.append(chunk)
        self._buffered += len(chunk)
        self.received += len(chunk)
        if self._buffered > HIGH_WATER and not self._reading_paused and self.transport:
            self._reading_paused = True  # the consumer lags: let TCP push back on the upstream
            self.transport.pause_reading()

    def on_message_complete(self) -> None:
        if self.head_done:
            self.keep_alive = self._parser.should_keep_alive()
            self.complete = True
            self._cancel_total()

    # -- the exchange ---------------------------------------------------------------------------

    async def exchange(
        self,
        head: bytes,
        body: Body,
        content_length: int | None,
        read_timeout: float | None,
        deadline: float | None,
        skip_body: bool = False,
    ) -> None:
        """Send the request; return when the final response head is in (raise on failure)."""
        transport = self.transport
        if self.closed or transport is None or transport.is_closing():
            raise ConnectionLost(f"{self.origin} closed the connection", before_response=True)
        if self._parser_dirty:
            self._parser = HttpResponseParser(self)
            self._parser_dirty = False
        self._reset(skip_body, read_timeout)
        self.active = True
        self._arm_timers(deadline)
        if body is None:
            transport.write(head)
            self.sent = True
        elif isinstance(body, bytes) and len(body) <= SMALL_BODY:
            transport.write(head + body)
            self.sent = True
        else:
            transport.write(head)
            stream = _slices(body) if isinstance(body, bytes) else body
            length = len(body) if isinstance(body, bytes) else content_length
            self._send_task = self.loop.create_task(self._send(stream, length))
        while not self.head_done:
            if self._error is not None:
                raise self._error
            await self._wait()
        if self._error is not None and not self.complete:
            raise self._error

    async def next_chunk(self) -> bytes:
        """The next body chunk; ``b""`` once the body is complete."""
        while True:
            if self._body:
                chunk = self._body.popleft()
                self._buffered -= len(chunk)
                if self._reading_paused and self._buffered <= LOW_WATER:
                    self._resume_reading()
                return chunk
            if self.complete:
                return b""
            if self._error is not None:
                raise self._error
            if not self.active:
                raise RuntimeError("the response was released")
            await self._wait()

    def finish(self) -> bool:
        """End the exchange. True when the connection is clean and may be reused."""
        reusable = (
            self.active
            and self.complete
            and self.keep_alive
            and self.sent
            and self._error is None
            and not self.closed
        )
        self.active = False
        self._cancel_total()
        if self._send_task is not None and not self._send_task.done():
            self._send_task.cancel()
        self._send_task = None
        self._body.clear()
        self._buffered = 0
        if reusable:
            self.uses += 1
            self.idle_since = self.loop.time()
            if self._reading_paused:
                self._resume_reading()  # so an idle close by the upstream is noticed
        else:
            self.abort()
        return reusable

    async def open_tunnel(self, head: bytes, deadline: float | None) -> int:
        """Send a CONNECT through a proxy; return its status. On 2xx the connection is left
        idle and ready for ``loop.start_tls``."""
        await self.exchange(head, None, None, None, deadline, skip_body=True)
        status = self.status
        if 200 <= status < 300 and self.leftover:
            raise ProtocolError("the proxy sent bytes after its CONNECT answer")
        self.active = False
        self._cancel_total()
        return status

    def use_transport(self, transport: asyncio.Transport) -> None:
        """Switch to the TLS transport ``loop.start_tls`` returned."""
        self.transport = transport

    def abort(self) -> None:
        """Close at once, dropping anything unsent."""
        if self.transport is not None and not self.closed:
            self.transport.abort()

    def close(self) -> None:
        """Close an idle connection politely."""
        if self.transport is not None and not self.closed:
            self.transport.close()

    def shut_down(self, error: BaseException) -> None:
        """Pool shutdown: fail whatever is in flight with ``error`` and close."""
        if self.active and not self.complete:
            self._fail(error)
        self.abort()

    # -- sending a streamed body --------------------------------------------------------------

    async def _send(self, body: AsyncIterable[bytes], length: int | None) -> None:
        try:
            await self._send_chunks(body, length)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self._fail(exc)  # the caller's own iterator errors reach the caller unchanged

    async def _send_chunks(self, body: AsyncIterable[bytes], length: int | None) -> None:
        transport = self.transport
        assert transport is not None
        iterator = aiter(body)
        sent = 0
        while True:
            self._producing = True
            try:
                chunk = await anext(iterator)
            except StopAsyncIteration:
                break
            finally:
                self._producing = False
                self._last_activity = self.loop.time()
            if self._error is not None or self.closed:
                return
            if not chunk:
                continue  # an empty chunk would end a chunked body
            sent += len(chunk)
            if length is None:
                transport.write(b"".join((b"%x\r\n" % len(chunk), chunk, b"\r\n")))
            elif sent > length:
                raise BodyLengthMismatch(f"the body is longer than its length {length}")
            else:
                transport.write(chunk)
                # All bytes are with the transport: an answer may now complete the exchange
                # before the drain below returns.
                self.sent = sent == length
            if self._write_paused:
                await self._drain()
                if self._error is not None or self.closed:
                    return
        if length is not None and sent != length:
            raise BodyLengthMismatch(f"the body ended after {sent} of {length} bytes")
        if length is None:
            transport.write(b"0\r\n\r\n")
        self.sent = True

    async def _drain(self) -> None:
        waiter = self.loop.create_future()
        self._drain_waiter = waiter
        try:
            await waiter
        finally:
            self._drain_waiter = None

    # -- helpers --------------------------------------------------------------------------------

    async def _wait(self) -> None:
        waiter = self.loop.create_future()
        self._waiter = waiter
        try:
            await waiter
        finally:
            self._waiter = None

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def _wake_drain(self) -> None:
        waiter = self._drain_waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def _fail(self, error: BaseException) -> None:
        if self._error is None:
            self._error = error
        self._cancel_timers()
        self.abort()
        self._wake()
        self._wake_drain()

    def _parser_failed(self, exc: HttpParserError) -> None:
        cause = exc.__context__
        if isinstance(cause, _StopAtHead):
            self._stopped_at_head()
        elif isinstance(cause, ProtocolError):
            self._fail(cause)
        else:
            self._fail(ProtocolError(f"{self.origin} sent a malformed response: {exc}"))

    def _stopped_at_head(self) -> None:
        """HEAD or CONNECT: the head is the whole response. Reusable only if nothing follows."""
        self.complete = True
        self._parser_dirty = True
        self._cancel_total()
        buf = self._head_buf or b""
        end = -4
        for _ in range(self._messages):
            end = buf.find(b"\r\n\r\n", end + 4)
            if end < 0:
                break
        self.leftover = end < 0 or end + 4 != len(buf)
        self.keep_alive = self.keep_alive and not self.leftover

    def _head_keep_alive(self) -> bool:
        close = b""
        for name, value in self.headers:
            if name == b"connection":
                close += value.lower()
        if self._parser.get_http_version() == "1.1":
            return b"close" not in close
        return b"keep-alive" in close

    def _close_delimited(self) -> bool:
        if self.content_length is not None or self._skip_body:
            return False
        return not (self._te and self._te.rsplit(b",", 1)[-1].strip().lower() == b"chunked")

    def _lost_error(self, exc: Exception | None) -> Exception:
        why = f" ({exc})" if exc else ""
        if self.head_done:
            expected = f" of {self.content_length}" if self.content_length is not None else ""
            return IncompleteBody(
                f"{self.origin} closed the connection after {self.received}{expected} body bytes"
            )
        if self._got_bytes:
            return ProtocolError(f"{self.origin} closed the connection mid response head{why}")
        return ConnectionLost(
            f"{self.origin} closed the connection before answering{why}", before_response=True
        )

    def _resume_reading(self) -> None:
        self._reading_paused = False
        self._last_activity = self.loop.time()
        if self.transport is not None and not self.closed:
            self.transport.resume_reading()

    def _arm_timers(self, deadline: float | None) -> None:
        # The read timer outlives exchanges on a busy connection (it re-arms itself lazily):
        # cheaper than a new timer per request. Only an earlier due time needs a new one.
        timeout = self._read_timeout
        if timeout is not None:
            due = self._last_activity + timeout
            timer = self._read_timer
            if timer is None or timer.when() > due:
                if timer is not None:
                    timer.cancel()
                self._read_timer = self.loop.call_at(due, self._read_timer_fired)
        if deadline is not None:
            self._total_timer = self.loop.call_at(deadline, self._total_timer_fired)

    def _cancel_total(self) -> None:
        if self._total_timer is not None:
            self._total_timer.cancel()
            self._total_timer = None

    def _cancel_timers(self) -> None:
        if self._read_timer is not None:
            self._read_timer.cancel()
            self._read_timer = None
        self._cancel_total()

    def _read_timer_fired(self) -> None:
        self._read_timer = None
        timeout = self._read_timeout
        if not self.active or self.complete or self._error is not None or timeout is None:
            return
        now = self.loop.time()
        if self._reading_paused or self._producing:
            self._last_activity = now  # waiting on our own caller, not on the upstream
        due = self._last_activity + timeout
        if due <= now:
            self._fail(ReadTimeout(f"{self.origin} sent nothing for {timeout:g}s"))
        else:
            self._read_timer = self.loop.call_at(due, self._read_timer_fired)

    def _total_timer_fired(self) -> None:
        self._total_timer = None
        if self.active and not self.complete:
            self._fail(TotalTimeout(f"the exchange with {self.origin} ran out of time"))


async def _slices(body: bytes) -> AsyncIterator[bytes]:
    view = memoryview(body)
    for start in range(0, len(body), SLICE):
        yield cast(bytes, view[start : start + SLICE])
