"""What the generated per-provider helpers (``_generated.py``) stand on: each helper fills an
action's input from its typed keyword arguments and runs it through ``client.actions``."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from trunkline.client._pagers import AsyncPager, SyncPager

if TYPE_CHECKING:
    from trunkline.client._client import AsyncTrunkline, Trunkline

T = TypeVar("T")


def as_is(value: Any) -> Any:
    return value


class SyncResource:
    def __init__(self, client: Trunkline) -> None:
        self._client = client

    def _run(
        self,
        name: str,
        args: dict[str, Any],
        connection: str | None,
        idempotency_key: str | None = None,
    ) -> Any:
        return self._client.actions.run_raw(name, args, connection, idempotency_key)["data"]

    def _pages(
        self,
        name: str,
        args: dict[str, Any],
        connection: str | None,
        limit: int | None,
        page_size: int,
        parse: Callable[[Any], T],
    ) -> SyncPager[T]:
        def fetch(size: int, cursor: str | None) -> dict[str, Any]:
            page_args = {**args, "limit": size, "cursor": cursor}
            return self._client.actions.run_raw(name, page_args, connection, None)

        return SyncPager(fetch, parse, limit, page_size)


class AsyncResource:
    def __init__(self, client: AsyncTrunkline) -> None:
        self._client = client

    async def _run(
        self,
        name: str,
        args: dict[str, Any],
        connection: str | None,
        idempotency_key: str | None = None,
    ) -> Any:
        result = await self._client.actions.run_raw(name, args, connection, idempotency_key)
        return result["data"]

    def _pages(
        self,
        name: str,
        args: dict[str, Any],
        connection: str | None,
        limit: int | None,
        page_size: int,
        parse: Callable[[Any], T],
    ) -> AsyncPager[T]:
        async def fetch(size: int, cursor: str | None) -> dict[str, Any]:
            page_args = {**args, "limit": size, "cursor": cursor}
            return await self._client.actions.run_raw(name, page_args, connection, None)

        return AsyncPager(fetch, parse, limit, page_size)
