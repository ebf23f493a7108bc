"""CallRail's error replies: a status code and ``{"error": "<message>"}``.

CallRail publishes no error schema; the observed shape is a JSON object with one ``error`` string,
validation messages carry the allowed values. Handlers raise :class:`CallRailError` and one
exception handler renders it, so every failure path has the same body.
"""

from __future__ import annotations

from starlette.responses import JSONResponse


class CallRailError(Exception):
    """A request CallRail would refuse, with the status and message it would use."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}

    def response(self) -> JSONResponse:
        return JSONResponse({"error": self.message}, self.status, headers=self.headers)


def bad_request(message: str) -> CallRailError:
    return CallRailError(400, message)


def not_found(message: str = "Not found") -> CallRailError:
    return CallRailError(404, message)


def forbidden(
    message: str = "You do not have permission to perform the requested action",
) -> CallRailError:
    return CallRailError(403, message)


def unprocessable(message: str) -> CallRailError:
    return CallRailError(422, message)


def unauthorized() -> CallRailError:
    # Rails' token authentication answers with this challenge header and message.
    return CallRailError(
        401, "HTTP Token: Access denied.", {"WWW-Authenticate": 'Token realm="Application"'}
    )


def rate_limited() -> CallRailError:
    # CallRail documents no Retry-After header on its 429s, so none is sent.
    return CallRailError(429, "API rate limit exceeded. Please try again later.")
