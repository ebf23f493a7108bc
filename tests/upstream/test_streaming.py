"""200 MB each way in flat memory: back-pressure from a lagging consumer and from the upstream."""

from __future__ import annotations

import asyncio
import os
import tracemalloc
import zlib
from collections.abc import AsyncIterator

import pytest

from tests.upstream.scripted import Scripted, ServerConn, ok
from trunkline.upstream import UpstreamPool

SIZE = 200 * 1024 * 1024
BLOCK = os.urandom(1024 * 1024)
PEAK_LIMIT = 8 * 1024 * 1024  # traced Python memory, client and server together


def expected_crc(size: int, block: bytes) -> int:
    crc = 0
    for _ in range(size // len(block)):
        crc = zlib.crc32(block, crc)
    return crc


async def download(conn: ServerConn) -> None:
    await conn.request()
    chunked = conn.server.requests[-1].target == b"/chunked"
    if chunked:
        await conn.send(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
    else:
        await conn.send(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % SIZE)
    for _ in range(SIZE // len(BLOCK)):
        if chunked:
            conn.writer.write(b"%x;i=1\r\n" % len(BLOCK))
        conn.writer.write(BLOCK)  # the same object each time: the server allocates nothing
        if chunked:
            conn.writer.write(b"\r\n")
        await conn.writer.drain()
    if chunked:
        await conn.send(b"0\r\nX-Done: yes\r\n\r\n")
    await conn.request()


@pytest.mark.parametrize("target", [b"/length", b"/chunked"])
async def test_200_mb_download_in_flat_memory(pool: UpstreamPool, target: bytes) -> None:
    async with Scripted(download) as server:
        tracemalloc.start()
        try:
            crc = received = 0
            async with await pool.request(b"GET", server.url, target) as response:
                async for chunk in response:
                    crc = zlib.crc32(chunk, crc)
                    received += len(chunk)
                    if received % (16 << 20) < len(chunk):
                        # A lagging consumer: without pause_reading, tens of MB would pile up.
                        await asyncio.sleep(0.05)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert received == SIZE
        assert crc == expected_crc(SIZE, BLOCK)
        assert peak < PEAK_LIMIT, f"peak {peak / 2**20:.1f} MiB"
        if target == b"/chunked":
            assert response.trailers == [(b"x-done", b"yes")]


async def upload(conn: ServerConn) -> None:
    """Reads the body in pieces, keeping only a CRC, then answers with it."""
    seen = await conn.request(read_body=False)
    assert seen is not None
    crc = size = 0
    length = seen.header(b"content-length")
    if length is not None:
        remaining = int(length)
        while remaining:
            data = await conn.reader.read(min(remaining, 1 << 20))
            if not data:
                return
            crc, size, remaining = zlib.crc32(data, crc), size + len(data), remaining - len(data)
    else:
        while size_line := await conn.reader.readuntil(b"\r\n"):
            chunk_size = int(size_line.split(b";")[0], 16)
            if chunk_size == 0:
                await conn.reader.readuntil(b"\r\n")
                break
            data = await conn.reader.readexactly(chunk_size)
            crc, size = zlib.crc32(data, crc), size + len(data)
            await conn.reader.readexactly(2)
    await conn.send(ok(b"%d %d" % (size, crc)))


@pytest.mark.parametrize("known_length", [False, True], ids=["chunked", "content-length"])
async def test_200_mb_upload_in_flat_memory(pool: UpstreamPool, known_length: bool) -> None:
    block = BLOCK[: 64 * 1024]
    produced = 0

    async def body() -> AsyncIterator[bytes]:
        nonlocal produced
        for _ in range(SIZE // len(block)):
            produced += len(block)
            yield block

    async with Scripted(upload) as server:
        tracemalloc.start()
        try:
            response = await pool.request(
                b"PUT",
                server.url,
                b"/",
                body=body(),
                content_length=SIZE if known_length else None,
            )
            async with response:
                answer = await response.read()
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert answer == b"%d %d" % (SIZE, expected_crc(SIZE, block))
        assert produced == SIZE
        assert peak < PEAK_LIMIT, f"peak {peak / 2**20:.1f} MiB"
