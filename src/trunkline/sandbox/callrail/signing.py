"""CallRail's webhook signature: ``Signature: base64(HMAC-SHA1(company signing key, raw body))``.

The key is used as its ASCII text (not hex-decoded) and the message is the exact body bytes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac


def signature(signing_key: str, body: bytes) -> str:
    digest = hmac.new(signing_key.encode("ascii"), body, hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")
