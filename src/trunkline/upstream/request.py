"""What goes on the wire for a request: the origin, the timeouts and the request head.

Names, values and the target are bytes and are sent exactly as given (the gateway relays raw
bytes); only what would break the framing is refused: CR, LF or NUL anywhere, a header name that
is not a token, a target with spaces or control characters.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterable, Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from trunkline.upstream.errors import InvalidHeader

Headers = Iterable[tuple[bytes, bytes]]
Body = bytes | AsyncIterable[bytes] | None

DEFAULT_PORTS = {"http": 80, "https": 443}

# The client owns framing and connection management; the caller's copies of these are dropped.
# Expect is dropped too: the client never waits for 100 Continue.
DROPPED = frozenset(
    {
        b"content-length",
        b"transfer-encoding",
        b"connection",
        b"keep-alive",
        b"proxy-connection",
        b"upgrade",
        b"te",
        b"expect",
    }
)
BODY_METHODS = frozenset({b"POST", b"PUT", b"PATCH"})

_TOKEN = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+\Z")
_BAD_TARGET = re.compile(rb"[\x00-\x20\x7f]")
# Validated header names -> lowercased; names repeat, so the check runs once per distinct name.
_NAMES: dict[bytes, bytes] = {}
_NAMES_MAX = 4096
_METHODS: set[bytes] = set()


@dataclass(frozen=True, slots=True)
class Timeouts:
    """Seconds; ``None`` disables one.

    connect: DNS + TCP + proxy tunnel + TLS handshake of a new connection.
    read: longest silence from the upstream mid-exchange (time spent waiting for the caller to
        consume the body or to produce the upload does not count).
    total: the whole exchange from the call to the last body byte.
    pool: longest wait for a free connection slot.
    """

    connect: float | None = 10.0
    read: float | None = 60.0
    total: float | None = None
    pool: float | None = 10.0


@dataclass(frozen=True, slots=True)
class Origin:
    """Where requests go: ``scheme://host:port``. Build with :meth:`parse`."""

    scheme: str
    host: str
    port: int
    authority: bytes = field(compare=False, repr=False)

    @classmethod
    def parse(cls, url: str) -> Origin:
        """``https://api.example.com``, ``http://127.0.0.1:8080``, ``http://[::1]:81``; any path
        is ignored."""
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme not in DEFAULT_PORTS or not parts.hostname:
            raise ValueError(f"not an http(s) origin: {url!r}")
        port = parts.port or DEFAULT_PORTS[scheme]
        host = (
            parts.hostname if parts.hostname.isascii() else parts.hostname.encode("idna").decode()
        )
        shown = f"[{host}]" if ":" in host else host
        if port != DEFAULT_PORTS[scheme]:
            shown = f"{shown}:{port}"
        return cls(scheme, host, port, shown.encode())

    @property
    def tls(self) -> bool:
        return self.scheme == "https"

    def __str__(self) -> str:
        return f"{self.scheme}://{self.authority.decode()}"


def framing(method: bytes, body: Body, content_length: int | None) -> bytes:
    """The Content-Length or Transfer-Encoding line the body needs."""
    if body is None:
        return b"Content-Length: 0\r\n" if method in BODY_METHODS else b""
    if isinstance(body, bytes):
        return b"Content-Length: %d\r\n" % len(body)
    if content_length is not None:
        return b"Content-Length: %d\r\n" % content_length
    return b"Transfer-Encoding: chunked\r\n"


def build_head(
    method: bytes, target: bytes, authority: bytes, headers: Headers, framing_line: bytes
) -> bytes:
    """The request line and header block, validated. Adds Host unless the caller gave one."""
    if method not in _METHODS:
        _check_method(method)
    if not target or _BAD_TARGET.search(target):
        raise InvalidHeader(f"request target {target[:80]!r} has spaces or control characters")
    parts = [method, b" ", target, b" HTTP/1.1\r\n"]
    values = []
    has_host = False
    for name, value in headers:
        lower = _NAMES.get(name)
        if lower is None:
            lower = _check_name(name)
        if lower in DROPPED:
            continue
        if lower == b"host":
            has_host = True
        parts += (name, b": ", value, b"\r\n")
        values.append(value)
    joined = b"".join(values)
    if b"\r" in joined or b"\n" in joined or b"\0" in joined:
        raise InvalidHeader("a request header value contains CR, LF or NUL")
    if not has_host:
        parts.append(b"Host: " + authority + b"\r\n")
    parts.append(framing_line)
    parts.append(b"\r\n")
    return b"".join(parts)


def _check_method(method: bytes) -> None:
    if not _TOKEN.match(method):
        raise InvalidHeader(f"method {method[:40]!r} is not a token")
    if len(_METHODS) < 64:
        _METHODS.add(method)


def _check_name(name: bytes) -> bytes:
    if not _TOKEN.match(name):
        raise InvalidHeader(f"header name {name[:80]!r} is not a token")
    lower = name.lower()
    if len(_NAMES) < _NAMES_MAX:
        _NAMES[name] = lower
    return lower
