"""The live check that proves a credential works before a connection becomes ACTIVE, and the
account identity it finds (workspace, numbers, account SID) for the connection's metadata."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import aiohttp
import orjson

from trunkline.auth.strategies import fill, upstream_headers
from trunkline.catalogue import Provider
from trunkline.errors import UpstreamTimeout, UpstreamUnavailable
from trunkline.transport import Upstream

CHECK_TIMEOUT = 30.0


@dataclass(frozen=True)
class Verdict:
    ok: bool
    identity: dict[str, Any]
    reason: str = ""
    status: int = 0


async def verify(
    upstream: Upstream, provider: Provider, base_url: str, credentials: dict[str, str]
) -> Verdict:
    """Call the catalogue's verification request with ``credentials``."""
    check = provider.verification
    url = base_url + fill(check.path, credentials)
    headers = [
        (name.lower().encode("latin-1"), value.encode("latin-1"))
        for name, value in {
            **upstream_headers(provider, credentials),
            "Accept": "application/json",
        }.items()
    ]
    try:
        async with upstream.request(check.method, url, headers, timeout=CHECK_TIMEOUT) as response:
            body = await response.read()
            status = response.status
    except TimeoutError as exc:
        raise UpstreamTimeout(f"{provider.name} did not answer the credential check") from exc
    except (aiohttp.ClientError, asyncio.CancelledError, OSError) as exc:
        raise UpstreamUnavailable(
            f"could not reach {provider.name} to check the credential: {type(exc).__name__}"
        ) from exc
    data = _json(body)
    if 200 <= status < 300:
        identity = {key: pick(data, path) for key, path in check.identity.items()}
        return Verdict(True, {k: v for k, v in identity.items() if v not in (None, [])}, "", status)
    return Verdict(False, {}, _reason(data, body, status), status)


def _json(body: bytes) -> Any:
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        return None


def _reason(data: Any, body: bytes, status: int) -> str:
    """The provider's own words for a rejection, whatever its error shape."""
    if isinstance(data, dict):
        for candidate in (data.get("message"), data.get("error"), data.get("detail")):
            if isinstance(candidate, dict):
                candidate = candidate.get("message")
            if isinstance(candidate, str) and candidate:
                return f"{candidate} (HTTP {status})"
    text = body.decode("utf-8", "replace").strip()[:200]
    return f"{text or 'rejected'} (HTTP {status})"


def pick(data: Any, path: str) -> Any:
    """A small JSON path: ``a.b``, ``list[*].field``, ``list[0]``."""
    current: list[Any] = [data]
    spread = False
    for part in path.split("."):
        name, _, index = part.partition("[")
        step: list[Any] = []
        for item in current:
            value = item.get(name) if isinstance(item, dict) and name else item
            if index == "*]":
                spread = True
                step.extend(value if isinstance(value, list) else [])
            elif index:
                position = int(index.rstrip("]"))
                if isinstance(value, list) and -len(value) <= position < len(value):
                    step.append(value[position])
            elif value is not None:
                step.append(value)
        current = step
    return current if spread else (current[0] if current else None)
