"""The own HTTP/1.1 server (trunkline/serving/server.py) over raw sockets, with an echo app:
framing both ways, pipelining, and a hypothesis fuzz over request bytes whose every answer is
checked against llhttp's own reading of the same bytes.

The server's limits against a whole ``trunkline serve`` are in tests/test_server_limits.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httptools
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trunkline.serving.protocol import Limits
from trunkline.serving.server import Config, serve

MAX_HEAD = 4096
MAX_HEADERS = 20
REFUSALS = {400, 408, 413, 431}


def digest(method: bytes, target: bytes, headers: list[tuple[bytes, bytes]], body: bytes) -> str:
    """What the echo app answers in ``x-echo``: one reading of one request."""
    h = hashlib.sha256(method + b"\0" + target + b"\0")
    for name, value in headers:
        h.update(name.lower() + b":" + value + b"\0")
    return h.update(b"\0" + body) or h.hexdigest()


async def echo_app(scope: Any, receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        while (message := await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    body = b""
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return
        body += message["body"]
        if not message["more_body"]:
            break
    path = scope["raw_path"]
    target = path + b"?" + scope["query_string"] if scope["query_string"] else path
    seen = digest(scope["method"].encode(), target, scope["headers"], body)
    if path == b"/boom":
        raise RuntimeError("the app failed")
    if path == b"/stream":
        await send({"type": "http.response.start", "status": 200, "headers": []})
        for part in (b"one", b"two", b""):
            await send({"type": "http.response.body", "body": part, "more_body": bool(part)})
        return
    if path == b"/inject":
        headers = [(b"x-bad", b"a\r\nset-cookie: evil=1")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b"no"})
        return
    headers = [(b"x-echo", seen.encode()), (b"content-type", b"text/plain")]
    if scope["method"] == "HEAD":  # what GET would say; the server sends no body
        headers.append((b"content-length", b"%d" % len(body)))
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})


@contextlib.contextmanager
def running(**limits: Any) -> Iterator[int]:
    """The own server with ``echo_app`` on 127.0.0.1 in a thread; yields its port."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    port = sock.getsockname()[1]
    config = Config(
        Limits(max_header_bytes=MAX_HEAD, max_headers=MAX_HEADERS, **limits),
        keep_alive_timeout=5,
        shutdown_timeout=2,
    )
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()
    up = threading.Event()
    thread = threading.Thread(
        target=loop.run_until_complete,
        args=(serve(echo_app, config, sock=sock, ready=up.set, stop=stop),),
        daemon=True,
    )
    thread.start()
    assert up.wait(10)
    try:
        yield port
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(10)
        assert not thread.is_alive()
        loop.close()
        sock.close()


@pytest.fixture(scope="module")
def port() -> Iterator[int]:
    with running(header_timeout=2, body_timeout=2) as port:
        yield port


def exchange(port: int, data: bytes, timeout: float = 10) -> bytes:
    """Send ``data``, half-close, read until the server closes (which it must, in time)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            sock.sendall(data)
            sock.shutdown(socket.SHUT_WR)
        out = b""
        with contextlib.suppress(ConnectionResetError):
            while chunk := sock.recv(65536):
                out += chunk
    return out


@dataclass
class Message:
    status: int = 0
    headers: dict[bytes, bytes] = field(default_factory=dict)
    body: bytes = b""
    url: bytes = b""
    method: bytes = b""
    pairs: list[tuple[bytes, bytes]] = field(default_factory=list)


class _Collect:
    def __init__(self, response: bool) -> None:
        self.messages: list[Message] = []
        self.current = Message()
        self.parser: Any = (
            httptools.HttpResponseParser if response else httptools.HttpRequestParser
        )(self)
        self.response = response
        self.heads = 0

    def on_headers_complete(self) -> None:
        self.heads += 1
        if self.response:
            self.current.status = self.parser.get_status_code()
        else:
            self.current.method = self.parser.get_method()

    def on_message_begin(self) -> None:
        self.current = Message()

    def on_url(self, url: bytes) -> None:
        self.current.url += url

    def on_header(self, name: bytes, value: bytes) -> None:
        self.current.headers[name.lower()] = value
        self.current.pairs.append((name, value))

    def on_body(self, body: bytes) -> None:
        self.current.body += body

    def on_message_complete(self) -> None:
        self.messages.append(self.current)


def _one_answer(data: bytes, head_only: bool) -> tuple[Message, bytes]:
    """The first answer in ``data``, read by llhttp, and the bytes after it. An answer to HEAD
    ends at its head whatever its Content-Length says (llhttp cannot be told the method), unless
    it is a refusal, which ends the connection anyway."""
    end = data.find(b"\r\n\r\n")
    if head_only and end >= 0:
        collect = _Collect(response=True)
        collect.parser.feed_data(data[: end + 4])
        assert collect.heads == 1, data[:300]
        if collect.current.status not in REFUSALS:
            return collect.current, data[end + 4 :]
    collect = _Collect(response=True)
    for used in range(1, len(data) + 1):  # byte by byte, to know where the answer ends
        collect.parser.feed_data(data[used - 1 : used])
        if collect.messages:
            return collect.messages[0], data[used:]
    raise AssertionError(f"an answer cut short: {data[-300:]!r}")


def responses(data: bytes, methods: list[bytes] | None = None) -> list[Message]:
    """The server's answers, parsed by llhttp: anything malformed or cut short fails the test.
    ``methods``: the requests' methods in order, so answers to HEAD are read without a body."""
    found: list[Message] = []
    while data:
        index = len(found)
        head_only = methods is not None and index < len(methods) and methods[index] == b"HEAD"
        answer, data = _one_answer(data, head_only)
        if answer.status != 100:
            found.append(answer)
    return found


@dataclass
class Reading:
    """llhttp's reading of request bytes: the messages, then why it stopped."""

    messages: list[Message]
    error: bool  # refused the bytes after ``messages``
    upgrade: bool


def reference(data: bytes) -> Reading:
    collect = _Collect(response=False)
    error = upgrade = False
    try:
        collect.parser.feed_data(data)
    except httptools.HttpParserUpgrade:
        upgrade = True
    except httptools.HttpParserError:
        error = True
    return Reading(collect.messages, error, upgrade)


def target_of(url: bytes) -> bytes:
    """The request target as the server hands it to the app: path and query."""
    if url[:1] == b"/" and b"#" not in url:
        return url
    parsed = httptools.parse_url(url)
    return (parsed.path or b"") + (b"?" + parsed.query if parsed.query else b"")


def check(data: bytes, answer: bytes) -> None:
    """Every answer is the echo of llhttp's reading of that request, or one last refusal."""
    want = reference(data)
    got = responses(answer, [m.method for m in want.messages])
    for i, response in enumerate(got):
        if response.status in REFUSALS:
            assert i == len(got) - 1, "a refusal must end the connection"
            assert i <= len(want.messages), "refused more requests than were sent"
            return
        assert response.status == 200, response.status
        assert i < len(want.messages), "answered a request llhttp does not see"
        m = want.messages[i]
        expected = digest(m.method, target_of(m.url), m.pairs, m.body)
        assert response.headers[b"x-echo"].decode() == expected, (i, m)
    # No refusal: every request llhttp read is answered (a close or upgrade may end it early,
    # which llhttp reports as an error for any bytes after it).
    if want.error or want.upgrade:
        assert len(got) <= len(want.messages)
    else:
        assert len(got) == len(want.messages)


# -- framing ----------------------------------------------------------------------------------


def test_pipelined_requests_are_answered_in_order(port: int) -> None:
    data = (
        b"POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
        b"POST /b HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\nTrailer: t\r\n\r\n"
        b"GET /c?q=1 HTTP/1.1\r\nHost: x\r\n\r\n"
    )
    got = responses(exchange(port, data))
    assert [r.status for r in got] == [200, 200, 200]
    assert [r.body for r in got] == [b"hello", b"abcde", b""]
    check(data, exchange(port, data))


def test_head_gets_no_body_and_streams_are_chunked(port: int) -> None:
    answer = exchange(port, b"HEAD /x HTTP/1.1\r\nHost: x\r\n\r\nGET /stream HTTP/1.1\r\n\r\n")
    assert answer.count(b"HTTP/1.1 200") == 2
    assert b"transfer-encoding: chunked\r\n\r\n3\r\none\r\n3\r\ntwo\r\n0\r\n\r\n" in answer
    head = answer.split(b"HTTP/1.1 200")[1]
    assert head.endswith(b"\r\n\r\n")  # the HEAD answer ends at its head


def test_http10_without_length_is_close_delimited(port: int) -> None:
    answer = exchange(port, b"GET /stream HTTP/1.0\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 200") and b"connection: close" in answer
    assert answer.endswith(b"\r\n\r\nonetwo")


def test_expect_100_continue(port: int) -> None:
    head = b"POST /e HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n"
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(head)
        assert sock.recv(100) == b"HTTP/1.1 100 Continue\r\n\r\n"  # the body is wanted
        sock.sendall(b"ok")
        sock.shutdown(socket.SHUT_WR)
        assert [r.body for r in responses(sock.recv(65536))] == [b"ok"]


def test_an_app_failure_is_a_500_and_the_server_goes_on(port: int) -> None:
    answer = exchange(port, b"GET /boom HTTP/1.1\r\nHost: x\r\n\r\nGET /a HTTP/1.1\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 500 ") and answer.count(b"HTTP/1.1") == 1
    assert exchange(port, b"GET /a HTTP/1.1\r\n\r\n").startswith(b"HTTP/1.1 200")


def test_a_header_value_cannot_inject_a_header(port: int) -> None:
    answer = exchange(port, b"GET /inject HTTP/1.1\r\nHost: x\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 500 ") and b"evil" not in answer


@pytest.mark.parametrize(
    ("data", "status"),
    [
        (b"POST /a HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
        (b"POST /a HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", 400),
        (b"GET /a HTTP/1.1\r\nX: a\r\n b\r\n\r\n", 400),  # obs-fold
        (b"GET /a HTTP/1.1\nHost: x\n\n", 400),  # bare LF
        (b"GET /a HTTP/1.1\r\nX: a\x00b\r\n\r\n", 400),
        (b"GET /a HTTP/1.1\r\nX: " + b"a" * MAX_HEAD + b"\r\n\r\n", 431),
        (b"GET /a HTTP/1.1\r\n" + b"X: a\r\n" * (MAX_HEADERS + 1) + b"\r\n", 431),
        (b"POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400),
    ],
)
def test_smuggling_shapes_are_refused(port: int, data: bytes, status: int) -> None:
    got = responses(exchange(port, data + b"GET /smuggled HTTP/1.1\r\n\r\n"))
    assert [r.status for r in got] == [status]
    assert b"smuggled" not in b"".join(r.body for r in got)


# -- fuzz -------------------------------------------------------------------------------------

EOL = st.sampled_from([b"\r\n", b"\r\n", b"\r\n", b"\n", b"\r"])
METHOD = st.sampled_from([b"GET", b"POST", b"HEAD", b"PUT", b"DELETE", b"get", b"G ET", b""])
TARGET = st.sampled_from(
    [b"/a", b"/a?b=c", b"/%2e%2e/x", b"/a#f", b"http://h/p?q", b"*", b"/a b", b"/\x00", b"//x"]
)
VERSION = st.sampled_from([b"HTTP/1.1", b"HTTP/1.1", b"HTTP/1.0", b"HTTP/2.0", b"HTTP/1.1 "])
HEADER = st.one_of(
    st.sampled_from(
        [
            b"Host: x",
            b"Content-Length: 5",
            b"Content-Length: 0",
            b"Content-Length: -1",
            b"Content-Length: 5, 5",
            b"Content-Length:  5 ",
            b"Content-Length: 99999999999999999999",
            b"Transfer-Encoding: chunked",
            b"Transfer-Encoding: chunked, identity",
            b"Transfer-Encoding: identity, chunked",
            b"Transfer-Encoding: xchunked",
            b"Transfer-Encoding : chunked",
            b"Connection: close",
            b"Connection: keep-alive",
            b"Connection: Upgrade\r\nUpgrade: h2c",
            b"Expect: 100-continue",
            b"X-Fold: a\r\n b",
            b"X-Nul: a\x00b",
            b"X-Empty:",
            b": novalue",
            b"X-Long: " + b"v" * (MAX_HEAD + 10),
        ]
    ),
    st.binary(max_size=40).map(lambda b: b"X-R: " + b),
)
BODY = st.sampled_from(
    [
        b"",
        b"hello",
        b"5\r\nhello\r\n0\r\n\r\n",
        b"5;x=y\r\nhello\r\n0\r\n\r\n",
        b"5 ;x\r\nhello\r\n0\r\n\r\n",
        b"ffffffffffffffffff\r\n",
        b"5\r\nhelloXX0\r\n\r\n",
        b"0\r\nX: trailer\r\n\r\n",
    ]
)


@st.composite
def requests(draw: st.DrawFn) -> bytes:
    eol = draw(EOL)
    line = draw(METHOD) + b" " + draw(TARGET) + b" " + draw(VERSION)
    headers = draw(st.lists(HEADER, max_size=6))
    if draw(st.booleans()):
        headers += [b"X-Many: 1"] * draw(st.integers(0, MAX_HEADERS + 2))
    return line + eol + b"".join(h + eol for h in headers) + eol + draw(BODY)


STREAMS = st.one_of(
    st.lists(requests(), min_size=1, max_size=3).map(b"".join),
    st.binary(max_size=200),
    st.lists(requests(), min_size=1, max_size=2)
    .map(b"".join)
    .flatmap(lambda data: st.integers(0, len(data)).map(lambda cut: data[:cut])),
)


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=STREAMS)
def test_fuzz_request_bytes_get_one_reading(port: int, data: bytes) -> None:
    """Any bytes: answers that are well-formed HTTP, each the echo of llhttp's own reading of
    that request or one last 400/408/413/431, and a close in bounded time (no hang)."""
    check(data, exchange(port, data))


def test_the_server_survives_the_fuzz(port: int) -> None:
    assert exchange(port, b"GET /a HTTP/1.1\r\n\r\n").startswith(b"HTTP/1.1 200")
