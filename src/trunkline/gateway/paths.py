"""The path after ``/{app}`` must stay under the provider's base URL: nothing in it may change
the host or climb out of the base path. Anything ambiguous is refused rather than normalised."""

from __future__ import annotations

import re

from trunkline.errors import InvalidRequest

# Dot segments, raw or percent-encoded (any case, any mix): ".", "..", "%2e", "%2E%2e", ...
_DOT_SEGMENT = re.compile(r"^(?:\.|%2e){1,2}$", re.IGNORECASE)
_FORBIDDEN = re.compile(r"[\\\x00-\x1f\x7f]|%5c|%00|%0a|%0d|%2f", re.IGNORECASE)


def safe_upstream_path(raw_path: str) -> str:
    """Check the still-percent-encoded path (beginning with ``/``) and return it unchanged."""
    if raw_path.startswith("//"):
        raise InvalidRequest("path must not start with '//'", code="invalid_path")
    if _FORBIDDEN.search(raw_path):
        raise InvalidRequest(
            "path contains a backslash, an encoded slash or a control character",
            code="invalid_path",
        )
    if any(_DOT_SEGMENT.match(segment) for segment in raw_path.split("/")):
        raise InvalidRequest("path must not contain '.' or '..' segments", code="invalid_path")
    return raw_path
