"""The request side: framing of each body kind, raw bytes on the wire, refused headers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from tests.upstream.scripted import Scripted, ServerConn, answer, ok
from trunkline.errors import InvalidRequest
from trunkline.upstream import BodyLengthMismatch, InvalidHeader, Origin, UpstreamPool


async def send(pool: UpstreamPool, server: Scripted, method: bytes, **kwargs: object) -> bytes:
    target = kwargs.pop("target", b"/")
    async with await pool.request(method, server.url, target, **kwargs) as response:  # type: ignore[arg-type]
        return await response.read()


async def stream(*chunks: bytes, pause: float = 0) -> AsyncIterator[bytes]:
    for chunk in chunks:
        if pause:
            await asyncio.sleep(pause)
        yield chunk


async def test_no_body(pool: UpstreamPool) -> None:
    async with Scripted(answer(ok())) as server:
        await send(pool, server, b"GET")
        await send(pool, server, b"DELETE")
        await send(pool, server, b"POST")
        get, delete, post = server.requests
        for seen in (get, delete):
            assert seen.header(b"content-length") is None
            assert seen.header(b"transfer-encoding") is None
        assert post.header(b"content-length") == b"0"


@pytest.mark.parametrize("size", [0, 10, 64 * 1024, 64 * 1024 + 1, 1_000_000])
async def test_bytes_body_with_content_length(pool: UpstreamPool, size: int) -> None:
    body = bytes(range(256)) * (size // 256) + b"x" * (size % 256)
    async with Scripted(answer(lambda seen: ok(b"%d" % len(seen.body)))) as server:
        assert await send(pool, server, b"PUT", body=body) == b"%d" % size
        seen = server.requests[0]
        assert seen.header(b"content-length") == b"%d" % size
        assert seen.body == body


async def test_streamed_body_is_chunked(pool: UpstreamPool) -> None:
    async with Scripted(answer(ok())) as server:
        await send(pool, server, b"POST", body=stream(b"one", b"", b"two", b"3" * 70_000))
        seen = server.requests[0]
        assert seen.chunked and seen.header(b"content-length") is None
        assert seen.body == b"onetwo" + b"3" * 70_000


async def test_streamed_body_with_known_length(pool: UpstreamPool) -> None:
    async with Scripted(answer(ok())) as server:
        await send(pool, server, b"POST", body=stream(b"ab", b"cd", pause=0.01), content_length=4)
        seen = server.requests[0]
        assert seen.header(b"content-length") == b"4"
        assert seen.header(b"transfer-encoding") is None
        assert seen.body == b"abcd"


@pytest.mark.parametrize("chunks", [(b"abc",), (b"abcdef",)], ids=["short", "long"])
async def test_streamed_body_must_match_its_length(
    pool: UpstreamPool, chunks: tuple[bytes, ...]
) -> None:
    async with Scripted(answer(ok())) as server:
        with pytest.raises(BodyLengthMismatch) as caught:
            await send(pool, server, b"POST", body=stream(*chunks), content_length=5)
        assert isinstance(caught.value, InvalidRequest)
        await asyncio.sleep(0.05)
        assert pool.stats()[server.url]["open"] == 0


async def test_the_callers_body_error_passes_through(pool: UpstreamPool) -> None:
    class ClientWentAway(Exception):
        pass

    async def broken() -> AsyncIterator[bytes]:
        yield b"some"
        raise ClientWentAway

    async with Scripted(answer(ok())) as server:
        with pytest.raises(ClientWentAway):
            await send(pool, server, b"POST", body=broken())
        assert await send(pool, server, b"GET") == b"ok"
        assert server.connections == 2


async def test_headers_and_target_go_out_byte_for_byte(pool: UpstreamPool) -> None:
    headers = [
        (b"X-Raw", b"caf\xc3\xa9 \xff"),
        (b"authorization", b"Basic QUM6dG9rZW4="),
        (b"X-Order", b"2"),
        (b"x-order", b"1"),
        (b"Connection", b"keep-alive, x"),
        (b"Content-Length", b"999"),
        (b"Transfer-Encoding", b"gzip"),
    ]
    target = b"/2010-04-01/Accounts/AC1/Messages.json?To=%2B1555&Body=a+b&x=%zz&u=\xc3\xa9"
    async with Scripted(answer(ok())) as server:
        await send(pool, server, b"POST", target=target, headers=headers, body=b"body")
        seen = server.requests[0]
        assert seen.target == target
        assert seen.head.split(b"\r\n")[1:6] == [
            b"X-Raw: caf\xc3\xa9 \xff",
            b"authorization: Basic QUM6dG9rZW4=",
            b"X-Order: 2",
            b"x-order: 1",
            b"Host: 127.0.0.1:%d" % server.port,
        ]
        assert seen.header(b"content-length") == b"4"
        assert seen.header(b"transfer-encoding") is None
        assert seen.header(b"connection") is None


async def test_host_given_by_the_caller_is_kept(pool: UpstreamPool) -> None:
    async with Scripted(answer(ok())) as server:
        await send(pool, server, b"GET", headers=[(b"Host", b"api.example.com")])
        assert [v for k, v in server.requests[0].headers if k.lower() == b"host"] == [
            b"api.example.com"
        ]


BAD = {
    "cr-in-value": ([(b"X-A", b"a\rb")], b"/"),
    "lf-in-value": ([(b"X-A", b"a\nInjected: 1")], b"/"),
    "nul-in-value": ([(b"X-A", b"a\x00b")], b"/"),
    "crlf-in-name": ([(b"X-A\r\nInjected", b"1")], b"/"),
    "nul-in-name": ([(b"X-\x00", b"1")], b"/"),
    "space-in-name": ([(b"X A", b"1")], b"/"),
    "colon-in-name": ([(b"X:A", b"1")], b"/"),
    "empty-name": ([(b"", b"1")], b"/"),
    "space-in-target": ([], b"/a b"),
    "crlf-in-target": ([], b"/a\r\nX: 1"),
    "empty-target": ([], b""),
}


@pytest.mark.parametrize(("headers", "target"), BAD.values(), ids=BAD.keys())
async def test_refuses_what_would_break_framing(
    pool: UpstreamPool, headers: list[tuple[bytes, bytes]], target: bytes
) -> None:
    async with Scripted(answer(ok())) as server:
        with pytest.raises(InvalidHeader) as caught:
            await pool.request(b"GET", server.url, target, headers)
        assert caught.value.status == 400
        assert server.connections == 0


@pytest.mark.parametrize("method", [b"GE T", b"GET\r\n", b""])
async def test_refuses_bad_methods(pool: UpstreamPool, method: bytes) -> None:
    with pytest.raises(InvalidHeader):
        await pool.request(method, "http://127.0.0.1:9", b"/")


async def test_early_answer_during_an_upload(pool: UpstreamPool) -> None:
    """The upstream answers 413 without reading the body: the answer reaches the caller and
    the half-sent connection is not reused."""

    async def handler(conn: ServerConn) -> None:
        seen = await conn.request(read_body=False)
        assert seen is not None
        if seen.method == b"POST":
            await conn.send(b"HTTP/1.1 413 Too Large\r\nContent-Length: 3\r\n\r\nbig")
            await asyncio.sleep(0.3)
            conn.close()
        else:
            await conn.send(ok())

    async def endless() -> AsyncIterator[bytes]:
        block = b"u" * 65536
        while True:
            yield block

    async with Scripted(handler) as server:
        async with await pool.request(b"POST", server.url, b"/", body=endless()) as response:
            assert response.status == 413
            assert await response.read() == b"big"
        assert await send(pool, server, b"GET") == b"ok"
        assert server.connections == 2


def test_origin_parsing() -> None:
    assert Origin.parse("https://api.example.com") == Origin("https", "api.example.com", 443, b"")
    assert Origin.parse("https://API.example.com:443/v1").authority == b"api.example.com"
    assert Origin.parse("http://127.0.0.1:8080").authority == b"127.0.0.1:8080"
    v6 = Origin.parse("http://[::1]:81/")
    assert (v6.host, v6.port, v6.authority) == ("::1", 81, b"[::1]:81")
    assert Origin.parse("https://bücher.example").host == "xn--bcher-kva.example"
    assert str(Origin.parse("HTTP://Example.COM:80")) == "http://example.com"
    for bad in ("ftp://x", "https://", "example.com"):
        with pytest.raises(ValueError):
            Origin.parse(bad)
