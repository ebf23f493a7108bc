"""trunkline's own HTTP/1.1 upstream client: keep-alive pools on asyncio protocols + httptools.

Construct one pool per event loop (at startup) and close it at shutdown::

    pool = UpstreamPool(
        timeouts=Timeouts(connect=5, read=30, total=None, pool=10),
        max_per_origin=100,      # connections to one (scheme, host, port)
        max_per_key=8,           # of which one share_key (e.g. a credential id) may hold
        ssl_context=None,        # default: system trust store, hostname check, SNI
        proxy=None,              # or "http://[user:pass@]proxy:3128"
    )
    ...
    await pool.close()          # fails waiters and in-flight exchanges with PoolClosed

A request returns as soon as the response head is in; the body follows on demand::

    origin = Origin.parse("https://api.openphone.com")   # or pass the string (cached)
    response = await pool.request(
        b"POST", origin, b"/v1/messages?x=%2B1",          # raw target, sent as-is
        [(b"Authorization", b"..."), (b"Content-Type", b"application/json")],
        body=b"{...}",                                   # None | bytes | AsyncIterable[bytes]
        content_length=None,                             # for an iterable of known size
        share_key=credential_id,
    )
    async with response:                                 # release() on exit
        response.status                                  # 201
        response.headers                                 # [(b"content-type", b"..."), ...]
        response.content_length                          # int or None
        async for chunk in response:                     # or: body = await response.read()
            ...
        response.trailers                                # after a chunked body, if any

or ``async with pool.stream(...) as response``. ``release()`` is synchronous and idempotent: the
connection returns to the pool when the whole body has arrived and the upstream allowed
keep-alive, and is closed otherwise (a body left unread mid-way closes the connection).

Semantics worth knowing when wiring it in:

- Request headers go out in order, byte for byte; Host is added unless given. The client owns
  framing: Content-Length / Transfer-Encoding / Connection / Keep-Alive / Proxy-Connection /
  Upgrade / TE / Expect from the caller are dropped. CR, LF or NUL anywhere, a non-token header
  name or method, or a target with spaces/control bytes raise ``InvalidHeader`` (400) before
  anything is sent.
- Response headers are exactly what the upstream sent (names lowercased), including its
  hop-by-hop and framing headers: the body handed out is de-chunked, so a relaying gateway must
  drop ``transfer-encoding``/``connection``/``keep-alive`` and frame the body itself.
  ``content_length`` is the upstream's Content-Length (also on HEAD/204/304, which have no body).
- Bodies stream in constant memory: reading pauses while 256 KiB sit unread; uploads wait for
  the transport to drain. Bytes bodies over 64 KiB are written in slices the same way.
- 1xx responses are skipped; ``Expect: 100-continue`` is never sent.
- A request that fails on a reused connection before any response byte arrived is retried once
  on a new connection if its body is None or bytes (the stale keep-alive race). Streamed bodies
  are never retried. Nothing else is retried.
- Errors (all in ``trunkline.upstream.errors``) subclass the gateway's tree:
  502 ``UpstreamUnavailable``: ``ConnectError`` (DNS, refused, ``TLSError``, ``ProxyError``),
  ``ConnectionLost``, ``ProtocolError`` (malformed response, head over 64 KiB,
  ``IncompleteBody``), ``PoolClosed``;
  504 ``UpstreamTimeout``: ``ConnectTimeout``, ``ReadTimeout`` (silence mid-exchange; time spent
  waiting on the caller to read or to produce the upload does not count), ``TotalTimeout``,
  ``PoolTimeout``;
  400 ``InvalidRequest``: ``InvalidHeader``, ``BodyLengthMismatch``.
  An exception raised by the caller's own body iterator reaches the caller unchanged.
- Fairness: waiters are served first come first served among those whose share key is under
  ``max_per_key``; a tenant at its cap waits without holding up the others.
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
