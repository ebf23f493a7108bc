"""Timestamps and date windows the way CallRail writes and reads them.

Stored times are UTC ISO strings. Responses show local times with an offset and milliseconds
(``2017-01-24T11:27:48.119-05:00``) or UTC with ``Z``. Date filters are either a named
``date_range`` or ``start_date``/``end_date`` (a date means the whole day), read in a time zone.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from trunkline.sandbox.callrail.errors import bad_request

DATE_RANGES = (
    "recent",
    "today",
    "yesterday",
    "last_7_days",
    "last_30_days",
    "this_month",
    "last_month",
    "this_year",
    "last_year",
    "all_time",
)
RETENTION = timedelta(days=25 * 30)  # communication records are kept 25 months


def parse(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp)


def store(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


def local(stamp: str | None, zone: ZoneInfo) -> str | None:
    if stamp is None:
        return None
    return parse(stamp).astimezone(zone).isoformat(timespec="milliseconds")


def utc(stamp: str | None) -> str | None:
    if stamp is None:
        return None
    return parse(stamp).astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def compact_offset(moment: datetime) -> str:
    """``2016-10-10T00:00:00-0500``: the style of the summary endpoints' window bounds."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S%z")


def zone_named(name: str | None, default: str) -> ZoneInfo:
    chosen = default if name in (None, "", "user") else name
    try:
        return ZoneInfo(str(chosen))
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise bad_request(f"Invalid time_zone: {chosen}") from exc


def _day_start(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, zone)


def _day_end(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time.max, zone)


def _month_start(day: date) -> date:
    return day.replace(day=1)


def named_window(name: str, now: datetime, zone: ZoneInfo) -> tuple[datetime, datetime]:
    today = now.astimezone(zone).date()
    yesterday = today - timedelta(days=1)
    if name == "recent":
        return _day_start(today - timedelta(days=6), zone), _day_end(today, zone)
    if name == "today":
        return _day_start(today, zone), _day_end(today, zone)
    if name == "yesterday":
        return _day_start(yesterday, zone), _day_end(yesterday, zone)
    if name == "last_7_days":
        return _day_start(today - timedelta(days=7), zone), _day_end(yesterday, zone)
    if name == "last_30_days":
        return _day_start(today - timedelta(days=30), zone), _day_end(yesterday, zone)
    if name == "this_month":
        return _day_start(_month_start(today), zone), _day_end(today, zone)
    if name == "last_month":
        last_day = _month_start(today) - timedelta(days=1)
        return _day_start(_month_start(last_day), zone), _day_end(last_day, zone)
    if name == "this_year":
        return _day_start(today.replace(month=1, day=1), zone), _day_end(today, zone)
    if name == "last_year":
        first = date(today.year - 1, 1, 1)
        return _day_start(first, zone), _day_end(date(today.year - 1, 12, 31), zone)
    if name == "all_time":
        return (now - RETENTION).astimezone(zone), _day_end(today, zone)
    raise bad_request(f"date_range must be one of: {', '.join(DATE_RANGES)}")


def _bound(raw: str, zone: ZoneInfo, *, end: bool, name: str) -> datetime:
    """A date means the whole day (inclusive); a date-time is taken as given, in ``zone``."""
    try:
        if len(raw) == 10:
            day = date.fromisoformat(raw)
            return _day_end(day, zone) if end else _day_start(day, zone)
        moment = datetime.fromisoformat(raw)
    except ValueError as exc:
        raise bad_request(f"Invalid {name}: {raw}") from exc
    return moment.replace(tzinfo=zone) if moment.tzinfo is None else moment


def window(
    date_range: str | None,
    start_date: str | None,
    end_date: str | None,
    now: datetime,
    zone: ZoneInfo,
    *,
    default: str | None = "recent",
) -> tuple[datetime, datetime] | None:
    """The window a request asks for; ``None`` when it asks for none and there is no default."""
    if start_date or end_date:
        start = _bound(start_date, zone, end=False, name="start_date") if start_date else None
        finish = _bound(end_date, zone, end=True, name="end_date") if end_date else None
        start = start or now - RETENTION
        finish = finish or _day_end(now.astimezone(zone).date(), zone)
        if start > finish:
            raise bad_request("start_date must be before end_date")
        if start < now - RETENTION - timedelta(days=1):
            raise bad_request(
                "The requested date range is outside of the data retention period. "
                "Please revise your date range."
            )
        return start, finish
    chosen = date_range or default
    if chosen is None:
        return None
    return named_window(chosen, now, zone)


def within(stamp: str, bounds: tuple[datetime, datetime] | None) -> bool:
    if bounds is None:
        return True
    return bounds[0] <= parse(stamp) <= bounds[1]
