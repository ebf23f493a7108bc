"""``maxResults`` + ``pageToken`` pagination, answered as ``{data, totalItems, nextPageToken}``.

The token is an opaque cursor holding the sort key of the last item handed out, so records
created while someone walks the pages neither repeat nor shift items between pages.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from typing import Any

from trunkline.sandbox.quo.errors import bad_request

Doc = dict[str, Any]
SortKey = Callable[[Doc], tuple[str, ...]]


def newest_first(doc: Doc) -> tuple[str, ...]:
    return (doc["createdAt"], doc["id"])


def encode_token(key: tuple[str, ...]) -> str:
    raw = json.dumps(list(key), separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_token(token: str) -> tuple[str, ...]:
    try:
        padded = token + "=" * (-len(token) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (ValueError, binascii.Error, UnicodeEncodeError, RecursionError):
        value = None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise bad_request("/query/pageToken", "pageToken is invalid", token)
    return tuple(value)


def paginate(
    items: list[Doc],
    max_results: int,
    token: str | None,
    *,
    key: SortKey = newest_first,
    descending: bool = True,
) -> tuple[list[Doc], int, str | None]:
    """One page of ``items`` (any order in), its total and the next token (None at the end)."""
    ordered = sorted(items, key=key, reverse=descending)
    if token:
        cursor = decode_token(token)
        if descending:
            ordered = [doc for doc in ordered if key(doc) < cursor]
        else:
            ordered = [doc for doc in ordered if key(doc) > cursor]
    page = ordered[:max_results]
    more = len(ordered) > max_results
    next_token = encode_token(key(page[-1])) if more and page else None
    return page, len(items), next_token


def page_body(page: list[Doc], total: int, next_token: str | None) -> dict[str, Any]:
    return {"data": page, "totalItems": total, "nextPageToken": next_token}
