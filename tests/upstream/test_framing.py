"""Response framing: every way HTTP/1.1 delimits a body, and malformed responses."""

from __future__ import annotations

import asyncio

import pytest

from tests.upstream.scripted import Handler, Scripted, ServerConn, answer, ok
from trunkline.errors import UpstreamUnavailable
from trunkline.upstream import (
    ConnectionLost,
    IncompleteBody,
    ProtocolError,
    UpstreamPool,
)


async def get(pool: UpstreamPool, server: Scripted, method: bytes = b"GET") -> tuple[int, bytes]:
    async with await pool.request(method, server.url, b"/") as response:
        return response.status, await response.read()


async def test_content_length_body_headers_in_order_and_raw(pool: UpstreamPool) -> None:
    raw = (
        b"HTTP/1.1 201 Created\r\nContent-Length: 5\r\nX-Dup: a\r\nSet-Cookie: x=\xff\xfe\r\n"
        b"X-DUP: b\r\n\r\nhello"
    )
    async with Scripted(answer(raw)) as server:
        response = await pool.request(b"GET", server.url, b"/")
        async with response:
            assert response.status == 201
            assert response.reason == b"Created"
            assert response.content_length == 5
            assert response.headers == [
                (b"content-length", b"5"),
                (b"x-dup", b"a"),
                (b"set-cookie", b"x=\xff\xfe"),
                (b"x-dup", b"b"),
            ]
            assert response.header(b"x-dup") == b"a"
            assert await response.read() == b"hello"
            assert response.complete


async def test_chunked_with_extensions_and_trailers(pool: UpstreamPool) -> None:
    raw = (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Checksum\r\n\r\n"
        b"5;name=value;flag\r\nhello\r\n"
        b'1;x="quoted"\r\n \r\n'
        b"A\r\n0123456789\r\n"
        b"0;last=1\r\nX-Checksum: abc\r\nX-Other: 2\r\n\r\n"
    )
    async with Scripted(answer(raw)) as server:
        async with await pool.request(b"GET", server.url, b"/") as response:
            assert response.content_length is None
            assert [chunk async for chunk in response] == [b"hello", b" ", b"0123456789"]
            assert response.trailers == [(b"x-checksum", b"abc"), (b"x-other", b"2")]
        assert await get(pool, server) == (200, b"hello 0123456789")
        assert server.connections == 1  # a chunked body leaves the connection reusable


async def test_close_delimited_body(pool: UpstreamPool) -> None:
    async def handler(conn: ServerConn) -> None:
        await conn.request()
        await conn.send(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil ")
        await conn.send(b"the end")
        conn.close()

    async with Scripted(handler) as server:
        assert await get(pool, server) == (200, b"until the end")
        assert await get(pool, server) == (200, b"until the end")
        assert server.connections == 2  # a close-delimited body cannot be followed


async def test_head_has_no_body_and_keeps_the_connection(pool: UpstreamPool) -> None:
    async def handler(conn: ServerConn) -> None:
        while (seen := await conn.request()) is not None:
            if seen.method == b"HEAD":
                await conn.send(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n")
            else:
                await conn.send(ok(b"after head"))

    async with Scripted(handler) as server:
        async with await pool.request(b"HEAD", server.url, b"/") as response:
            assert response.content_length == 1000
            assert await response.read() == b""
        async with await pool.request(b"HEAD", server.url, b"/") as response:
            assert await response.read() == b""
        assert await get(pool, server) == (200, b"after head")
        assert server.connections == 1


async def test_head_chunked_without_body(pool: UpstreamPool) -> None:
    raw = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
    async with Scripted(answer(raw)) as server:
        assert await get(pool, server, b"HEAD") == (200, b"")
        assert await get(pool, server, b"HEAD") == (200, b"")
        assert server.connections == 1


@pytest.mark.parametrize("status", [204, 304])
async def test_no_body_statuses(pool: UpstreamPool, status: int) -> None:
    async def handler(conn: ServerConn) -> None:
        await conn.request()
        await conn.send(b'HTTP/1.1 %d X\r\nContent-Length: 7\r\nETag: "e"\r\n\r\n' % status)
        await conn.request()
        await conn.send(ok(b"next"))

    async with Scripted(handler) as server:
        async with await pool.request(b"GET", server.url, b"/") as response:
            assert response.status == status
            assert await response.read() == b""
        assert await get(pool, server) == (200, b"next")
        assert server.connections == 1


async def test_informational_responses_are_skipped(pool: UpstreamPool) -> None:
    raw = (
        b"HTTP/1.1 100 Continue\r\n\r\n"
        b"HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n"
        + ok(b"final", b"X-Final: 1")
    )
    async with Scripted(answer(raw)) as server:
        body = b"x" * 100
        async with await pool.request(b"POST", server.url, b"/", body=body) as response:
            assert response.status == 200
            assert response.headers == [(b"content-length", b"5"), (b"x-final", b"1")]
            assert await response.read() == b"final"
        assert server.requests[0].header(b"expect") is None
        assert await get(pool, server) == (200, b"final")
        assert server.connections == 1


async def test_expect_header_from_the_caller_is_dropped(pool: UpstreamPool) -> None:
    async with Scripted(answer(ok())) as server:
        headers = [(b"Expect", b"100-continue")]
        async with await pool.request(b"PUT", server.url, b"/", headers, b"data") as response:
            await response.read()
        assert server.requests[0].header(b"expect") is None
        assert server.requests[0].body == b"data"


@pytest.mark.parametrize(
    "raw",
    [
        b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nhi",
        b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nhi",
    ],
    ids=["connection-close", "http-1.0"],
)
async def test_no_keep_alive_means_a_new_connection(pool: UpstreamPool, raw: bytes) -> None:
    async with Scripted(answer(raw)) as server:
        assert await get(pool, server) == (200, b"hi")
        assert await get(pool, server) == (200, b"hi")
        assert server.connections == 2


async def test_http_1_0_keep_alive_is_honoured(pool: UpstreamPool) -> None:
    raw = b"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nhi"
    async with Scripted(answer(raw)) as server:
        for _ in range(3):
            assert await get(pool, server) == (200, b"hi")
        assert server.connections == 1


async def test_bytes_after_the_response_poison_the_connection(pool: UpstreamPool) -> None:
    async with Scripted(answer(ok(b"hi") + b"HTTP/1.1 200 OK\r\n")) as server:
        assert await get(pool, server) == (200, b"hi")
        assert await get(pool, server) == (200, b"hi")
        assert server.connections == 2


def respond_once(*parts: bytes, then_close: bool = True) -> Handler:
    async def handler(conn: ServerConn) -> None:
        await conn.request()
        for part in parts:
            await conn.send(part)
            await asyncio.sleep(0.01)
        if then_close:
            conn.close()
        else:
            await asyncio.sleep(30)

    return handler


MALFORMED = {
    "garbage": (b"this is not http\r\n\r\n",),
    "bad-status-line": (b"HTTP/1.1 2xx OK\r\n\r\n",),
    "bad-chunk-size": (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n",),
    "chunk-missing-crlf": (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXX0\r\n\r\n",
    ),
    "length-and-chunked": (
        b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
    ),
    "two-lengths": (b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello",),
    "bad-length": (b"HTTP/1.1 200 OK\r\nContent-Length: 5x\r\n\r\nhello",),
    "folded-header": (b"HTTP/1.1 200 OK\r\nX-A: 1\r\n  2\r\nContent-Length: 0\r\n\r\n",),
    "bare-lf": (b"HTTP/1.1 200 OK\nContent-Length: 0\n\n",),
    "switching-protocols": (b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n",),
    "huge-head-at-once": (b"HTTP/1.1 200 OK\r\nX-Big: " + b"a" * 70_000 + b"\r\n\r\n",),
    "huge-head-trickled": (
        b"HTTP/1.1 200 OK\r\n",
        *[b"X-Many-%05d: %s\r\n" % (i, b"v" * 2000) for i in range(40)],
    ),
    "closed-mid-head": (b"HTTP/1.1 200 OK\r\nContent-Le",),
    "closed-mid-length-body": (b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello",),
    "closed-mid-chunked-body": (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel",),
    "closed-before-last-chunk": (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n",
    ),
    "closed-in-trailers": (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nX-T: 1\r\n",
    ),
}


@pytest.mark.parametrize("parts", MALFORMED.values(), ids=MALFORMED.keys())
async def test_malformed_responses_raise_protocol_error(
    pool: UpstreamPool, parts: tuple[bytes, ...]
) -> None:
    async with Scripted(respond_once(*parts)) as server:
        with pytest.raises(ProtocolError) as caught:
            async with await pool.request(b"GET", server.url, b"/") as response:
                await response.read()
        assert isinstance(caught.value, UpstreamUnavailable)
        assert caught.value.status == 502
        assert str(server.port) in str(caught.value)


async def test_incomplete_body_is_reported_as_such(pool: UpstreamPool) -> None:
    parts = (b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n", b"hello")
    async with Scripted(respond_once(*parts)) as server:
        response = await pool.request(b"GET", server.url, b"/")
        async with response:
            assert await response.__anext__() == b"hello"
            with pytest.raises(IncompleteBody, match="after 5 of 10 body bytes"):
                await response.read()


async def test_trailers_over_the_limit(pool: UpstreamPool) -> None:
    trailers = b"".join(b"X-T-%05d: %s\r\n" % (i, b"t" * 100) for i in range(800))
    raw = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\n" + trailers
    async with Scripted(respond_once(raw + b"\r\n", then_close=False)) as server:
        with pytest.raises(ProtocolError, match="64 KiB"):
            async with await pool.request(b"GET", server.url, b"/") as response:
                await response.read()


async def test_closed_without_answer_on_a_new_connection(pool: UpstreamPool) -> None:
    async with Scripted(respond_once()) as server:
        with pytest.raises(ConnectionLost, match="before answering") as caught:
            await pool.request(b"GET", server.url, b"/")
        assert caught.value.before_response


async def test_unsolicited_bytes_on_an_idle_connection_close_it(pool: UpstreamPool) -> None:
    async def handler(conn: ServerConn) -> None:
        await conn.request()
        await conn.send(ok(b"first"))
        await asyncio.sleep(0.05)
        await conn.send(b"HTTP/1.1 408 Request Timeout\r\nContent-Length: 0\r\n\r\n")
        await asyncio.sleep(30)

    async with Scripted(handler) as server:
        assert await get(pool, server) == (200, b"first")
        await asyncio.sleep(0.2)
        assert pool.stats()[server.url]["open"] == 0


async def test_a_large_head_under_the_limit_is_fine(pool: UpstreamPool) -> None:
    headers = [b"X-H-%03d: %s" % (i, b"h" * 500) for i in range(120)]  # ~61 KiB
    async with Scripted(answer(ok(b"fine", *headers))) as server:
        response = await pool.request(b"GET", server.url, b"/")
        async with response:
            assert len(response.headers) == 121
            assert await response.read() == b"fine"
