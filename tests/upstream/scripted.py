"""Scripted upstreams for the client tests: asyncio servers on 127.0.0.1 that write exact bytes.

A ``Scripted`` server runs ``handler(conn)`` for each accepted connection; ``conn`` wraps the
stream pair with helpers to read one request (parsed by hand, independently of the client) and
to write raw bytes. The server counts connections and records every request it read.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field


@dataclass
class SeenRequest:
    method: bytes
    target: bytes
    headers: list[tuple[bytes, bytes]]
    body: bytes
    head: bytes  # the raw request line and header block
    chunked: bool = False

    def header(self, name: bytes) -> bytes | None:
        for key, value in self.headers:
            if key.lower() == name:
                return value
        return None


@dataclass
class ServerConn:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    server: Scripted
    index: int  # 0 for the first connection the server accepted

    async def request(self, *, read_body: bool = True) -> SeenRequest | None:
        """The next request on this connection, or None at a clean EOF."""
        try:
            head = await self.reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError as exc:
            if not exc.partial:
                return None
            raise
        lines = head[:-4].split(b"\r\n")
        method, target, _version = lines[0].split(b" ", 2)
        headers = []
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            headers.append((name, value.strip(b" \t")))
        seen = SeenRequest(method, target, headers, b"", head)
        if read_body:
            await self.read_body(seen)
        self.server.requests.append(seen)
        return seen

    async def read_body(self, seen: SeenRequest) -> None:
        length = seen.header(b"content-length")
        if length is not None:
            seen.body = await self.reader.readexactly(int(length))
        elif (seen.header(b"transfer-encoding") or b"").lower() == b"chunked":
            seen.chunked = True
            seen.body = await self.read_chunked()

    async def read_chunked(self) -> bytes:
        parts: list[bytes] = []
        while True:
            size_line = await self.reader.readuntil(b"\r\n")
            size = int(size_line.split(b";")[0], 16)
            if size == 0:
                await self.reader.readuntil(b"\r\n")
                return b"".join(parts)
            parts.append(await self.reader.readexactly(size))
            assert await self.reader.readexactly(2) == b"\r\n"

    async def send(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()

    def close(self) -> None:
        self.writer.close()

    def reset(self) -> None:
        """Close with a TCP RST instead of a FIN."""
        transport = self.writer.transport
        sock = transport.get_extra_info("socket")
        if sock is not None:
            import socket
            import struct

            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        transport.abort()


Handler = Callable[[ServerConn], Awaitable[None]]


@dataclass
class Scripted:
    handler: Handler
    ssl: ssl.SSLContext | None = None
    host: str = "127.0.0.1"
    connections: int = 0
    requests: list[SeenRequest] = field(default_factory=list)
    _server: asyncio.Server | None = None
    _tasks: set[asyncio.Task[object]] = field(default_factory=set)
    _writers: list[asyncio.StreamWriter] = field(default_factory=list)

    async def __aenter__(self) -> Scripted:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0, ssl=self.ssl)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        assert self._server is not None
        self._server.close()
        for writer in self._writers:
            writer.transport.abort()
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(BaseException):
                await task

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.sockets[0].getsockname()[1])

    @property
    def url(self) -> str:
        scheme = "https" if self.ssl else "http"
        return f"{scheme}://{self.host}:{self.port}"

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        conn = ServerConn(reader, writer, self, self.connections)
        self.connections += 1
        self._writers.append(writer)
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            await self.handler(conn)
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass  # the client went away, or the test is over
        finally:
            self._tasks.discard(task)
            writer.transport.abort()


def answer(response: bytes | Callable[[SeenRequest], bytes]) -> Handler:
    """A keep-alive server giving every request the same (or a computed) response."""

    async def handler(conn: ServerConn) -> None:
        while (seen := await conn.request()) is not None:
            await conn.send(response(seen) if callable(response) else response)

    return handler


def ok(body: bytes = b"ok", *extra: bytes) -> bytes:
    """A 200 with a Content-Length body; ``extra`` header lines are added as given."""
    lines = b"".join(line + b"\r\n" for line in extra)
    return b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n%s\r\n%s" % (len(body), lines, body)
