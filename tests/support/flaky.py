"""A scripted provider for the safe-send tests: counts every request by path.

- ``/fail/{name}/{n}/{code}``: the first n requests answer ``code`` (``?retry_after=N`` adds
  ``Retry-After``), later ones 200;
- ``/hold/{seconds}/...``: waits, then 200;
- ``/size/{n}/...``: a JSON answer of about n bytes;
- anything else: 200 with a JSON echo (method, path, body, the Idempotency-Key seen).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any
from urllib.parse import parse_qsl

import orjson


class FlakyUpstream:
    def __init__(self) -> None:
        self.hits: Counter[str] = Counter()
        self.keys: list[str | None] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                done = message["type"] == "lifespan.shutdown"
                await send({"type": message["type"] + ".complete"})
                if done:
                    return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        path: str = scope["path"]
        self.hits[path] += 1
        headers = {k.decode(): v.decode("latin-1") for k, v in scope["headers"]}
        self.keys.append(headers.get("idempotency-key"))
        query = dict(parse_qsl(scope["query_string"].decode("latin-1")))
        parts = path.split("/")
        if path.startswith("/fail/") and self.hits[path] <= int(parts[3]):
            extra = (
                [(b"retry-after", query["retry_after"].encode())] if "retry_after" in query else []
            )
            await _json(send, int(parts[4]), {"error": "scripted", "hit": self.hits[path]}, extra)
            return
        if path.startswith("/hold/"):
            await asyncio.sleep(float(parts[2]))
        answer: dict[str, Any] = {
            "method": scope["method"],
            "path": path,
            "body": body.decode("utf-8", "replace"),
            "hit": self.hits[path],
            "idempotency_key": headers.get("idempotency-key"),
        }
        if path.startswith("/size/"):
            answer["pad"] = "x" * int(parts[2])
        await _json(send, 201 if scope["method"] == "POST" else 200, answer)


async def _json(
    send: Any, status: int, body: Any, extra: list[tuple[bytes, bytes]] | None = None
) -> None:
    data = orjson.dumps(body)
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(data)).encode()),
        (b"x-scripted", b"yes"),
        *(extra or []),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": data})
