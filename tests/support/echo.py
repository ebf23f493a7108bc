"""A stand-in provider for gateway tests: checks the injected credential and echoes the request.

Routes (under any app prefix the catalogue points at it):
- ``/v1/phone-numbers``, ``/v3/a.json``, ``/2010-04-01/Accounts/{sid}.json``: verification
  answers in each provider's shape (401 in the provider's own error shape for a wrong key).
- ``/big/{n}``: streams n bytes; ``/slow/{seconds}``: waits before answering;
  ``/status/{code}``: answers that status with a provider-style body (``?retry_after=N``: with
  ``Retry-After: N``);
  anything else: 200 with a JSON echo of method, raw path, query, headers and body.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
from typing import Any
from urllib.parse import parse_qsl

import orjson

QUO_KEY = "quoKEY1234567890abcdef"
CALLRAIL_KEY = "callrailKEY1234567890abcdef"
TWILIO_SID = "AC" + "1" * 32
TWILIO_TOKEN = "f" * 32
EXPECTED_AUTH = {
    "quo": QUO_KEY,
    "callrail": f'Token token="{CALLRAIL_KEY}"',
    "twilio": "Basic " + base64.b64encode(f"{TWILIO_SID}:{TWILIO_TOKEN}".encode()).decode(),
}


class EchoUpstream:
    def __init__(self) -> None:
        self.seen: list[dict[str, Any]] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                else:
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        headers = {k.decode(): v.decode("latin-1") for k, v in scope["headers"]}
        raw_path = (scope.get("raw_path") or scope["path"].encode()).decode("latin-1")
        path = scope["path"]
        digest = hashlib.sha256()
        size = 0
        body = b""
        while True:
            message = await receive()
            chunk = message.get("body", b"")
            digest.update(chunk)
            size += len(chunk)
            if size <= 1 << 16:
                body += chunk
            if not message.get("more_body"):
                break
        record = {
            "method": scope["method"],
            "path": path,
            "raw_path": raw_path,
            "query": scope["query_string"].decode("latin-1"),
            "headers": headers,
            "body": body.decode("utf-8", "replace") if size <= 1 << 16 else None,
            "size": size,
            "sha256": digest.hexdigest(),
        }
        self.seen.append(record)
        auth = headers.get("authorization", "")
        if path == "/v1/phone-numbers":
            if auth != EXPECTED_AUTH["quo"]:
                await _json(
                    send,
                    401,
                    {
                        "message": "Invalid API key",
                        "code": "0400401",
                        "status": 401,
                        "docs": "https://x",
                        "title": "Unauthorized",
                    },
                )
                return
            await _json(
                send, 200, {"data": [{"id": "PNabc", "number": "+15555550123", "name": "Main"}]}
            )
            return
        if path == "/v3/a.json":
            if auth != EXPECTED_AUTH["callrail"]:
                await _json(send, 401, {"error": "HTTP Token: Access denied."})
                return
            await _json(send, 200, {"accounts": [{"id": "ACC123", "name": "Acme"}]})
            return
        if path.startswith("/2010-04-01/Accounts/") and path.count("/") == 3:
            if auth != EXPECTED_AUTH["twilio"]:
                await _json(
                    send,
                    401,
                    {
                        "code": 20003,
                        "message": "Authenticate",
                        "more_info": "https://www.twilio.com/docs/errors/20003",
                        "status": 401,
                    },
                )
                return
            await _json(send, 200, {"sid": TWILIO_SID, "friendly_name": "Test", "status": "active"})
            return
        if path.startswith("/big/"):
            total = int(path.split("/")[2])
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [
                        (b"content-type", b"audio/mpeg"),
                        (b"content-length", str(total).encode()),
                    ],
                }
            )
            block = b"\xab" * (1 << 16)
            left = total
            while left > 0:
                piece = block[: min(left, len(block))]
                left -= len(piece)
                await send({"type": "http.response.body", "body": piece, "more_body": left > 0})
            return
        if path.startswith("/slow/"):
            await asyncio.sleep(float(path.split("/")[2]))
        if path == "/cookies":  # a provider setting cookies and naming hop-by-hop headers
            extra = [
                (b"set-cookie", b"tl_oauth=evil; Path=/connect"),
                (b"set-cookie", b"session=1"),
                (b"connection", b"x-hop, keep-alive"),
                (b"x-hop", b"private to this hop"),
                (b"x-kept", b"yes"),
            ]
            await _json(send, 200, {"ok": True}, extra=extra)
            return
        if path.startswith("/status/"):
            code = int(path.split("/")[2])
            extra = [(b"x-upstream", b"yes")]
            query = dict(parse_qsl(scope["query_string"].decode("latin-1")))
            if "retry_after" in query:
                extra.append((b"retry-after", query["retry_after"].encode()))
            await _json(send, code, {"message": f"upstream said {code}", "code": code}, extra)
            return
        await _json(send, 200, record, extra=[(b"x-upstream", b"echo"), (b"connection", b"close")])


async def _json(
    send: Any, status: int, body: Any, extra: list[tuple[bytes, bytes]] | None = None
) -> None:
    data = orjson.dumps(body)
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(data)).encode()),
        *(extra or []),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": data})
