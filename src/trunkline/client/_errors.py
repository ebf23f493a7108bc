"""SDK errors: one tree, one status → class map, parsed from the gateway's one error shape.

TrunklineClientError           anything the SDK raises
 ├── APIConnectionError        no answer: cannot connect, connection reset, timed out
 ├── ActionError               an action could not run, or the provider refused it
 └── APIError                  an answer with status >= 400: status, code, message, request_id
      ├── ValidationError          400, 413, 422 and other 4xx
      ├── AuthenticationError      401: no key, or an unknown one
      ├── PermissionDeniedError    403: the key may not do this
      ├── NotFoundError            404
      ├── ConflictError            409
      ├── CredentialsExpiredError  424: the connection's credentials need reconnecting
      ├── RateLimitError           429 (``retry_after`` in seconds, when given)
      └── UpstreamError            5xx
"""

from __future__ import annotations

import email.utils
import time
from typing import Any

import httpx


class TrunklineClientError(Exception):
    """Root of the SDK's errors (transport problems included)."""


class APIConnectionError(TrunklineClientError):
    """The request got no answer (after any retries)."""


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


class PermissionDeniedError(APIError):
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


class ActionError(TrunklineClientError):
    """The action could not run, or the provider refused it; ``message`` says why, ``status``
    and ``body`` are the provider's answer when there was one."""

    def __init__(self, message: str, *, status: int | None = None, body: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.body = body


_BY_STATUS: dict[int, type[APIError]] = {
    400: ValidationError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    413: ValidationError,
    424: CredentialsExpiredError,
    429: RateLimitError,
}


def error_class(status: int) -> type[APIError]:
    return _BY_STATUS.get(status) or (UpstreamError if status >= 500 else ValidationError)


def error_from_response(response: httpx.Response) -> APIError:
    try:
        body: Any = response.json()
    except ValueError:
        body = response.text
    error = body.get("error") if isinstance(body, dict) else None
    request_id = response.headers.get("x-request-id")
    if isinstance(error, dict):
        message, code = str(error.get("message", "")), str(error.get("code", "error"))
        request_id = request_id or error.get("request_id")
    else:
        message, code = (response.text[:500] or response.reason_phrase), "upstream_error"
    error_obj = error_class(response.status_code)(
        message, status=response.status_code, code=code, request_id=request_id, body=body
    )
    if isinstance(error_obj, RateLimitError):
        error_obj.retry_after = retry_after(response)
    return error_obj


def retry_after(response: httpx.Response) -> float | None:
    """``Retry-After`` in seconds from now: a number of seconds or an HTTP date."""
    raw = response.headers.get("retry-after", "").strip()
    if not raw:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())
