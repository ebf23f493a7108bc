"""CallRail's two ways of paging a collection.

Offset pagination (every list): ``page`` from 1, ``per_page`` up to 250 (default 100); the reply
carries ``page, per_page, total_pages, total_records`` and the records under the resource's key.
Relative pagination (``relative_pagination=true``, for calls): ``offset`` counts pages from 0 and
the reply carries ``has_next_page`` and ``next_page``, an absolute URL on this host.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from trunkline.sandbox.callrail.params import Query

MAX_PER_PAGE = 250
DEFAULT_PER_PAGE = 100


def per_page(query: Query, maximum: int = MAX_PER_PAGE) -> int:
    return query.integer("per_page", DEFAULT_PER_PAGE, 1, maximum)


def offset_page(
    query: Query, records: Sequence[dict[str, Any]], key: str, maximum: int = MAX_PER_PAGE
) -> dict[str, Any]:
    size = per_page(query, maximum)
    page = query.integer("page", 1, 1)
    total = len(records)
    start = (page - 1) * size
    return {
        "page": page,
        "per_page": size,
        "total_pages": max(1, math.ceil(total / size)) if total else 0,
        "total_records": total,
        key: list(records[start : start + size]),
    }


def relative_page(
    query: Query,
    records: Sequence[dict[str, Any]],
    key: str,
    next_url: Callable[[int], str],
) -> dict[str, Any]:
    size = per_page(query)
    offset = query.integer("offset", 0, 0)
    start = offset * size
    has_next = start + size < len(records)
    return {
        "per_page": size,
        "has_next_page": has_next,
        "next_page": next_url(offset + 1) if has_next else None,
        key: list(records[start : start + size]),
    }
