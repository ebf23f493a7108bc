"""Auto-paginating iterators for the typed helpers' lists: pages are fetched as you iterate,
until ``limit`` items (all of them when None) or the last page."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any, Generic, TypeVar

T = TypeVar("T")
# (how many items at most, the cursor to read on from) -> the runner's result
Fetch = Callable[[int, str | None], dict[str, Any]]
AsyncFetch = Callable[[int, str | None], Awaitable[dict[str, Any]]]


def _want(remaining: int | None, page_size: int) -> int:
    return page_size if remaining is None else min(remaining, page_size)


class SyncPager(Generic[T]):
    def __init__(
        self, fetch: Fetch, parse: Callable[[Any], T], limit: int | None, page_size: int
    ) -> None:
        self._fetch, self._parse = fetch, parse
        self.limit, self.page_size = limit, page_size

    def __iter__(self) -> Iterator[T]:
        remaining, cursor = self.limit, None
        while remaining is None or remaining > 0:
            page = self._fetch(_want(remaining, self.page_size), cursor)
            for item in page["items"]:
                yield self._parse(item)
            remaining = None if remaining is None else remaining - len(page["items"])
            cursor = page["next_cursor"]
            if not cursor:
                return


class AsyncPager(Generic[T]):
    def __init__(
        self, fetch: AsyncFetch, parse: Callable[[Any], T], limit: int | None, page_size: int
    ) -> None:
        self._fetch, self._parse = fetch, parse
        self.limit, self.page_size = limit, page_size

    async def __aiter__(self) -> AsyncIterator[T]:
        remaining, cursor = self.limit, None
        while remaining is None or remaining > 0:
            page = await self._fetch(_want(remaining, self.page_size), cursor)
            for item in page["items"]:
                yield self._parse(item)
            remaining = None if remaining is None else remaining - len(page["items"])
            cursor = page["next_cursor"]
            if not cursor:
                return
