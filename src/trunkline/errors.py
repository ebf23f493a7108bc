"""The one exception tree. Each class carries its HTTP status and wire ``code``.

    TrunklineError                     500 internal_error
    ├── InvalidRequest                 400 invalid_request
    │   └── NoActiveConnection         400 no_active_connection
    ├── Unauthorized                   401 unauthorized
    ├── Forbidden                      403 forbidden (mode_mismatch)
    │   └── ScopeDenied                403 scope_app, scope_connection, scope_read_only,
    │                                      scope_destination: outside the API key's scope
    ├── NotFound                       404 not_found (app_not_found, connection_not_found)
    ├── MethodNotAllowed               405 method_not_allowed
    ├── Conflict                       409 conflict
    │   ├── ConnectionNotActive        409 connection_not_active
    │   ├── TestModeUnavailable        409 test_mode_unavailable
    │   └── IdempotencyInFlight        409 idempotency_in_flight
    ├── PayloadTooLarge                413 payload_too_large
    ├── IdempotencyKeyReused           422 idempotency_key_reused
    ├── CredentialsExpired             424 credentials_expired
    ├── Throttled                      429 rate_limited (+ Retry-After)
    │   └── SendBudgetExceeded         429 send_budget_exceeded: the key's sends per hour/day
    ├── UpstreamUnavailable            502 upstream_unreachable
    ├── StoreUnavailable               503 store_unavailable (+ Retry-After)
    ├── UpstreamTimeout                504 upstream_timeout
    └── ConfigError                    startup only: bad catalogue, bad master key, bad settings

Errors the gateway itself produces render as
``{"error": {"code", "message", "status", "request_id"}}``; upstream errors pass through untouched.
"""

from __future__ import annotations

from typing import Any, ClassVar

import orjson


class TrunklineError(Exception):
    status: ClassVar[int] = 500
    code: ClassVar[str] = "internal_error"

    def __init__(self, message: str, *, code: str | None = None, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.wire_code = code or self.code
        self.details = details

    def headers(self) -> dict[str, str]:
        return {}

    def body(self, request_id: str) -> bytes:
        return render_error(self.status, self.wire_code, self.message, request_id, self.details)


class InvalidRequest(TrunklineError):
    status = 400
    code = "invalid_request"


class NoActiveConnection(InvalidRequest):
    code = "no_active_connection"


class Unauthorized(TrunklineError):
    status = 401
    code = "unauthorized"


class Forbidden(TrunklineError):
    status = 403
    code = "forbidden"


class ScopeDenied(Forbidden):
    """The API key's scope does not cover this request; the code names which part refused."""

    code = "scope_denied"


class NotFound(TrunklineError):
    status = 404
    code = "not_found"


class MethodNotAllowed(TrunklineError):
    status = 405
    code = "method_not_allowed"


class Conflict(TrunklineError):
    status = 409
    code = "conflict"


class ConnectionNotActive(Conflict):
    code = "connection_not_active"


class TestModeUnavailable(Conflict):
    """A test-mode key or connection on a server that does not mount the sandboxes."""

    __test__ = False  # not a pytest class
    code = "test_mode_unavailable"


class IdempotencyInFlight(Conflict):
    """A repeat of a keyed request that is still running elsewhere, past the wait."""

    code = "idempotency_in_flight"


class PayloadTooLarge(TrunklineError):
    status = 413
    code = "payload_too_large"


class IdempotencyKeyReused(TrunklineError):
    """An ``Idempotency-Key`` sent again with a different method, path or body."""

    status = 422
    code = "idempotency_key_reused"


class CredentialsExpired(TrunklineError):
    status = 424
    code = "credentials_expired"


class Throttled(TrunklineError):
    status = 429
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: float, **details: Any) -> None:
        super().__init__(message, **details)
        self.retry_after = retry_after

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(max(1, round(self.retry_after + 0.499)))}


class SendBudgetExceeded(Throttled):
    code = "send_budget_exceeded"


class UpstreamUnavailable(TrunklineError):
    status = 502
    code = "upstream_unreachable"


class StoreUnavailable(TrunklineError):
    """The database cannot be reached (restarting, failing over): nothing was done; retry."""

    status = 503
    code = "store_unavailable"

    def headers(self) -> dict[str, str]:
        return {"Retry-After": "1"}


class UpstreamTimeout(TrunklineError):
    status = 504
    code = "upstream_timeout"


class ConfigError(TrunklineError):
    """Raised at startup; ``trunkline serve`` prints the message and exits non-zero."""

    code = "config_error"


def render_error(
    status: int, code: str, message: str, request_id: str, details: dict[str, Any] | None = None
) -> bytes:
    error: dict[str, Any] = {"code": code, "message": message, "status": status}
    if details:
        error["details"] = details
    error["request_id"] = request_id
    return orjson.dumps({"error": error})
