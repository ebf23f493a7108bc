"""The dated API's error body: ``{title, message, docs, trace?, errors?}`` for every status.

``title`` is the HTTP status text (``Unknown`` for 500s, as Quo's pages show). Webhook
endpoints leave ``trace`` out, as their reference pages do.
"""

from __future__ import annotations

import secrets
from typing import Any

from starlette.responses import JSONResponse

from trunkline.sandbox.quo.errors import QuoError

VERSION = "2026-03-30"
DOCS_URL = "https://quo.com/docs"
INVALID = "The input was invalid"
VERSION_MESSAGE = f"Unsupported or missing Quo-Api-Version header. Supported versions: {VERSION}"

TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    402: "Payment Required",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    422: "Unprocessable Entity",
    429: "Too Many Requests",
    500: "Unknown",
}


def error_body(exc: QuoError, *, trace: bool = True) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": TITLES.get(exc.status, "Error"),
        "message": exc.message,
        "docs": DOCS_URL,
    }
    if trace:
        body["trace"] = str(secrets.randbits(62))
    if exc.errors:
        body["errors"] = exc.errors
    return body


def error_response(exc: QuoError, *, trace: bool = True) -> JSONResponse:
    # No Retry-After / RateLimit headers: the dated docs document none (v1 keeps its own).
    return JSONResponse(error_body(exc, trace=trace), status_code=exc.status)


def invalid(path: str, message: str, value: Any, schema: dict[str, Any]) -> QuoError:
    """A 400 with one ``errors[]`` item; ``message`` is Quo's generic "The input was invalid"."""
    item = {"path": path, "message": message, "value": value, "schema": schema}
    return QuoError(400, INVALID, errors=[item])


def bad_value(path: str, message: str, value: Any, type_name: str = "string") -> QuoError:
    return invalid(path, message, value, {"type": type_name})


def not_found(message: str) -> QuoError:
    return QuoError(404, message)
