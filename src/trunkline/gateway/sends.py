"""Which requests send (the catalogue's ``sends``) and whom they send to, for key scopes.

Only a send made with a key limited to some destinations has its body read here, whole and
bounded by the gateway's body limit; every other request streams as before. A body this cannot
read (not JSON, not UTF-8, compressed, recipients of the wrong type) is refused, never forwarded.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, unquote

import orjson

from trunkline.catalogue import Provider
from trunkline.catalogue.models import SendRoute
from trunkline.errors import InvalidRequest
from trunkline.scopes import Scope


def send_route(provider: Provider, method: str, path: str) -> SendRoute | None:
    """The send ``method path`` is, if any; the path is compared decoded and case-folded, so
    ``/v1/Messages/`` or ``%6Dessages`` is no way around it."""
    if not provider.sends:
        return None
    return provider.send_route(method, unquote(path).lower().rstrip("/"))


def check_destinations(
    scope: Scope, route: SendRoute, body: bytes | None, encoding: bytes | None
) -> None:
    """403 unless every recipient of the send matches the key's ``to`` patterns."""
    scope.check_recipients(recipients(route, body, encoding) if route.to is not None else None)


def recipients(route: SendRoute, body: bytes | None, encoding: bytes | None) -> list[str]:
    """The numbers a send goes to, as its body names them."""
    assert route.to is not None
    if encoding is not None and encoding.strip().lower() not in (b"", b"identity"):
        raise _unreadable("a compressed body")
    try:
        text = (body or b"").decode("utf-8")
    except UnicodeDecodeError:
        raise _unreadable("a body that is not UTF-8") from None
    if route.body == "form":
        return [v for k, v in parse_qsl(text, keep_blank_values=True) if k == route.to]
    try:
        data = orjson.loads(text)
    except orjson.JSONDecodeError:
        raise _unreadable("a body that is not JSON") from None
    return _walk(data, route.to)


def _walk(data: Any, path: str) -> list[str]:
    nodes = [data]
    for part in path.split("."):
        name, many = part.removesuffix("[]"), part.endswith("[]")
        found: list[Any] = []
        for node in nodes:
            if not isinstance(node, dict):
                raise _unreadable(f"recipients that are not where {path} says")
            value = node.get(name)
            if value is None:
                continue
            if many and not isinstance(value, list):
                raise _unreadable(f"{name} that is not a list")
            found.extend(value if many else [value])
        nodes = found
    numbers: list[str] = []
    for node in nodes:
        items = node if isinstance(node, list) else [node]
        if not all(isinstance(item, str) for item in items):
            raise _unreadable(f"{path} values that are not strings")
        numbers.extend(items)
    return numbers


def _unreadable(what: str) -> InvalidRequest:
    return InvalidRequest(
        f"this API key may send only to some numbers, so the gateway reads who a send goes "
        f"to, and cannot read {what}; nothing was sent",
        code="unreadable_send",
    )
