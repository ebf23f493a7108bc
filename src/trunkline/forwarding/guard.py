"""Outbound safety: a destination URL must not reach into trunkline's own network.

A URL is checked twice. When it is saved: http(s) only, no credentials in it, and every address
its host resolves to must be public. At every delivery the check runs again inside the HTTP
client (:class:`GuardedResolver`), on the very addresses it then connects to, so a DNS answer
that changed since (DNS rebinding) cannot smuggle a private target in. ``allow_private`` turns
the address rule off (tests, closed networks); the URL rules stay.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import SplitResult, urlsplit

from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import ThreadedResolver

from trunkline.errors import InvalidRequest

MAX_URL = 2048
RESOLVE_TIMEOUT = 5.0  # seconds a save waits for DNS
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# IPv6 ranges that carry an IPv4 address in their low 32 bits (NAT64, well-known prefix).
NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


class UnsafeAddress(OSError):
    """A destination host resolved to an address we refuse to connect to."""


def parse_url(url: str) -> SplitResult:
    """The URL's parts, or 400 for anything but a plain ``http(s)://host[:port]/path`` URL."""
    if not isinstance(url, str) or not url or len(url) > MAX_URL:
        raise InvalidRequest(f"url must be an http(s) URL of at most {MAX_URL} characters")
    if any(ch.isspace() or ord(ch) < 32 for ch in url):
        raise InvalidRequest("url must not contain whitespace or control characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise InvalidRequest(f"url is not a valid URL: {exc}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidRequest("url must be an absolute http:// or https:// URL")
    if parts.username is not None or parts.password is not None:
        raise InvalidRequest("url must not carry credentials; receivers verify the signature")
    if parts.fragment:
        raise InvalidRequest("url must not have a #fragment")
    if port == 0:
        raise InvalidRequest("url has no usable port")
    return parts


def literal_address(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.strip("[]").split("%", 1)[0])
    except ValueError:
        return None


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries (6to4, Teredo, NAT64), if any."""
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def is_public(address: IPAddress) -> bool:
    """Routable on the public internet: not loopback, private, link-local, shared (CGNAT),
    multicast, reserved, documentation or unspecified; for IPv6, nor any IPv4 it embeds."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:  # ::ffff:a.b.c.d is a.b.c.d on a dual stack
            return is_public(address.ipv4_mapped)
        inner = _embedded_ipv4(address)
        if inner is not None and not is_public(inner):
            return False
    return address.is_global and not (
        address.is_multicast
        or address.is_private
        or address.is_reserved
        or address.is_loopback
        or address.is_link_local
        or address.is_unspecified
    )


def refusal(address: IPAddress) -> str:
    return (
        f"the destination resolves to {address}, a non-public address; deliveries go to public "
        "addresses only (TRUNKLINE_ALLOW_PRIVATE_DESTINATIONS=true allows others)"
    )


async def check_destination(url: str, *, allow_private: bool) -> str:
    """Validate a URL being saved; returns it. 400 when it is malformed or reaches a non-public
    address (every address the host resolves to is checked now)."""
    parts = parse_url(url)
    if allow_private:
        return url
    host = parts.hostname or ""
    literal = literal_address(host)
    if literal is not None:
        addresses = [literal]
    else:
        addresses = await _resolve(host, parts.port or (443 if parts.scheme == "https" else 80))
    for address in addresses:
        if not is_public(address):
            raise InvalidRequest(refusal(address), code="destination_not_allowed")
    return url


async def _resolve(host: str, port: int) -> list[IPAddress]:
    loop = asyncio.get_running_loop()
    try:
        lookup = loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        infos = await asyncio.wait_for(lookup, RESOLVE_TIMEOUT)
    except (OSError, UnicodeError, TimeoutError) as exc:
        raise InvalidRequest(
            f"the destination host {host!r} does not resolve ({exc})",
            code="destination_not_allowed",
        ) from None
    found: list[IPAddress] = []
    for *_, sockaddr in infos:
        address = literal_address(str(sockaddr[0]))
        if address is not None:
            found.append(address)
    if not found:
        raise InvalidRequest(
            f"the destination host {host!r} has no address", code="destination_not_allowed"
        )
    return found


def check_literal(url: str, *, allow_private: bool) -> None:
    """Delivery time, for hosts written as IP addresses (the HTTP client does not resolve
    those, so :class:`GuardedResolver` never sees them). Raises :class:`UnsafeAddress`."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise UnsafeAddress(f"scheme {parts.scheme!r} is not allowed")
    address = literal_address(parts.hostname or "")
    if address is not None and not allow_private and not is_public(address):
        raise UnsafeAddress(refusal(address))


class GuardedResolver(AbstractResolver):
    """The HTTP client's resolver at delivery time: refuses a host when any address it
    resolves to is not public, so the connection is never opened."""

    def __init__(self, allow_private: bool) -> None:
        self.allow_private = allow_private
        self._inner = ThreadedResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        results = await self._inner.resolve(host, port, family)
        if not self.allow_private:
            for result in results:
                address = literal_address(result["host"])
                if address is None or not is_public(address):
                    raise UnsafeAddress(refusal(address) if address else "unparseable address")
        return results

    async def close(self) -> None:
        await self._inner.close()
