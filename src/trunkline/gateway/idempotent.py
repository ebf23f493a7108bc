"""The gateway's side of idempotency keys: record the answer as it is relayed, and replay it."""

from __future__ import annotations

from starlette.types import Message, Send

from trunkline.idempotency import Replay

# Framing and our own id are redone on replay.
_NOT_STORED = frozenset({b"content-length", b"transfer-encoding", b"x-request-id"})


class Capture:
    """Wraps ``send``: keeps the status, headers and up to ``limit`` bytes of the body."""

    def __init__(self, send: Send, limit: int) -> None:
        self.inner = send
        self.limit = limit
        self.status: int | None = None
        self.headers: list[tuple[bytes, bytes]] = []
        self.parts: list[bytes] = []
        self.size = 0
        self.complete = False

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            self.headers = [(n, v) for n, v in message.get("headers", []) if n not in _NOT_STORED]
        elif message["type"] == "http.response.body":
            chunk = message.get("body", b"")
            self.size += len(chunk)
            if self.size <= self.limit:
                self.parts.append(chunk)
            else:
                self.parts.clear()
            self.complete = not message.get("more_body", False)
        await self.inner(message)

    def body(self) -> bytes | None:
        """The whole body, or None when it was too large or never finished."""
        if self.complete and self.size <= self.limit:
            return b"".join(self.parts)
        return None


async def replay(send: Send, stored: Replay, request_id: str) -> None:
    dropped = _NOT_STORED | {b"content-encoding"} if stored.body_omitted else _NOT_STORED
    headers = [(n, v) for n, v in stored.headers if n not in dropped]
    headers += [
        (b"content-length", str(len(stored.body)).encode()),
        (b"x-request-id", request_id.encode()),
        (b"idempotent-replayed", b"true"),
    ]
    if stored.body_omitted:  # the first answer was too large to keep: status and headers only
        headers.append((b"idempotent-body-omitted", b"true"))
    await send({"type": "http.response.start", "status": stored.status, "headers": headers})
    await send({"type": "http.response.body", "body": stored.body, "more_body": False})
