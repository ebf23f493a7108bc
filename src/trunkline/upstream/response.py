"""The response handed to the caller: the head at once, the body on demand."""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType

from trunkline.upstream.connection import Connection


class Response:
    """An upstream response whose head has arrived.

    ``headers`` are ``(lowercased name, value)`` byte pairs in wire order, repeats kept.
    ``content_length`` is the Content-Length header as an int, or None (chunked or
    close-delimited). HEAD, 204 and 304 responses and 2xx answers to CONNECT have no body,
    whatever their headers say.

    Read the body with ``async for chunk in response`` (constant memory: reading pauses while
    more than 256 KiB wait unread) or ``await response.read()``. Then call ``release()`` (or use
    ``async with``): the connection goes back to the pool if the body was read to its end and the
    upstream allowed keep-alive, and is closed otherwise. ``release()`` is synchronous and
    idempotent.
    """

    __slots__ = (
        "_conn",
        "_on_release",
        "_released",
        "content_length",
        "headers",
        "reason",
        "status",
        "trailers",
    )

    def __init__(self, conn: Connection, on_release: Callable[[Connection], None]) -> None:
        self.status: int = conn.status
        self.reason: bytes = conn.reason
        self.headers: list[tuple[bytes, bytes]] = conn.headers
        self.content_length: int | None = conn.content_length
        # Filled in once a chunked body has been read to its end.
        self.trailers: list[tuple[bytes, bytes]] = conn.trailers
        self._conn = conn
        self._on_release = on_release
        self._released = False

    def header(self, name: bytes) -> bytes | None:
        """The first value of a (lowercase) header, or None."""
        for key, value in self.headers:
            if key == name:
                return value
        return None

    @property
    def complete(self) -> bool:
        """True once the whole body has arrived from the upstream."""
        return self._conn.complete

    def __aiter__(self) -> Response:
        return self

    async def __anext__(self) -> bytes:
        if self._released:
            raise RuntimeError("the response was released")
        chunk = await self._conn.next_chunk()
        if not chunk:
            raise StopAsyncIteration
        return chunk

    async def read(self) -> bytes:
        """The whole body (for small bodies: it is held in memory)."""
        if self._released:
            raise RuntimeError("the response was released")
        conn = self._conn
        first = await conn.next_chunk()
        if not first:
            return b""
        chunks = [first]
        while chunk := await conn.next_chunk():
            chunks.append(chunk)
        return first if len(chunks) == 1 else b"".join(chunks)

    def release(self) -> None:
        """Return the connection to the pool (body complete, keep-alive) or close it."""
        if not self._released:
            self._released = True
            self._on_release(self._conn)

    async def __aenter__(self) -> Response:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()

    def __repr__(self) -> str:
        return f"<Response {self.status} from {self._conn.origin}>"
