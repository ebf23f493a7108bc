"""Signed requests from the sandbox to the user's URLs (status callbacks, SmsUrl, VoiceUrl).

POST callbacks go through the shared webhook sender (form body, retries, delivery log). GET
callbacks carry the parameters in the query string and are signed over that full URL, as
Twilio does; the kit's sender only POSTs, so they are attempted here and logged alongside.
Callbacks about one resource share a ``key`` and arrive in the order they were sent.
"""

from __future__ import annotations

import asyncio
import secrets
from urllib.parse import urlencode

import httpx

from trunkline.sandbox.kit import Delivery, WebhookSender
from trunkline.sandbox.twilio.signing import signature

USER_AGENT = "TwilioProxy/1.1"
Pairs = list[tuple[str, str]]


class Callbacks:
    def __init__(self, sender: WebhookSender) -> None:
        self.sender = sender

    def deliver(
        self, url: str, method: str, params: Pairs, token: str, key: str | None = None
    ) -> Delivery:
        """Queue one signed callback (after the earlier ones with the same ``key``)."""
        headers = {"User-Agent": USER_AGENT, "I-Twilio-Idempotency-Token": secrets.token_hex(16)}
        if method == "GET":
            full = url + ("&" if "?" in url else "?") + urlencode(params)
            headers["X-Twilio-Signature"] = signature(token, full)
            delivery = Delivery(url=full, body=b"", headers=headers)
            self.sender.run(delivery, self._get_with_retries, key=key)
            return delivery
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        headers["X-Twilio-Signature"] = signature(token, url, params)
        return self.sender.send(url, urlencode(params).encode(), headers, key=key)

    async def drain(self, wait_s: float = 10.0) -> None:
        """Wait (at most ``wait_s``) for the callbacks under way."""
        await self.sender.drain(wait_s)

    async def aclose(self) -> None:
        await self.sender.aclose()

    async def _get_with_retries(self, delivery: Delivery) -> None:
        sender = self.sender
        async with sender.client() as client:
            for attempt in range(sender.max_attempts):
                delivery.attempts = attempt + 1
                try:
                    response = await client.get(delivery.url, headers=delivery.headers)
                    delivery.status, delivery.error = response.status_code, None
                    if response.is_success:
                        delivery.delivered = True
                        return
                except httpx.HTTPError as exc:
                    delivery.error = f"{type(exc).__name__}: {exc}"
                await asyncio.sleep(sender.base_delay * 2**attempt)
