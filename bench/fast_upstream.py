"""A deliberately fast HTTP/1.1 upstream for benchmarks: answers every request with ~1 KB of JSON.

Raw asyncio protocol on uvloop (no framework), keep-alive, reads Content-Length bodies.
Run: python bench/fast_upstream.py PORT
"""

from __future__ import annotations

import asyncio
import json
import sys

import uvloop

BODY = json.dumps(
    {
        "data": [
            {"id": f"PN{i:08d}", "number": f"+1555555{i:04d}", "name": "Main line"}
            for i in range(14)
        ],
        "totalItems": 14,
        "nextPageToken": None,
    }
).encode()
RESPONSE = (
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
    + str(len(BODY)).encode()
    + b"\r\n\r\n"
    + BODY
)


class Upstream(asyncio.Protocol):
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport: asyncio.Transport = transport  # type: ignore[assignment]
        self.buffer = b""

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = self.buffer[:end].lower()
            length = 0
            marker = head.find(b"content-length:")
            if marker >= 0:
                length = int(
                    head[
                        marker + 15 : head.find(b"\r\n", marker)
                        if head.find(b"\r\n", marker) > 0
                        else None
                    ].strip()
                )
            total = end + 4 + length
            if len(self.buffer) < total:
                return
            self.buffer = self.buffer[total:]
            self.transport.write(RESPONSE)


async def main(port: int) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(Upstream, "127.0.0.1", port, backlog=1024)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    uvloop.run(main(int(sys.argv[1])))
