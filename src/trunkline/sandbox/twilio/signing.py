"""X-Twilio-Signature: base64(HMAC-SHA1(auth token, URL + sorted POST parameters)).

Parameter names are sorted; each name's values are sorted and de-duplicated, and every
``name + value`` is appended to the URL with no separators (twilio-python's RequestValidator).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable


def signature(auth_token: str, url: str, params: Iterable[tuple[str, str]] = ()) -> str:
    values: dict[str, set[str]] = {}
    for name, value in params:
        values.setdefault(name, set()).add(value)
    message = url + "".join(
        name + value for name in sorted(values) for value in sorted(values[name])
    )
    digest = hmac.new(auth_token.encode(), message.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()
