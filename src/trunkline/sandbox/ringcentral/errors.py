"""RingCentral's two error shapes.

REST API errors carry a top-level ``errorCode`` and ``message`` and the same in an ``errors``
list (with ``parameterName`` when a parameter is at fault). OAuth endpoint errors follow
RFC 6749 (``error``, ``error_description``) and add RingCentral's ``errors`` list with an
``OAU-`` code.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse


class ApiError(Exception):
    def __init__(
        self, status: int, code: str, message: str, *, detail_code: str | None = None, **extra: Any
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.detail_code = detail_code or code
        self.extra = extra

    def response(self, headers: dict[str, str] | None = None) -> JSONResponse:
        detail = {"errorCode": self.detail_code, "message": self.message, **self.extra}
        body = {"errorCode": self.code, "message": self.message, "errors": [detail]}
        return JSONResponse(body, status_code=self.status, headers=headers)


def invalid_parameter(name: str, value: Any = None) -> ApiError:
    extra: dict[str, Any] = {"parameterName": name}
    if value is not None:
        extra["parameterValue"] = str(value)
    return ApiError(400, "CMN-101", f"Parameter [{name}] value is invalid", **extra)


def missing_parameter(name: str) -> ApiError:
    return ApiError(400, "CMN-100", f"Parameter [{name}] is not specified", parameterName=name)


def not_found(name: str, value: str) -> ApiError:
    return ApiError(
        404,
        "CMN-102",
        f"Resource for parameter [{name}] is not found",
        parameterName=name,
        parameterValue=value,
    )


def insufficient_permissions(permission: str) -> ApiError:
    message = (
        f"In order to call this API endpoint, application needs to have [{permission}] permission"
    )
    return ApiError(403, "InsufficientPermissions", message, detail_code="CMN-401")


class OAuthError(Exception):
    def __init__(self, status: int, error: str, code: str, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.error = error
        self.code = code
        self.description = description

    def response(self) -> JSONResponse:
        body = {
            "error": self.error,
            "errors": [{"errorCode": self.code, "message": self.description}],
            "error_description": self.description,
        }
        headers = {"WWW-Authenticate": 'Basic realm="RingCentral"'} if self.status == 401 else None
        return JSONResponse(body, status_code=self.status, headers=headers)


def token_not_found() -> OAuthError:
    return OAuthError(400, "invalid_grant", "OAU-213", "Token not found")


def token_expired() -> OAuthError:
    return OAuthError(400, "invalid_grant", "OAU-210", "Token expired")


def token_revoked() -> OAuthError:
    return OAuthError(400, "invalid_grant", "OAU-211", "Token is revoked")


def invalid_client(client_id: str) -> OAuthError:
    return OAuthError(401, "invalid_client", "OAU-123", f"Invalid client: {client_id}")
