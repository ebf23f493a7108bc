"""What keeps the connect page safe to open: response headers, the CSRF token, cookies.

* Every page forbids framing (``frame-ancestors 'none'`` and ``X-Frame-Options: DENY``), runs
  no script at all (``default-src 'none'``), sends no referrer (the link carries its token) and
  is never cached.
* Forms carry a double-submit CSRF token bound to the connect session: the browser holds a
  random nonce in an HttpOnly, SameSite=Strict cookie, and the form's hidden field is
  HMAC-SHA256(nonce, session hash). A page on another site can neither read the cookie nor
  compute the field.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import Response

CSRF_COOKIE = "tl_csrf"
OAUTH_COOKIE = "tl_oauth"
_NONCE = re.compile(r"^[A-Za-z0-9_-]{32,64}$")


def page_headers(form_targets: Iterable[str] = ()) -> dict[str, str]:
    actions = " ".join(["'self'", *form_targets])
    return {
        "Content-Security-Policy": (
            "default-src 'none'; style-src 'self'; img-src 'self'; "
            f"form-action {actions}; frame-ancestors 'none'; base-uri 'none'"
        ),
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-store",
    }


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def new_nonce() -> str:
    return secrets.token_urlsafe(32)


def nonce_from(request: Request) -> str | None:
    value = request.cookies.get(CSRF_COOKIE, "")
    return value if _NONCE.match(value) else None


def csrf_token(nonce: str, session_hash: str) -> str:
    return hmac.new(nonce.encode(), b"connect-form:" + session_hash.encode(), "sha256").hexdigest()


def csrf_valid(request: Request, session_hash: str, submitted: str) -> bool:
    nonce = nonce_from(request)
    return nonce is not None and hmac.compare_digest(csrf_token(nonce, session_hash), submitted)


def digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


class Cookies:
    """Cookies scoped to the connect pages of this server (``Secure`` behind https)."""

    def __init__(self, base_url: str) -> None:
        self.path = urlsplit(base_url).path.rstrip("/") + "/connect"
        self.secure = base_url.startswith("https://")

    def set(self, response: Response, name: str, value: str, max_age: int, same_site: str) -> None:
        response.set_cookie(
            name,
            value,
            max_age=max(1, max_age),
            path=self.path,
            secure=self.secure,
            httponly=True,
            samesite=same_site,  # type: ignore[arg-type]
        )

    def clear(self, response: Response, name: str) -> None:
        response.delete_cookie(name, path=self.path, secure=self.secure, httponly=True)
