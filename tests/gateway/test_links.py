"""Link rewriting in isolation: the byte-level rewriter and the relay that applies it."""

from __future__ import annotations

import gzip
import zlib
from collections.abc import AsyncIterator
from typing import Any

import orjson
import pytest

from trunkline.catalogue import Catalogue, Links, RouteTable
from trunkline.gateway.links import LINK_BODY_LIMIT, LinkRewriter, is_json
from trunkline.gateway.proxy import relay

UP = "http://127.0.0.1:9/sandbox/callrail"
GW = "https://gw.example/callrail"


def rewriter(fields: list[str] | None = None, table: RouteTable | None = None) -> LinkRewriter:
    links = Links(fields=fields if fields is not None else ["next_page", "uri"])
    return LinkRewriter(links, table or RouteTable(UP), GW)


def test_declared_fields_pointing_at_the_upstream_are_rewritten() -> None:
    body = orjson.dumps(
        {
            "next_page": f"{UP}/v3/a/1/calls.json?offset=1&relative_pagination=true",
            "nested": [{"uri": f"{UP}/v3/x"}, {"uri": UP}],
            "other": f"{UP}/v3/not-declared",
            "previous_page": None,
        }
    )
    out = orjson.loads(rewriter().body(body) or b"")
    assert out["next_page"] == f"{GW}/v3/a/1/calls.json?offset=1&relative_pagination=true"
    assert out["nested"] == [{"uri": f"{GW}/v3/x"}, {"uri": GW}]
    assert out["other"] == f"{UP}/v3/not-declared"
    assert out["previous_page"] is None


@pytest.mark.parametrize(
    "value",
    [
        "http://127.0.0.1:9/sandbox/callrailx/v3",  # not a segment boundary
        "http://127.0.0.1:9/sandbox/callrail.evil.example/v3",
        "http://127.0.0.1:99/sandbox/callrail/v3",  # another port
        "https://app.callrail.com/calls/1/recording?access_key=x",  # another origin
        "/v3/a/1/calls.json?offset=1",  # relative already
        'x" "next_page": "http://127.0.0.1:9/sandbox/callrail/v3',  # inside a string
    ],
)
def test_everything_else_is_left_alone(value: str) -> None:
    body = orjson.dumps({"next_page": value, "n": 1})
    assert rewriter().body(body) is None


def test_only_link_bytes_change() -> None:
    body = (
        b'{\n  "a" : 1.50,\n  "next_page" :  "'
        + UP.encode()
        + b'/v3/p?x=%2B1",\n  "b":"\\u00e9"\n}'
    )
    out = rewriter().body(body)
    assert out == body.replace(UP.encode(), GW.encode())


def test_escaped_slashes_keep_their_spelling() -> None:
    escaped = UP.replace("/", "\\/")
    body = ('{"next_page":"' + escaped + '\\/v3\\/p?o=1"}').encode()
    out = rewriter().body(body)
    assert out == ('{"next_page":"' + GW.replace("/", "\\/") + '\\/v3\\/p?o=1"}').encode()
    assert orjson.loads(out or b"")["next_page"] == f"{GW}/v3/p?o=1"


@pytest.mark.parametrize("encoding", [b"gzip", b"deflate"])
def test_compressed_bodies_are_rewritten_in_their_encoding(encoding: bytes) -> None:
    plain = orjson.dumps({"next_page": f"{UP}/v3/p?offset=2"})
    packed = gzip.compress(plain) if encoding == b"gzip" else zlib.compress(plain)
    out = rewriter().body(packed, encoding) or b""
    unpacked = gzip.decompress(out) if encoding == b"gzip" else zlib.decompress(out)
    assert orjson.loads(unpacked) == {"next_page": f"{GW}/v3/p?offset=2"}
    assert rewriter().body(packed, b"br") is None  # cannot read it: untouched
    assert rewriter().body(b"not gzip", b"gzip") is None


def test_routed_links_are_rewritten_only_where_they_route_back() -> None:
    table = Catalogue.load().route_table("quo")
    links = LinkRewriter(Links(fields=["url"]), table, "https://gw/quo")
    body = orjson.dumps(
        [
            {"url": "https://api.openphone.com/v1/calls/AC1"},
            {"url": "https://api.quo.com/calls/AC1"},
            {"url": "https://api.quo.com/v1/calls/AC1"},  # /quo/v1 would go to api.openphone.com
        ]
    )
    out = orjson.loads(links.body(body) or b"")
    assert [o["url"] for o in out] == [
        "https://gw/quo/v1/calls/AC1",
        "https://gw/quo/calls/AC1",
        "https://api.quo.com/v1/calls/AC1",
    ]


def test_headers() -> None:
    links = rewriter()
    assert links.header(f"{UP}/v3/x.json?a=1".encode()) == f"{GW}/v3/x.json?a=1".encode()
    assert links.header(b"https://elsewhere.example/x") == b"https://elsewhere.example/x"
    link = f'<{UP}/v3/p?page=2>; rel="next", <{UP}/v3/p?page=9>; rel="last"'.encode()
    assert links.header(link) == link.replace(UP.encode(), GW.encode())
    assert links.header(f"{UP}x/v3".encode()) == f"{UP}x/v3".encode()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (b"application/json", True),
        (b"application/json; charset=utf-8", True),
        (b"application/vnd.api+json", True),
        (b"text/html", False),
        (None, False),
    ],
)
def test_is_json(value: bytes | None, expected: bool) -> None:
    assert is_json(value) is expected


# -- relay: what goes on the wire ------------------------------------------------------------


class FakeResponse:
    def __init__(self, body: bytes, headers: list[tuple[bytes, bytes]], length: bool) -> None:
        self.status = 200
        self.body = body
        self.headers = headers + ([(b"content-length", str(len(body)).encode())] if length else [])
        self.content_length = len(body) if length else None

    async def chunks(self) -> AsyncIterator[bytes]:
        for i in range(0, len(self.body), 1 << 16):
            yield self.body[i : i + (1 << 16)]

    async def read(self) -> bytes:
        return self.body


async def run_relay(
    body: bytes, *, length: bool = True, links: LinkRewriter | None = None, ctype: bytes = b""
) -> tuple[dict[bytes, bytes], bytes]:
    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    headers = [
        (b"content-type", ctype or b"application/json"),
        (b"location", f"{UP}/v3/y".encode()),
    ]
    await relay(FakeResponse(body, headers, length), send, "rid", {}, links)  # type: ignore[arg-type]
    head = dict(sent[0]["headers"])
    return head, b"".join(m.get("body", b"") for m in sent[1:])


def page(size: int) -> bytes:
    """A JSON page of exactly ``size`` bytes with one link."""
    empty = orjson.dumps({"next_page": f"{UP}/v3/p?offset=1", "filler": ""})
    return orjson.dumps({"next_page": f"{UP}/v3/p?offset=1", "filler": "x" * (size - len(empty))})


@pytest.mark.parametrize("length", [True, False])
async def test_relay_rewrites_a_small_json_body_and_fixes_its_length(length: bool) -> None:
    head, body = await run_relay(page(5000), length=length, links=rewriter())
    assert orjson.loads(body)["next_page"] == f"{GW}/v3/p?offset=1"
    assert head[b"content-length"] == str(len(body)).encode()
    assert head[b"location"] == f"{GW}/v3/y".encode()
    assert head[b"x-request-id"] == b"rid"


@pytest.mark.parametrize("length", [True, False])
async def test_relay_streams_large_bodies_untouched(length: bool) -> None:
    original = page(LINK_BODY_LIMIT + 10)
    head, body = await run_relay(original, length=length, links=rewriter())
    assert body == original
    assert head.get(b"content-length") == (str(len(original)).encode() if length else None)


async def test_relay_rewrites_a_body_of_exactly_the_limit() -> None:
    _, body = await run_relay(page(LINK_BODY_LIMIT), length=False, links=rewriter())
    assert orjson.loads(body)["next_page"] == f"{GW}/v3/p?offset=1"


async def test_relay_leaves_non_json_and_raw_bodies_alone() -> None:
    original = page(500)
    _, body = await run_relay(original, links=rewriter(), ctype=b"text/plain")
    assert body == original
    head, body = await run_relay(original, links=None)
    assert body == original and head[b"location"] == f"{UP}/v3/y".encode()
