"""``POST /webhooks/{app}/{token}``: a provider's webhook delivery.

Unauthenticated by API key on purpose: the unguessable token in the path finds the connection,
and the provider's own signature proves the sender. The URL the provider signed is rebuilt from
``TRUNKLINE_PUBLIC_URL``, never from the request's ``Host`` or ``X-Forwarded-*`` headers unless
``TRUNKLINE_TRUSTED_PROXY`` says the proxy in front sets them. A delivery is acknowledged (2xx)
only once it is stored; anything unsigned, badly signed, stale or too large is refused with
401/400/413 in the error shape and leaves nothing behind.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from trunkline.control.http import JSON, read_limited
from trunkline.events.ingest import Delivery, Ingest


def public_url(request: Request, base_url: str, trusted_proxy: bool) -> str:
    """The URL the provider called, as it saw it."""
    raw_path = request.scope.get("raw_path") or request.url.path.encode()
    path = raw_path.decode("latin-1").split("?", 1)[0]
    root = urlsplit(base_url).path.rstrip("/")
    query = request.scope.get("query_string", b"").decode("latin-1")
    if trusted_proxy and request.headers.get("x-forwarded-host"):
        scheme = request.headers.get("x-forwarded-proto", "https").split(",")[0].strip()
        host = request.headers["x-forwarded-host"].split(",")[0].strip()
        origin = f"{scheme}://{host}"
    else:
        parts = urlsplit(base_url)
        origin = f"{parts.scheme}://{parts.netloc}"
    if root and not path.startswith(root):
        path = root + path
    return origin + path + (f"?{query}" if query else "")


def routes(ingest: Ingest, base_url: str, trusted_proxy: bool, max_body: int) -> list[BaseRoute]:
    async def deliver(request: Request) -> Response:
        body = await read_limited(request, max_body)
        delivery = Delivery(
            app=request.path_params["app"],
            token=request.path_params["token"],
            method=request.method,
            url=public_url(request, base_url, trusted_proxy),
            headers={k.lower(): v for k, v in request.headers.items()},
            body=body,
            hint=request.query_params.get("hook"),
        )
        outcome = await ingest.receive(delivery)
        if outcome.echo_headers:  # a subscription handshake (RingCentral's Validation-Token)
            return Response(status_code=200, headers=outcome.echo_headers)
        return JSON(
            {"received": True, "event_id": outcome.event_id, "duplicate": outcome.duplicate}
        )

    return [Route("/webhooks/{app}/{token}", deliver, methods=["POST"])]
