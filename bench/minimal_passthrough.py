"""The floor for a Python gateway: raw ASGI + one pooled aiohttp client, nothing else (no key
check, no lookup, no logging). bench/gateway_overhead.py runs it on the same server as trunkline
so the figures show what trunkline's own work costs. Upstream: $BENCH_UPSTREAM."""

from __future__ import annotations

import os
from typing import Any

import aiohttp
from yarl import URL

UPSTREAM = os.environ.get("BENCH_UPSTREAM", "http://127.0.0.1:9")
client: aiohttp.ClientSession | None = None


async def app(scope: Any, receive: Any, send: Any) -> None:
    global client
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                client = aiohttp.ClientSession(auto_decompress=False)
                await send({"type": "lifespan.startup.complete"})
            else:
                if client is not None:
                    await client.close()
                await send({"type": "lifespan.shutdown.complete"})
                return
    await receive()
    assert client is not None
    async with client.request(scope["method"], URL(UPSTREAM + scope["path"], encoded=True)) as r:
        body = await r.read()
        await send(
            {
                "type": "http.response.start",
                "status": r.status,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": body})
