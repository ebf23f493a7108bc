"""Ids that sort by creation time: a prefix, the millisecond clock in base 36, then randomness."""

from __future__ import annotations

import secrets
import time

ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"


def new_id(prefix: str) -> str:
    stamp = int(time.time() * 1000)
    head = ""
    while stamp:
        stamp, digit = divmod(stamp, 36)
        head = ALPHABET[digit] + head
    return prefix + head.rjust(10, "0") + "".join(secrets.choice(ALPHABET) for _ in range(16))


def looks_like(value: str, prefix: str) -> bool:
    """Cheap shape check before a lookup: right prefix, short, only id characters."""
    body = value.removeprefix(prefix)
    return value.startswith(prefix) and 0 < len(body) <= 32 and all(c in ALPHABET for c in body)
