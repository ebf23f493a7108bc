"""The Quo sandbox in a process of its own, recording when each request arrived (its own clock,
untouched by the test process's load) and what it answered; ``GET /_arrivals`` lists them.

    python -m tests.support.counting_sandbox PORT
"""

from __future__ import annotations

import sys
import time
from typing import Any

import orjson
import uvicorn


class Arrivals:
    """ASGI middleware: when each request arrived (``time.monotonic()``) and its status."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.seen: list[tuple[float, int]] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"] == "/_arrivals":
            body = orjson.dumps(self.seen)
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": body})
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        arrived = time.monotonic()

        async def record(message: Any) -> None:
            if message["type"] == "http.response.start":
                self.seen.append((arrived, message["status"]))
            await send(message)

        await self.app(scope, receive, record)


def main(port: int) -> None:
    from trunkline.sandbox import load_sandbox
    from trunkline.sandbox.kit import SandboxConfig

    app = Arrivals(load_sandbox("quo").create_app(SandboxConfig(data_dir=None, speed=50)))
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")


if __name__ == "__main__":
    main(int(sys.argv[1]))
