"""Property: whatever framing a scripted upstream answers with, the client returns the body byte
for byte (and the trailers), or raises the documented error; it never hangs.

One upstream serves every example, so keep-alive connections carry state from one generated
response to the next: a parser or pool bookkeeping slip shows up as a later example failing.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import pytest
import uvloop
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.upstream.scripted import Scripted, ServerConn
from trunkline.upstream import IncompleteBody, ProtocolError, Timeouts, UpstreamPool

TOKEN = st.text(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-!#$%&'*+.^_`|~",
    min_size=1,
    max_size=12,
).map(str.encode)
# Field values: visible ASCII and obs-text, inner spaces; no leading/trailing whitespace.
VALUE = (
    st.binary(max_size=40)
    .map(lambda raw: bytes(b if 0x21 <= b <= 0x7E or b >= 0x80 or b == 0x20 else 0x61 for b in raw))
    .map(lambda v: v.strip(b" "))
)
SKIP_HEADERS = {b"content-length", b"transfer-encoding", b"connection", b"trailer"}


@dataclass
class Case:
    kind: str
    status: int
    body: bytes
    headers: list[tuple[bytes, bytes]]
    informational: int
    wire: bytes = b""
    cuts: list[int] = field(default_factory=list)
    close: bool = False
    trailers: list[tuple[bytes, bytes]] = field(default_factory=list)
    method: bytes = b"GET"

    @property
    def fails(self) -> bool:
        return self.kind in {"early-close-length", "early-close-chunked", "garbage", "bad-chunk"}


def head(case: Case, framing: bytes) -> bytes:
    lines = [b"HTTP/1.1 %d Whatever\r\n" % case.status]
    lines += [name + b": " + value + b"\r\n" for name, value in case.headers]
    lines.append(framing)
    if case.close:
        lines.append(b"Connection: close\r\n")
    return b"HTTP/1.1 100 Continue\r\n\r\n" * case.informational + b"".join(lines) + b"\r\n"


def chunked(draw: st.DrawFn, body: bytes, trailers: list[tuple[bytes, bytes]]) -> bytes:
    sizes = draw(st.lists(st.integers(1, 700), max_size=12))
    out, start = [], 0
    for size in [*sizes, len(body)]:
        piece = body[start : start + size]
        if not piece:
            continue
        start += len(piece)
        ext = b"".join(
            b";" + name + (b"=" + value if value else b"")
            for name, value in draw(
                st.lists(st.tuples(TOKEN, st.sampled_from([b"", b"1", b'"q v"'])), max_size=2)
            )
        )
        size_text = b"%x" % len(piece)
        if draw(st.booleans()):
            size_text = size_text.upper()
        out.append(size_text + ext + b"\r\n" + piece + b"\r\n")
    out.append(b"0\r\n" + b"".join(n + b": " + v + b"\r\n" for n, v in trailers) + b"\r\n")
    return b"".join(out)


@st.composite
def cases(draw: st.DrawFn) -> Case:
    kind = draw(
        st.sampled_from(
            [
                "length",
                "chunked",
                "close-delimited",
                "head",
                "no-body-status",
                "early-close-length",
                "early-close-chunked",
                "garbage",
                "bad-chunk",
            ]
        )
    )
    body = draw(st.binary(max_size=3000))
    headers = [
        (name, value)
        for name, value in draw(st.lists(st.tuples(TOKEN, VALUE), max_size=6))
        if name.lower() not in SKIP_HEADERS
    ]
    case = Case(
        kind,
        draw(st.sampled_from([200, 201, 400, 404, 500, 503])),
        body,
        headers,
        draw(st.integers(0, 2)),
    )
    case.close = kind not in {"close-delimited"} and draw(st.booleans())
    if kind in {"length", "early-close-length"}:
        case.wire = head(case, b"Content-Length: %d\r\n" % len(body)) + body
    elif kind in {"chunked", "early-close-chunked"}:
        count = draw(st.integers(0, 3))
        pairs = draw(st.lists(st.tuples(TOKEN, VALUE), min_size=count, max_size=count))
        case.trailers = [(n.lower(), v) for n, v in pairs]
        case.wire = head(case, b"Transfer-Encoding: chunked\r\n") + chunked(
            draw, body, case.trailers
        )
    elif kind == "close-delimited":
        case.close = False
        case.wire = head(case, b"") + body
    elif kind == "head":
        case.method = b"HEAD"
        case.wire = head(case, b"Content-Length: %d\r\n" % len(body))
        case.body = b""
    elif kind == "no-body-status":
        case.status = draw(st.sampled_from([204, 304]))
        case.wire = head(case, b"")
        case.body = b""
    elif kind == "garbage":
        first = draw(st.sampled_from(b"ABCDEFGIJKLMNOPQRSTUVWXYZ<{ \x00\xff"))
        case.wire = bytes([first]) + draw(st.binary(max_size=200))
    else:  # bad chunk size
        bad = draw(st.sampled_from([b"zz", b"-1", b"1 2", b"ffffffffffffffffff", b""]))
        case.wire = (
            head(case, b"Transfer-Encoding: chunked\r\n") + bad + b"\r\n" + body + b"\r\n0\r\n\r\n"
        )
    if kind.startswith("early-close"):
        cut_from = (
            case.wire.index(b"\r\n\r\n", len(b"HTTP/1.1 100 Continue\r\n\r\n") * case.informational)
            + 4
        )
        if cut_from == len(case.wire):
            case.wire += b"partial"  # an empty body cannot be cut short: announce more
            case.wire = case.wire.replace(b"Content-Length: 0\r\n", b"Content-Length: 9\r\n")
        cut = draw(st.integers(cut_from, len(case.wire) - 1))
        case.wire = case.wire[:cut]
    case.cuts = sorted(draw(st.lists(st.integers(0, len(case.wire)), max_size=6)))
    return case


class Upstream:
    """Answers ``/case/N`` with the wire bytes of case N, in the generated pieces."""

    def __init__(self) -> None:
        self.cases: dict[bytes, Case] = {}
        self.server = Scripted(self.handle)

    async def handle(self, conn: ServerConn) -> None:
        while (seen := await conn.request()) is not None:
            case = self.cases[seen.target]
            start = 0
            for cut in [*case.cuts, len(case.wire)]:
                if cut > start:
                    await conn.send(case.wire[start:cut])
                    await asyncio.sleep(0)
                    start = cut
            if case.close or case.kind in {"close-delimited", "garbage", "bad-chunk"} or case.fails:
                conn.close()
                return


async def run_case(pool: UpstreamPool, upstream: Upstream, number: int, case: Case) -> None:
    target = b"/case/%d" % number
    upstream.cases[target] = case
    try:
        async with await pool.request(case.method, upstream.server.url, target) as response:
            body = await response.read()
    except IncompleteBody:
        assert case.kind.startswith("early-close")
        return
    except ProtocolError:
        assert case.kind in {"garbage", "bad-chunk", "early-close-chunked", "early-close-length"}
        return
    assert not case.fails, f"{case.kind} was accepted"
    assert response.status == case.status
    assert body == case.body
    assert response.trailers == case.trailers
    assert [(n, v) for n, v in response.headers if n not in SKIP_HEADERS] == [
        (n.lower(), v) for n, v in case.headers
    ]


@pytest.mark.parametrize("loop", ["asyncio", "uvloop"])
def test_any_framing_gives_exact_bytes_or_a_clear_error(loop: str) -> None:
    factory = uvloop.new_event_loop if loop == "uvloop" else None
    with asyncio.Runner(loop_factory=factory) as runner:
        upstream = Upstream()
        runner.run(upstream.server.__aenter__())
        pool = UpstreamPool(timeouts=Timeouts(connect=2, read=2, total=5), max_per_origin=4)
        counter = iter(range(1_000_000))

        @settings(
            max_examples=300,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        )
        @given(case=cases())
        def check(case: Case) -> None:
            runner.run(asyncio.wait_for(run_case(pool, upstream, next(counter), case), 10))

        try:
            check()
            stats = pool.stats()[upstream.server.url]
            assert stats["waiting"] == 0 and stats["open"] <= 4
        finally:
            runner.run(pool.close())
            runner.run(upstream.server.aclose())
