"""Errors of the upstream client, each a subclass of the gateway's own tree.

    UpstreamUnavailable (502)           UpstreamTimeout (504)
    ├── ConnectError                    ├── ConnectTimeout
    │   ├── ProxyError                  ├── ReadTimeout
    │   └── TLSError                    ├── TotalTimeout
    ├── ConnectionLost                  └── PoolTimeout
    ├── ProtocolError
    │   └── IncompleteBody
    └── PoolClosed

    InvalidRequest (400)
    ├── InvalidHeader                   CR, LF or NUL in a header, a bad name, target or method
    └── BodyLengthMismatch              a streamed body disagrees with its declared length

Everything the client raises for a failed exchange is one of these, so the gateway can map any
of them straight to its status. An exception raised by the caller's own body iterator passes
through unchanged.
"""

from __future__ import annotations

from trunkline.errors import InvalidRequest, UpstreamTimeout, UpstreamUnavailable

__all__ = [
    "BodyLengthMismatch",
    "ConnectError",
    "ConnectTimeout",
    "ConnectionLost",
    "IncompleteBody",
    "InvalidHeader",
    "PoolClosed",
    "PoolTimeout",
    "ProtocolError",
    "ProxyError",
    "ReadTimeout",
    "TLSError",
    "TotalTimeout",
]


class ConnectError(UpstreamUnavailable):
    """DNS, TCP connect or TLS handshake failed: nothing was sent."""


class ProxyError(ConnectError):
    """The outbound proxy refused or botched the CONNECT tunnel."""


class TLSError(ConnectError):
    """The TLS handshake failed, e.g. an untrusted or mismatched certificate."""


class ConnectionLost(UpstreamUnavailable):
    """The upstream closed or reset the connection before a complete response head.

    ``before_response`` is true when not a single response byte had arrived: the case in which
    a request on a reused (possibly stale) connection is retried once.
    """

    def __init__(self, message: str, *, before_response: bool) -> None:
        super().__init__(message)
        self.before_response = before_response


class ProtocolError(UpstreamUnavailable):
    """The upstream answered with something that is not valid HTTP/1.1."""


class IncompleteBody(ProtocolError):
    """The connection ended before the body its framing announced."""


class PoolClosed(UpstreamUnavailable):
    """The pool was closed while the request waited or ran."""


class ConnectTimeout(UpstreamTimeout):
    """DNS, TCP connect, proxy tunnel and TLS handshake took longer than ``connect``."""


class ReadTimeout(UpstreamTimeout):
    """The upstream went silent for longer than ``read`` in the middle of an exchange."""


class TotalTimeout(UpstreamTimeout):
    """The whole exchange (pool wait, connect, send, receive) exceeded ``total``."""


class PoolTimeout(UpstreamTimeout):
    """No connection to the origin became free within ``pool`` seconds."""


class InvalidHeader(InvalidRequest):
    """A request header, target or method that cannot be sent as-is."""


class BodyLengthMismatch(InvalidRequest):
    """A streamed body yielded more or fewer bytes than its declared ``content_length``."""
