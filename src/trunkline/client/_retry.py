"""Retries, as an httpx transport wrapped around the real one (so every SDK call gets them).

What is resent: a request that never reached the server (connect errors), and, when resending
is safe, one that failed on the way back (read errors, resets) or was answered 429 or
502/503/504. Resending is safe for GET, HEAD, OPTIONS, PUT and DELETE, and for a POST or PATCH
carrying an ``Idempotency-Key`` (the gateway answers a repeat from the first send).

The wait is exponential backoff with full jitter (a random time up to ``base * 2**attempt``,
capped), or the server's ``Retry-After`` when it gives one; a ``Retry-After`` longer than
``MAX_RETRY_AFTER`` is not waited out but handed to the caller as the 429.
"""

from __future__ import annotations

import asyncio
import random
import time

import httpx

from trunkline.client._errors import retry_after

BACKOFF_BASE = 0.25
BACKOFF_CAP = 8.0
MAX_RETRY_AFTER = 30.0
RETRY_STATUSES = frozenset({429, 502, 503, 504})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
# Failures where the request may have reached the server: resent only when that is safe.
_AFTER_SENDING = (httpx.ReadError, httpx.ReadTimeout, httpx.WriteError, httpx.RemoteProtocolError)
_BEFORE_SENDING = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


def resendable(request: httpx.Request) -> bool:
    return request.method in SAFE_METHODS or (
        request.method in ("POST", "PATCH") and "idempotency-key" in request.headers
    )


def backoff(attempt: int) -> float:
    """Full jitter: anywhere between 0 and the exponential ceiling for this attempt."""
    return random.uniform(0, min(BACKOFF_CAP, BACKOFF_BASE * 2**attempt))


def wait_for_answer(request: httpx.Request, response: httpx.Response, attempt: int) -> float | None:
    """Seconds to wait before resending after ``response``, or None to return it."""
    if response.status_code not in RETRY_STATUSES or not resendable(request):
        return None
    asked = retry_after(response)
    if asked is None:
        return backoff(attempt)
    return asked if asked <= MAX_RETRY_AFTER else None


def wait_for_failure(
    request: httpx.Request, exc: httpx.TransportError, attempt: int
) -> float | None:
    if isinstance(exc, _BEFORE_SENDING) or (
        isinstance(exc, _AFTER_SENDING) and resendable(request)
    ):
        return backoff(attempt)
    return None


class RetryTransport(httpx.BaseTransport):
    def __init__(self, inner: httpx.BaseTransport, max_retries: int) -> None:
        self.inner = inner
        self.max_retries = max_retries

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        attempt = 0
        while True:
            try:
                response = self.inner.handle_request(request)
            except httpx.TransportError as exc:
                wait = wait_for_failure(request, exc, attempt)
                if wait is None or attempt >= self.max_retries:
                    raise
            else:
                wait = wait_for_answer(request, response, attempt)
                if wait is None or attempt >= self.max_retries:
                    return response
                response.close()
            time.sleep(wait)
            attempt += 1

    def close(self) -> None:
        self.inner.close()


class AsyncRetryTransport(httpx.AsyncBaseTransport):
    def __init__(self, inner: httpx.AsyncBaseTransport, max_retries: int) -> None:
        self.inner = inner
        self.max_retries = max_retries

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        attempt = 0
        while True:
            try:
                response = await self.inner.handle_async_request(request)
            except httpx.TransportError as exc:
                wait = wait_for_failure(request, exc, attempt)
                if wait is None or attempt >= self.max_retries:
                    raise
            else:
                wait = wait_for_answer(request, response, attempt)
                if wait is None or attempt >= self.max_retries:
                    return response
                await response.aclose()
            await asyncio.sleep(wait)
            attempt += 1

    async def aclose(self) -> None:
        await self.inner.aclose()
