"""Drive another ASGI app's lifespan (mounted sandboxes do not get one from Starlette's Mount)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

from starlette.types import ASGIApp


@contextlib.asynccontextmanager
async def run_lifespan(app: ASGIApp) -> AsyncIterator[None]:
    inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    outbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

    async def receive() -> dict[str, Any]:
        return await inbox.get()

    async def send(message: Any) -> None:
        await outbox.put(dict(message))

    scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}
    task: asyncio.Task[None] = asyncio.create_task(app(scope, receive, send))  # type: ignore[arg-type]
    await inbox.put({"type": "lifespan.startup"})
    reply = await outbox.get()
    if reply["type"] != "lifespan.startup.complete":
        task.cancel()
        raise RuntimeError(f"sub-app failed to start: {reply.get('message', reply['type'])}")
    try:
        yield
    finally:
        await inbox.put({"type": "lifespan.shutdown"})
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(outbox.get(), timeout=10)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
