"""Filling an action's request templates from an input: ``$name`` values and ``{name}`` paths."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

_ABSENT = object()


def fill(template: Any, values: dict[str, Any]) -> Any:
    """``template`` with every ``$name`` replaced; keys (and list items) whose value is absent
    are dropped, and so are objects and lists left empty by that."""
    result = _fill(template, values)
    return None if result is _ABSENT else result


def _fill(template: Any, values: dict[str, Any]) -> Any:
    if isinstance(template, str):
        if template.startswith("$$"):
            return template[1:]
        if template.startswith("$"):
            value = values.get(template[1:])
            return _ABSENT if value is None else value
        return template
    if isinstance(template, dict):
        used = list(names(template))
        if used and all(values.get(n) is None for n in used):
            return _ABSENT  # a group of constants and absent values: nothing to send
        filled = {k: v for k, v in ((k, _fill(v, values)) for k, v in template.items())}
        kept = {k: v for k, v in filled.items() if v is not _ABSENT}
        return kept if kept or not template else _ABSENT
    if isinstance(template, list):
        items = [item for item in (_fill(v, values) for v in template) if item is not _ABSENT]
        return items if items or not template else _ABSENT
    return template


def names(value: Any) -> Iterator[str]:
    if isinstance(value, str) and value.startswith("$") and not value.startswith("$$"):
        yield value[1:]
    elif isinstance(value, dict):
        for item in value.values():
            yield from names(item)
    elif isinstance(value, list):
        for item in value:
            yield from names(item)


def fill_path(path: str, values: dict[str, Any]) -> str:
    """``/calls/{callId}`` with each variable percent-encoded as one segment."""
    out, rest = [], path
    while "{" in rest:
        head, _, tail = rest.partition("{")
        name, _, rest = tail.partition("}")
        out.append(head)
        out.append(quote(str(values[name]), safe="~"))
    out.append(rest)
    return "".join(out)


def dig(value: Any, dotted: str | None) -> Any:
    """``dig(answer, "navigation.nextPage.uri")``; None where the path runs out."""
    if not dotted:
        return value
    for part in dotted.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def texts(value: Any, dotted: str) -> list[str]:
    """Every string at ``dotted``, where ``name[]`` walks into each item of a list."""
    current: list[Any] = [value]
    for part in dotted.split("."):
        many = part.endswith("[]")
        key = part.removesuffix("[]")
        nxt: list[Any] = []
        for item in current:
            found = item.get(key) if isinstance(item, dict) else None
            if many and isinstance(found, list):
                nxt.extend(found)
            elif found is not None:
                nxt.append(found)
        current = nxt
    return [str(v) for v in current if isinstance(v, str | int | float)]
