"""SDK errors: one status → class map, parsed from the gateway's one error shape."""

from __future__ import annotations

from typing import Any

import httpx


class TrunklineClientError(Exception):
    """Root of the SDK's errors (transport problems included)."""


class APIError(TrunklineClientError):
    def __init__(
        self, message: str, *, status: int, code: str, request_id: str | None, body: Any = None
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.message = message
        self.status = status
        self.code = code
        self.request_id = request_id
        self.body = body


class ValidationError(APIError):
    pass


class AuthenticationError(APIError):
    pass


class NotFoundError(APIError):
    pass


class ConflictError(APIError):
    pass


class CredentialsExpiredError(APIError):
    pass


class RateLimitError(APIError):
    retry_after: float | None = None


class UpstreamError(APIError):
    pass


_BY_STATUS: dict[int, type[APIError]] = {
    400: ValidationError,
    401: AuthenticationError,
    403: AuthenticationError,
    404: NotFoundError,
    409: ConflictError,
    413: ValidationError,
    424: CredentialsExpiredError,
    429: RateLimitError,
}


def error_from_response(response: httpx.Response) -> APIError:
    try:
        body: Any = response.json()
    except ValueError:
        body = response.text
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        message, code = str(error.get("message", "")), str(error.get("code", "error"))
    else:
        message, code = (response.text[:500] or response.reason_phrase), "upstream_error"
    cls = _BY_STATUS.get(response.status_code)
    if cls is None:
        cls = UpstreamError if response.status_code >= 500 else ValidationError
    error_obj = cls(
        message,
        status=response.status_code,
        code=code,
        request_id=response.headers.get("x-request-id"),
        body=body,
    )
    if isinstance(error_obj, RateLimitError):
        retry = response.headers.get("retry-after", "")
        error_obj.retry_after = float(retry) if retry.replace(".", "", 1).isdigit() else None
    return error_obj
