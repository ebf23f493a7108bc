"""The ``openphone-signature`` header on webhook deliveries.

``hmac;1;<timestamp ms>;<base64 HMAC-SHA256 of "<timestamp>.<raw body>">``, keyed with the
base64-decoded webhook key. Receivers accept a delivery if any comma-separated signature matches.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

HEADER = "openphone-signature"


def digest(key_b64: str, timestamp: str, body: bytes) -> str:
    key = base64.b64decode(key_b64)
    mac = hmac.new(key, timestamp.encode("ascii") + b"." + body, hashlib.sha256)
    return base64.b64encode(mac.digest()).decode("ascii")


def signature_header(key_b64: str, timestamp: str, body: bytes) -> str:
    return f"hmac;1;{timestamp};{digest(key_b64, timestamp, body)}"


def verify(header: str, key_b64: str, body: bytes) -> bool:
    for candidate in header.split(","):
        parts = candidate.strip().split(";")
        if len(parts) != 4 or parts[0] != "hmac" or parts[1] != "1":
            continue
        expected = digest(key_b64, parts[2], body)
        if hmac.compare_digest(expected, parts[3]):
            return True
    return False
