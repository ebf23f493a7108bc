"""The path after ``/{app}`` must stay under the provider's base URL: nothing in it may change
the host or climb out of the base path. Anything ambiguous is refused rather than normalised."""

from __future__ import annotations

import re

from trunkline.errors import InvalidRequest

# Backslashes, control characters and their encodings, encoded slashes, double encodings of
# dot, slash and backslash, and overlong UTF-8 forms of them (``%c0%ae``, ``%e0%80%af``).
_FORBIDDEN = re.compile(
    r"[\\\x00-\x1f\x7f]|%5c|%[01][0-9a-f]|%7f|%2f|%25(?:2e|2f|5c)|%c0%|%c1%|%e0%80%",
    re.IGNORECASE,
)
_ESCAPE = re.compile(r"%([0-9a-f]{2})", re.IGNORECASE)
# Paths already found safe (the same few recur: list endpoints); bounded, cleared when full.
_SAFE: set[str] = set()
_SAFE_MAX = 8192


def safe_upstream_path(raw_path: str) -> str:
    """Check the still-percent-encoded path (beginning with ``/``) and return it unchanged."""
    if raw_path in _SAFE:
        return raw_path
    if raw_path.startswith("//"):
        raise InvalidRequest("path must not start with '//'", code="invalid_path")
    if _FORBIDDEN.search(raw_path):
        raise InvalidRequest(
            "path contains a backslash, an encoded slash or a control character",
            code="invalid_path",
        )
    if any(_is_dot_segment(segment) for segment in raw_path.split("/")):
        raise InvalidRequest("path must not contain '.' or '..' segments", code="invalid_path")
    if len(_SAFE) >= _SAFE_MAX:
        _SAFE.clear()
    _SAFE.add(raw_path)
    return raw_path


def _is_dot_segment(segment: str) -> bool:
    """``.``/``..`` as some server may read it: encoded, with ``;params`` (``..;``), or with
    blanks a lenient server strips (``..%20``)."""
    decoded = _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), segment)
    return decoded.split(";", 1)[0].strip(" \t") in (".", "..")
