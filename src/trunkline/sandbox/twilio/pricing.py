"""What the sandbox charges, at Twilio's published US list prices (USD)."""

from __future__ import annotations

import math
from decimal import Decimal

SMS_PER_SEGMENT = Decimal("0.0079")
MMS_OUTBOUND = Decimal("0.0200")
MMS_INBOUND = Decimal("0.0100")
VOICE_OUTBOUND_PER_MINUTE = Decimal("0.0140")
VOICE_INBOUND_PER_MINUTE = Decimal("0.0085")
VOICE_TOLLFREE_INBOUND_PER_MINUTE = Decimal("0.0220")

GSM7 = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ ÆæßÉ!\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    "ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà^{}\\[~]|€"
)


def segments(body: str) -> int:
    """SMS segments: 160/153 characters in GSM-7, 70/67 in UCS-2."""
    if not body:
        return 1
    single, multi = (160, 153) if set(body) <= GSM7 else (70, 67)
    return 1 if len(body) <= single else math.ceil(len(body) / multi)


def message_price(segment_count: int, num_media: int, inbound: bool) -> Decimal:
    if num_media:
        return MMS_INBOUND if inbound else MMS_OUTBOUND
    return SMS_PER_SEGMENT * segment_count


def billed_minutes(seconds: int) -> int:
    return math.ceil(seconds / 60) if seconds > 0 else 0


def call_price(seconds: int, inbound: bool, toll_free: bool = False) -> Decimal:
    if inbound:
        rate = VOICE_TOLLFREE_INBOUND_PER_MINUTE if toll_free else VOICE_INBOUND_PER_MINUTE
    else:
        rate = VOICE_OUTBOUND_PER_MINUTE
    return rate * billed_minutes(seconds)
