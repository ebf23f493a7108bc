"""Twilio's error bodies: ``{code, message, more_info, status}`` with Twilio's own codes.

Handlers raise :class:`TwilioError`; the API wrapper renders it. The helpers below name the
errors by what went wrong, so call sites read like the docs' error dictionary.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse

MORE_INFO = "https://www.twilio.com/docs/errors/{code}"


class TwilioError(Exception):
    """An error answered with Twilio's JSON body (a 4xx; 500 only for our own bugs)."""

    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message

    def body(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": self.message,
            "more_info": MORE_INFO.format(code=self.code),
            "status": self.status,
        }

    def response(self) -> JSONResponse:
        headers = {"WWW-Authenticate": 'Basic realm="Twilio API"'} if self.status == 401 else None
        return JSONResponse(self.body(), status_code=self.status, headers=headers)


def not_found(path: str) -> TwilioError:
    return TwilioError(404, 20404, f"The requested resource {path} was not found")


def authenticate() -> TwilioError:
    return TwilioError(401, 20003, "Authenticate")


def method_not_allowed(method: str) -> TwilioError:
    return TwilioError(405, 20004, f"Method {method} not allowed")


def too_many_requests() -> TwilioError:
    return TwilioError(429, 20429, "Too Many Requests")


def missing(name: str) -> TwilioError:
    return TwilioError(400, 20001, f"Missing required parameter {name} in the post body")


def invalid(name: str, why: str = "is invalid") -> TwilioError:
    return TwilioError(400, 20001, f"Parameter '{name}' {why}")


def invalid_url(name: str, value: str) -> TwilioError:
    code = 21609 if name == "StatusCallback" else 21205
    return TwilioError(400, code, f"{name} is not valid: {value}")


def not_complete(kind: str) -> TwilioError:
    return TwilioError(400, 20009, f"Cannot delete this {kind} before it is complete")


def internal() -> TwilioError:
    return TwilioError(500, 20500, "An internal server error has occurred")
