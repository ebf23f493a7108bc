"""SMS segments and their price, as Quo bills them.

GSM-7 fits 160 characters in one segment and 153 per segment once split; a single character
outside GSM-7 makes the whole message UCS-2, 70 per segment and 67 once split. Characters of
the GSM-7 extension table take two septets; UCS-2 counts UTF-16 code units (an emoji is two).
Each segment costs $0.01 to US/CA numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

GSM7_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = "^{}\\[~]|€\f"

CENTS_PER_SEGMENT = 1


@dataclass(frozen=True)
class Segmentation:
    encoding: str  # "GSM-7" or "UCS-2"
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    segments: int

    @property
    def price_cents(self) -> int:
        return self.segments * CENTS_PER_SEGMENT


def is_gsm7(text: str) -> bool:
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENDED for ch in text)


def segment(text: str) -> Segmentation:
    if is_gsm7(text):
        units = sum(2 if ch in GSM7_EXTENDED else 1 for ch in text)
        return Segmentation("GSM-7", units, _count(units, single=160, multi=153))
    units = len(text.encode("utf-16-le")) // 2
    return Segmentation("UCS-2", units, _count(units, single=70, multi=67))


def _count(units: int, *, single: int, multi: int) -> int:
    if units <= single:
        return 1
    return math.ceil(units / multi)
