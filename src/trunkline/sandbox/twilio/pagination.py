"""Twilio list pages: ``page``, ``page_size``, ``start``, ``end``, the four ``*_uri`` links and
exactly one list key (twilio-python refuses a page with any other top-level key).

Links are relative to the API root (``/2010-04-01/...``) so a client whose base URL carries a
mount prefix (``/sandbox/twilio``) or a gateway prefix stays there when it follows them.
``PageToken`` is ``PA<sid>`` (the page after that record) or ``PB<sid>`` (the page before it).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from trunkline.sandbox.twilio import errors
from trunkline.sandbox.twilio.forms import Params
from trunkline.sandbox.twilio.serialize import public

PAGING = ("PageSize", "Page", "PageToken")
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000


def page_of(
    params: Params, records: list[dict[str, Any]], key: str, path: str, anchor: str = "sid"
) -> dict[str, Any]:
    """One page of ``records`` (already filtered and ordered) under the list key ``key``.

    ``anchor`` names the field that identifies a record in page tokens.
    """
    size = params.integer("PageSize", 1, MAX_PAGE_SIZE) or DEFAULT_PAGE_SIZE
    page = params.integer("Page", 0, 1_000_000) or 0
    token = params.get("PageToken")
    offset = _offset([str(r.get(anchor)) for r in records], page, size, token)
    chunk = records[offset : offset + size]
    kept = [(k, v) for k, v in params.pairs if k not in PAGING]

    def link(number: int, page_token: str | None = None) -> str:
        query = [*kept, ("PageSize", str(size)), ("Page", str(number))]
        if page_token:
            query.append(("PageToken", page_token))
        return f"{path}?{urlencode(query)}"

    has_next = offset + size < len(records) and bool(chunk)
    has_previous = page > 0 and offset > 0 and bool(chunk)
    start = page * size
    return {
        key: [public(r) for r in chunk],
        "end": start + max(len(chunk) - 1, 0),
        "first_page_uri": link(0),
        "next_page_uri": link(page + 1, "PA" + str(chunk[-1][anchor])) if has_next else None,
        "page": page,
        "page_size": size,
        "previous_page_uri": link(page - 1, "PB" + str(chunk[0][anchor])) if has_previous else None,
        "start": start,
        "uri": link(page, token),
    }


def _offset(anchors: list[str], page: int, size: int, token: str | None) -> int:
    if not token:
        return page * size
    if len(token) < 3 or token[:2] not in ("PA", "PB"):
        raise errors.invalid("PageToken")
    anchor = token[2:]
    if anchor not in anchors:
        return page * size  # the anchor record is gone: fall back to the page number
    index = anchors.index(anchor)
    return index + 1 if token.startswith("PA") else max(index - size, 0)
