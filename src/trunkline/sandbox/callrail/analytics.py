"""Call analytics: ``calls/summary.json`` (totals, optionally grouped) and
``calls/timeseries.json`` (totals per hour/day/week/month/year, at most 200 points).

Both are computed from the same calls the list endpoint returns for the same filters, so the
numbers always agree with what a client can page through. Weeks start on Monday.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from starlette.responses import Response

from trunkline.sandbox.callrail import times
from trunkline.sandbox.callrail.callfilter import select_calls
from trunkline.sandbox.callrail.callviews import formatted_duration
from trunkline.sandbox.callrail.errors import bad_request
from trunkline.sandbox.callrail.routing import Ctx, reply
from trunkline.sandbox.callrail.world import Doc

METRICS = (
    "total_calls",
    "missed_calls",
    "answered_calls",
    "first_time_callers",
    "average_duration",
    "formatted_average_duration",
    "leads",
)
GROUPS: dict[str, Callable[[Doc, Ctx], Any]] = {
    "company": lambda c, ctx: ctx.world.table("companies")[c["company_id"]]["name"],
    "company_id": lambda c, _: c["company_id"],
    "source": lambda c, _: c.get("source"),
    "keywords": lambda c, _: c.get("keywords"),
    "campaign": lambda c, _: c.get("campaign"),
    "referrer": lambda c, _: c.get("referrer_domain"),
    "landing_page": lambda c, _: c.get("landing_page_url"),
    "last_requested_page": lambda c, _: c.get("last_requested_url"),
}
MAX_POINTS = 200


def metric_fields(ctx: Ctx) -> list[str]:
    raw = ctx.query.text("fields")
    if raw is None:
        return ["total_calls"]
    wanted = [part.strip() for part in raw.split(",") if part.strip()]
    if any(name not in METRICS for name in wanted):
        raise bad_request(f"fields must be: '{', '.join(METRICS)}'")
    return wanted or ["total_calls"]


def metrics(calls: list[Doc], fields: list[str]) -> dict[str, Any]:
    total = len(calls)
    average = round(sum(c["duration"] or 0 for c in calls) / total) if total else 0
    values: dict[str, Any] = {
        "total_calls": total,
        "missed_calls": sum(1 for c in calls if c["answered"] is False),
        "answered_calls": sum(1 for c in calls if c["answered"]),
        "first_time_callers": sum(1 for c in calls if c["first_call"]),
        "average_duration": average,
        "formatted_average_duration": formatted_duration(average),
        "leads": sum(1 for c in calls if c.get("lead_status") == "good_lead"),
    }
    return {name: values[name] for name in fields}


def _envelope(ctx: Ctx, fields: list[str], calls: list[Doc]) -> dict[str, Any]:
    bounds = ctx.date_window()
    assert bounds is not None  # the call endpoints always have a window ("recent" by default)
    return {
        "start_date": times.compact_offset(bounds[0]),
        "end_date": times.compact_offset(bounds[1]),
        "time_zone": ctx.zone().key,
        "total_results": metrics(calls, fields),
    }


async def call_summary(ctx: Ctx) -> Response:
    fields = metric_fields(ctx)
    group = ctx.query.choice("group_by", GROUPS)
    calls = select_calls(ctx, summary=True)
    result = _envelope(ctx, fields, calls)
    if group:
        buckets: dict[Any, list[Doc]] = {}
        for call in calls:
            buckets.setdefault(GROUPS[group](call, ctx), []).append(call)
        ordered = sorted(buckets.items(), key=lambda kv: (-len(kv[1]), str(kv[0])))
        result["grouped_by"] = group
        result["grouped_results"] = [
            {"key": key, **metrics(group_calls, fields)} for key, group_calls in ordered
        ]
    return reply(result)


def _bucket_start(moment: datetime, interval: str) -> datetime:
    if interval == "hour":
        return moment.replace(minute=0, second=0, microsecond=0)
    day = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    if interval == "week":
        return day - timedelta(days=day.weekday())
    if interval == "month":
        return day.replace(day=1)
    if interval == "year":
        return day.replace(month=1, day=1)
    return day


def _next_bucket(start: datetime, interval: str) -> datetime:
    if interval == "hour":
        return start + timedelta(hours=1)
    if interval == "week":
        return start + timedelta(days=7)
    if interval == "month":
        return (start + timedelta(days=32)).replace(day=1)
    if interval == "year":
        return start.replace(year=start.year + 1)
    return start + timedelta(days=1)


def _label(start: datetime, interval: str) -> str:
    return times.compact_offset(start) if interval == "hour" else start.date().isoformat()


async def call_timeseries(ctx: Ctx) -> Response:
    fields = metric_fields(ctx)
    interval = ctx.query.choice("interval", ("hour", "day", "week", "month", "year")) or "day"
    bounds = ctx.date_window()
    assert bounds is not None
    zone = ctx.zone()
    labels: list[str] = []
    cursor = _bucket_start(bounds[0].astimezone(zone), interval)
    while cursor <= bounds[1]:
        labels.append(_label(cursor, interval))
        if len(labels) > MAX_POINTS:
            raise bad_request(
                "Time series data is limited to 200 data points. "
                "Please use a larger interval or a shorter date range."
            )
        cursor = _next_bucket(cursor, interval).replace(tzinfo=zone)
    calls = select_calls(ctx, summary=True)
    buckets: dict[str, list[Doc]] = {label: [] for label in labels}
    for call in calls:
        local = times.parse(str(call["start_time"])).astimezone(zone)
        buckets.setdefault(_label(_bucket_start(local, interval), interval), []).append(call)
    result = _envelope(ctx, fields, calls)
    result["data"] = [{"date": label, **metrics(buckets[label], fields)} for label in labels]
    return reply(result)
