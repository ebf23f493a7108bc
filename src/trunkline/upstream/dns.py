"""Name resolution off the event loop (``loop.getaddrinfo`` runs in the default executor), with
a small TTL cache and one lookup in flight per name."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from typing import Any

Address = tuple[int, tuple[Any, ...]]  # (family, sockaddr)


class Resolver:
    def __init__(self, ttl: float = 60.0, max_entries: int = 1024) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self._cache: dict[tuple[str, int], tuple[float, list[Address]]] = {}
        self._pending: dict[tuple[str, int], asyncio.Task[list[Address]]] = {}

    async def resolve(self, host: str, port: int) -> list[Address]:
        """Addresses for ``host:port``, IPv4 and IPv6 in the resolver's preferred order."""
        literal = _literal(host, port)
        if literal is not None:
            return literal
        key = (host, port)
        loop = asyncio.get_running_loop()
        cached = self._cache.get(key)
        if cached is not None and cached[0] > loop.time():
            return cached[1]
        task = self._pending.get(key)
        if task is None:
            task = loop.create_task(self._lookup(loop, host, port))
            self._pending[key] = task
            task.add_done_callback(lambda done: self._settle(key, done))
        # shield: one caller giving up must not cancel the lookup the others share.
        return await asyncio.shield(task)

    def clear(self) -> None:
        self._cache.clear()

    async def _lookup(self, loop: asyncio.AbstractEventLoop, host: str, port: int) -> list[Address]:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        addresses: list[Address] = []
        for family, _type, _proto, _name, sockaddr in infos:
            if (family, sockaddr) not in addresses:
                addresses.append((family, sockaddr))
        if not addresses:
            raise OSError(f"no address for {host}")
        return addresses

    def _settle(self, key: tuple[str, int], task: asyncio.Task[list[Address]]) -> None:
        del self._pending[key]
        if task.cancelled() or task.exception() is not None:
            return  # failures are not cached; exception() also marks the error as retrieved
        if len(self._cache) >= self.max_entries:
            self._cache.pop(next(iter(self._cache)))
        self._cache[key] = (task.get_loop().time() + self.ttl, task.result())


def _literal(host: str, port: int) -> list[Address] | None:
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return None
    if ip.version == 6:
        return [(socket.AF_INET6, (host, port, 0, 0))]
    return [(socket.AF_INET, (host, port))]
