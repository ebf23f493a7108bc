"""An ASGI guard for servers whose parser accepts Content-Length together with
Transfer-Encoding (granian/hyper takes the chunked body). Such a request is ambiguous to every
proxy in the path (request smuggling): refuse it with 400 before anything is forwarded, as llhttp
and nginx do. uvicorn's httptools parser refuses it itself, so it runs without this."""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

BODY = b"Content-Length with Transfer-Encoding"


def refuse_ambiguous_framing(app: ASGIApp) -> ASGIApp:
    async def guarded(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            names = {name for name, _ in scope["headers"]}
            if b"content-length" in names and b"transfer-encoding" in names:
                await send(
                    {
                        "type": "http.response.start",
                        "status": 400,
                        "headers": [
                            (b"content-type", b"text/plain"),
                            (b"content-length", str(len(BODY)).encode()),
                            (b"connection", b"close"),
                        ],
                    }
                )
                await send({"type": "http.response.body", "body": BODY})
                return
        await app(scope, receive, send)

    return guarded
