"""Followable links: absolute URLs a provider returns that point at its own API (CallRail's
``next_page``, RingCentral's ``uri``) would take a client straight to the provider, past the
gateway, without its credential. The gateway rewrites those that start with the connection's
upstream base into its own ``{public}/{app}/…`` URL, in the JSON members and response headers
the catalogue declares (``links``).

The body is edited as bytes, not parsed: one regex over a bounded JSON body replaces the link
prefixes and leaves every other byte as the provider sent it. A link is only rewritten when the
gateway would route its path back to the same base (apps that split paths over several upstreams).
"""

from __future__ import annotations

import re
import zlib

from trunkline.catalogue import Links, RouteTable

# Bodies up to this size are rewritten; larger ones stream through untouched.
LINK_BODY_LIMIT = 1 << 20
# A compressed body may expand at most this far before the gateway gives up on it.
INFLATED_LIMIT = 4 << 20
_WBITS = {b"gzip": 31, b"x-gzip": 31, b"deflate": 15}


class LinkRewriter:
    """One app's link rules against one route table, compiled once."""

    def __init__(self, links: Links, table: RouteTable, target: str) -> None:
        self.table = table
        self.target = target.rstrip("/")
        self.headers = frozenset(h.lower().encode("latin-1") for h in links.headers)
        bases = [b.encode("latin-1") for b in table.bases]
        # JSON may escape '/' as '\/': match and keep either spelling.
        self._needles = bases + [b.replace(b"/", b"\\/") for b in bases]
        either = b"|".join(re.escape(n) for n in self._needles)
        rest = rb'(?:(?:[/?#]|\\/)(?:[^"\\]|\\.)*)?'
        self._body = None
        if links.fields:
            names = b"|".join(re.escape(f.encode()) for f in links.fields)
            self._body = re.compile(
                rb'("(?:' + names + rb')"\s*:\s*")(' + either + rb")(" + rest + rb')"'
            )
        self._header = re.compile(
            rb"(?<![^<\s,])(" + either + rb")((?:[/?#][^\s<>,;\"]*)?)(?![^\s>,;\"])"
        )

    @property
    def rewrites_bodies(self) -> bool:
        return self._body is not None

    def header(self, value: bytes) -> bytes:
        if not any(n in value for n in self._needles):
            return value
        return self._header.sub(lambda m: self._swap(m[1], m[2]) + m[2], value)

    def body(self, body: bytes, encoding: bytes | None = None) -> bytes | None:
        """The body with its links rewritten, or None when nothing changed (or it cannot be
        read: an unknown or broken content encoding, or too large once inflated)."""
        if self._body is None:
            return None
        wbits = _WBITS.get(encoding.strip().lower()) if encoding else None
        if encoding and encoding.strip().lower() != b"identity" and wbits is None:
            return None
        plain = body if wbits is None else _inflate(body, wbits)
        if plain is None or not any(n in plain for n in self._needles):
            return None
        edited = self._body.sub(lambda m: m[1] + self._swap(m[2], m[3]) + m[3] + b'"', plain)
        if edited == plain:
            return None
        return edited if wbits is None else _deflate(edited, wbits)

    def _swap(self, base: bytes, rest: bytes) -> bytes:
        """The gateway's URL for ``base`` when the link's path routes back to it."""
        escaped = b"\\/" in base
        plain_base = base.replace(b"\\/", b"/").decode("latin-1")
        path = re.split(r"[?#]", rest.replace(b"\\/", b"/").decode("latin-1"), maxsplit=1)[0]
        if self.table.base(path or "/") != plain_base:
            return base
        target = self.target.encode("latin-1")
        return target.replace(b"/", b"\\/") if escaped else target


def is_json(content_type: bytes | None) -> bool:
    if not content_type:
        return False
    media = content_type.split(b";", 1)[0].strip().lower()
    return media.endswith(b"/json") or media.endswith(b"+json")


def _inflate(body: bytes, wbits: int) -> bytes | None:
    inflater = zlib.decompressobj(wbits)
    try:
        plain = inflater.decompress(body, INFLATED_LIMIT)
    except zlib.error:
        return None
    return None if inflater.unconsumed_tail or not inflater.eof else plain


def _deflate(body: bytes, wbits: int) -> bytes:
    packer = zlib.compressobj(6, zlib.DEFLATED, wbits)
    return packer.compress(body) + packer.flush()
