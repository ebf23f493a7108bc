"""One signed POST to a destination, and what came of it.

Signing follows Standard Webhooks (https://www.standardwebhooks.com): ``webhook-id`` is stable
per (event, destination) so receivers can drop repeats, ``webhook-timestamp`` is the time of this
attempt, ``webhook-signature`` is ``v1,<base64 HMAC-SHA256 of "id.timestamp.body">``.

The client follows no redirects (a 3xx is a failed attempt: a redirect could point anywhere),
sends no cookies, ignores proxy variables, bounds the whole exchange by one timeout and reads at
most ``response_limit`` bytes of the answer. Addresses are checked by :mod:`.guard`.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

import aiohttp
from standardwebhooks.webhooks import Webhook

from trunkline.forwarding.guard import GuardedResolver, UnsafeAddress, check_literal
from trunkline.forwarding.schedule import parse_retry_after
from trunkline.timeutil import now

SECRET_PREFIX = "whsec_"
USER_AGENT = "trunkline-webhooks/1"
EXCERPT = 200  # characters of a failed response body kept in the delivery log


def new_secret() -> str:
    """``whsec_`` + base64 of 32 random bytes, the Standard Webhooks secret format."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def message_id(event_id: str, destination_id: str) -> str:
    """The ``webhook-id`` of an event at a destination: the same on every attempt and replay."""
    digest = hashlib.sha256(f"{event_id}\n{destination_id}".encode()).hexdigest()
    return "msg_" + digest[:32]


def signed_headers(secret: str, msg_id: str, body: str, at: datetime) -> dict[str, str]:
    return {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(secret).sign(msg_id, at, body),
    }


@dataclass(frozen=True)
class Outcome:
    """What one attempt came to. ``status`` is the HTTP status when a response arrived."""

    ok: bool
    status: int | None = None
    error: str | None = None
    retry_after: float | None = None


class Sender:
    def __init__(self, *, timeout: float, response_limit: int, allow_private: bool) -> None:
        self.timeout = timeout
        self.response_limit = response_limit
        self.allow_private = allow_private
        self._session: aiohttp.ClientSession | None = None

    @property
    def session(self) -> aiohttp.ClientSession:
        """Made on first use, inside the running loop (aiohttp binds a session to its loop)."""
        if self._session is None:
            connector = aiohttp.TCPConnector(
                resolver=GuardedResolver(self.allow_private),
                use_dns_cache=False,  # resolve (and check) afresh for every new connection
                limit=100,
                limit_per_host=8,
            )
            self._session = aiohttp.ClientSession(
                connector=connector,
                timeout=aiohttp.ClientTimeout(total=self.timeout),
                cookie_jar=aiohttp.DummyCookieJar(),
                trust_env=False,
                auto_decompress=False,
            )
        return self._session

    async def post(self, url: str, secret: str, msg_id: str, body: str) -> Outcome:
        try:
            check_literal(url, allow_private=self.allow_private)
            headers = signed_headers(secret, msg_id, body, now())
            async with self.session.post(
                url, data=body.encode(), headers=headers, allow_redirects=False
            ) as response:
                excerpt = await self._read(response)
                return _outcome(response, excerpt)
        except UnsafeAddress as exc:
            return Outcome(False, error=f"refused: {exc}")
        except aiohttp.ClientConnectorError as exc:
            if isinstance(exc.os_error, UnsafeAddress):
                return Outcome(False, error=f"refused: {exc.os_error}")
            return Outcome(False, error=f"cannot connect: {exc.os_error.strerror or exc}")
        except TimeoutError:
            return Outcome(False, error=f"timed out after {self.timeout:g} s")
        except (aiohttp.ClientError, OSError, ValueError) as exc:
            return Outcome(False, error=f"{type(exc).__name__}: {exc}"[:500])

    async def _read(self, response: aiohttp.ClientResponse) -> bytes:
        """At most ``response_limit`` bytes; a longer body is cut off with its connection."""
        taken = bytearray()
        while len(taken) < self.response_limit:
            chunk = await response.content.read(self.response_limit - len(taken))
            if not chunk:
                return bytes(taken)
            taken += chunk
        if not response.content.at_eof():
            response.close()
        return bytes(taken)

    async def close(self) -> None:
        if self._session is not None:
            session, self._session = self._session, None
            await session.close()
            await asyncio.sleep(0)  # let the connector's transports finish closing


def _outcome(response: aiohttp.ClientResponse, body: bytes) -> Outcome:
    status = response.status
    if 200 <= status < 300:
        return Outcome(True, status)
    retry_after = None
    if status in (429, 503):
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
    text = body[: EXCERPT * 4].decode("utf-8", "replace").strip()[:EXCERPT]
    reason = f"HTTP {status}" + (f": {text}" if text else "")
    if 300 <= status < 400:
        reason = f"HTTP {status}: redirects are not followed"
    return Outcome(False, status, reason, retry_after)
