"""trunkline's own HTTP/1.1 upstream client: keep-alive pools on asyncio protocols + httptools.

    pool = UpstreamPool(timeouts=Timeouts(connect=5, read=30), max_per_key=8)
    async with await pool.request(
        b"POST", "https://api.example.com", b"/v1/messages?x=1",
        [(b"Authorization", b"Bearer ..."), (b"Content-Type", b"application/json")],
        body=b"{...}", share_key=credential_id,
    ) as response:
        response.status, response.headers, response.content_length
        async for chunk in response:     # or: await response.read()
            ...
    await pool.close()

Bodies stream both ways in constant memory. Every failure raises a subclass of
``trunkline.errors.UpstreamUnavailable`` (502) or ``UpstreamTimeout`` (504); see ``errors``.
"""

from trunkline.upstream.errors import (
    BodyLengthMismatch,
    ConnectError,
    ConnectionLost,
    ConnectTimeout,
    IncompleteBody,
    InvalidHeader,
    PoolClosed,
    PoolTimeout,
    ProtocolError,
    ProxyError,
    ReadTimeout,
    TLSError,
    TotalTimeout,
)
from trunkline.upstream.pool import UpstreamPool
from trunkline.upstream.request import Origin, Timeouts
from trunkline.upstream.response import Response

__all__ = [
    "BodyLengthMismatch",
    "ConnectError",
    "ConnectTimeout",
    "ConnectionLost",
    "IncompleteBody",
    "InvalidHeader",
    "Origin",
    "PoolClosed",
    "PoolTimeout",
    "ProtocolError",
    "ProxyError",
    "ReadTimeout",
    "Response",
    "TLSError",
    "Timeouts",
    "TotalTimeout",
    "UpstreamPool",
]
