"""List filters shared by Messages and Calls: exact values and Twilio's date ranges.

``DateSent=2026-02-09`` matches that UTC day; ``DateSent<`` is on or before, ``DateSent>`` on
or after. A full ISO date-time (what twilio-python sends for ``date_sent_after=datetime``)
compares as an instant.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from trunkline.sandbox.twilio import phones
from trunkline.sandbox.twilio.forms import Params
from trunkline.sandbox.twilio.serialize import from_iso

Record = dict[str, Any]
Predicate = Callable[[Record], bool]


def date_range(params: Params, name: str, field: str) -> list[Predicate]:
    """Predicates for ``name``, ``name<`` and ``name>`` over the ISO value in ``field``."""
    predicates: list[Predicate] = []
    for suffix, compare in (("", _same), ("<", _before), (">", _after)):
        parsed = params.moment(name + suffix)
        if parsed is None:
            continue
        bound, whole_day = parsed
        predicates.append(_on_field(field, bound, whole_day, compare))
    return predicates


def _on_field(
    field: str,
    bound: datetime,
    whole_day: bool,
    compare: Callable[[datetime, datetime, bool], bool],
) -> Predicate:
    def check(record: Record) -> bool:
        raw = record.get(field)
        return bool(raw) and compare(from_iso(str(raw)), bound, whole_day)

    return check


def _same(value: datetime, bound: datetime, _whole_day: bool) -> bool:
    return value.date() == bound.date()


def _before(value: datetime, bound: datetime, whole_day: bool) -> bool:
    return value.date() <= bound.date() if whole_day else value <= bound


def _after(value: datetime, bound: datetime, whole_day: bool) -> bool:
    return value.date() >= bound.date() if whole_day else value >= bound


def equals(params: Params, name: str, field: str) -> list[Predicate]:
    value = params.get(name)
    if value is None or value == "":
        return []

    def check(record: Record) -> bool:
        return str(record.get(field) or "") == value

    return [check]


def phone_equals(params: Params, name: str, field: str) -> list[Predicate]:
    raw = params.get(name)
    if raw is None or raw == "":
        return []
    wanted = phones.normalize(raw) or raw

    def check(record: Record) -> bool:
        return record.get(field) == wanted

    return [check]


def apply(records: list[Record], predicates: list[Predicate]) -> list[Record]:
    return [r for r in records if all(p(r) for p in predicates)]
