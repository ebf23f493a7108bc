"""Showing simple records: drop internal keys and unrequested extras, render times."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any
from zoneinfo import ZoneInfo

from trunkline.sandbox.callrail import times
from trunkline.sandbox.callrail.pagination import MAX_PER_PAGE, offset_page
from trunkline.sandbox.callrail.routing import Ctx
from trunkline.sandbox.callrail.world import Doc, public


def present(
    doc: Doc,
    *,
    extras: Iterable[str] = (),
    requested: Iterable[str] = (),
    utc_fields: Iterable[str] = (),
    local_fields: Iterable[str] = (),
    zone: ZoneInfo | None = None,
) -> Doc:
    shown = public(doc)
    wanted = set(requested)
    for name in extras:
        if name not in wanted:
            shown.pop(name, None)
    for name in utc_fields:
        if name in shown:
            shown[name] = times.utc(shown[name])
    for name in local_fields:
        if name in shown and zone is not None:
            shown[name] = times.local(shown[name], zone)
    return shown


def sort_records(
    ctx: Ctx,
    records: list[Doc],
    allowed: tuple[str, ...],
    default: str,
    *,
    newest_first: bool = False,
) -> list[Doc]:
    """``sort``/``order``: alphabetical ascending by default, dates newest first."""
    field = ctx.query.choice("sort", allowed) or default
    order = ctx.query.choice("order", ("asc", "desc"))
    descending = order == "desc" if order else newest_first and field.endswith("_at")

    def key(doc: Doc) -> tuple[bool, Any]:
        value = doc.get(field)
        return (value is None, str(value).lower() if value is not None else "")

    return sorted(records, key=key, reverse=descending)


def searched(records: list[Doc], term: str | None, fields: Iterable[str]) -> list[Doc]:
    if not term:
        return records
    lowered = term.lower()
    names = list(fields)
    return [r for r in records if any(lowered in str(r.get(f) or "").lower() for f in names)]


def shown_page(
    ctx: Ctx,
    records: Sequence[Doc],
    key: str,
    show: Callable[[Doc], Doc],
    maximum: int = MAX_PER_PAGE,
) -> Doc:
    """The requested offset page of ``records`` under ``key``, each shown by ``show``."""
    page = offset_page(ctx.query, records, key, maximum)
    page[key] = [show(record) for record in page[key]]
    return page
