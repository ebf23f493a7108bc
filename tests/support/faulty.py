"""A misbehaving provider for the fault tests: raw asyncio sockets in a background thread, so it
can do what no well-behaved HTTP server does.

Paths (under any prefix):
- ``/slow/{seconds}``: waits, then 200;
- ``/reset/{length}/{sent}``: promises ``length`` bytes, sends ``sent``, then a TCP RST;
- ``/garbage``: answers bytes that are not HTTP, then closes;
- ``/status/{code}``: that status with a small JSON body;
- anything else: 200 with a JSON echo of method and path.

``refusing()`` closes the listening socket for a while (connections are refused), keeping the
port. Every request is recorded with its arrival time (``time.time()``) and every connection
counted while open, so tests can check what the gateway sent and that it let go.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import orjson

from tests.support.servers import free_port

FAULTY_KEY = "faultyKEY-" + "9" * 24  # the credential tests store for it (secrets grep)


@dataclass
class Seen:
    at: float
    method: str
    path: str
    headers: dict[str, str]


@dataclass
class FaultyUpstream:
    port: int = field(default_factory=free_port)
    seen: list[Seen] = field(default_factory=list)
    open_connections: int = 0
    _writers: set[asyncio.StreamWriter] = field(default_factory=set)
    _loop: asyncio.AbstractEventLoop | None = None
    _server: asyncio.Server | None = None
    _thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def hits(self, path: str) -> int:
        return sum(1 for s in self.seen if s.path == path)

    def __enter__(self) -> FaultyUpstream:
        ready = threading.Event()

        def run() -> None:
            loop = self._loop = asyncio.new_event_loop()
            loop.run_until_complete(self._listen())
            ready.set()
            loop.run_forever()

        self._thread = threading.Thread(target=run, daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("faulty upstream did not start")
        return self

    def __exit__(self, *exc: object) -> None:
        loop = self._loop
        assert loop is not None and self._thread is not None
        asyncio.run_coroutine_threadsafe(self._close(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        self._thread.join(10)

    async def _listen(self) -> None:
        self._server = await asyncio.start_server(
            self._handle, "127.0.0.1", self.port, reuse_address=True
        )

    async def _close(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        for writer in list(self._writers):  # established connections go too
            writer.transport.abort()

    @contextlib.contextmanager
    def refusing(self) -> Iterator[None]:
        """Within the block nothing listens on the port: connects are refused."""
        loop = self._loop
        assert loop is not None
        asyncio.run_coroutine_threadsafe(self._close(), loop).result(10)
        try:
            yield
        finally:
            asyncio.run_coroutine_threadsafe(self._listen(), loop).result(10)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.open_connections += 1
        self._writers.add(writer)
        try:
            while await self._one(reader, writer):
                pass
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass
        finally:
            self.open_connections -= 1
            self._writers.discard(writer)
            writer.transport.abort()

    async def _one(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        """Serve one request; False when the connection is done."""
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError:
            return False
        lines = head.decode("latin-1").split("\r\n")
        method, target, _ = lines[0].split(" ", 2)
        headers = {}
        for line in lines[1:]:
            if line:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
        if "content-length" in headers:
            await reader.readexactly(int(headers["content-length"]))
        path = target.split("?", 1)[0]
        self.seen.append(Seen(time.time(), method, path, headers))
        parts = path.strip("/").split("/")
        kind = next((p for p in parts if p in ("slow", "reset", "garbage", "status")), "")
        args = parts[parts.index(kind) + 1 :] if kind else []
        if kind == "slow":
            await asyncio.sleep(float(args[0]))
        elif kind == "reset":
            length, sent = int(args[0]), int(args[1])
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % length)
            writer.write(b"\xab" * sent)
            await writer.drain()
            sock = writer.transport.get_extra_info("socket")
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            writer.transport.abort()
            return False
        elif kind == "garbage":
            writer.write(b"\x00\x01 this is not HTTP at all \xff\r\n\r\n")
            await writer.drain()
            return False
        status = int(args[0]) if kind == "status" else 200
        body = orjson.dumps({"method": method, "path": path, "status": status})
        writer.write(
            b"HTTP/1.1 %d Scripted\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\n\r\n%s" % (status, len(body), body)
        )
        await writer.drain()
        return True
