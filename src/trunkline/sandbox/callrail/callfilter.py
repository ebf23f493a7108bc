"""Choosing calls: the filters shared by the call list, the summary and the time series.

Spam calls are gone from every view. Without any date parameter CallRail applies ``recent``
(the last 7 days including today), so the same rule applies here.
"""

from __future__ import annotations

from typing import Any

from trunkline.sandbox.callrail import times
from trunkline.sandbox.callrail.routing import Ctx
from trunkline.sandbox.callrail.world import Doc

ANSWER_STATUS = ("answered", "missed", "voicemail")
CALL_TYPES = ("first_call", "missed", "voicemails", "inbound", "outbound")
LEAD_FILTER = ("good_lead", "not_a_lead", "not_scored")
SORTABLE = (
    "customer_name", "customer_phone_number", "duration", "start_time", "source",
    "customer_city", "customer_country", "landing_page_url", "device_type", "answered",
    "first_call", "source_name", "lead_status", "tags",
)  # fmt: skip


def select_calls(ctx: Ctx, *, summary: bool = False) -> list[Doc]:
    """The account's calls matching the request's filters (unsorted)."""
    tests = _tests(ctx, summary)
    bounds = ctx.date_window()
    return [
        call
        for call in ctx.world.scoped("calls", ctx.account_id)
        if not call["_spam"]
        and times.within(str(call["start_time"]), bounds)
        and all(test(call) for test in tests)
    ]


def _tests(ctx: Ctx, summary: bool) -> list[Any]:
    q = ctx.query
    extra = ("all",) if summary else ()
    tests: list[Any] = []
    company_id = q.text("company_id")
    if company_id:
        tests.append(lambda c: c["company_id"] == company_id)
    tracker_ids = [t for t in [q.text("tracker_id"), *q.many("tracker_ids")] if t]
    if tracker_ids:
        tests.append(lambda c: c["tracker_id"] in tracker_ids)
    search = q.text("search")
    if search:
        tests.append(lambda c: _matches(c, search))
    answer = q.choice("answer_status", ANSWER_STATUS + extra)
    if answer and answer != "all":
        tests.append(lambda c: _answer_status(c, answer))
    direction = q.choice("direction", ("inbound", "outbound", *extra))
    if direction and direction != "all":
        tests.append(lambda c: c["direction"] == direction)
    device = q.choice("device", ("desktop", "mobile", *extra))
    if device and device != "all":
        tests.append(lambda c: c.get("device_type") == device)
    call_type = q.choice("call_type", CALL_TYPES)
    if call_type:
        tests.append(lambda c: _call_type(c, call_type))
    lead = q.choice("lead_status", LEAD_FILTER)
    if lead:
        tests.append(lambda c: (c.get("lead_status") or "not_scored") == lead)
    tags = q.many("tags")
    if tags:
        tests.append(lambda c: bool(set(tags) & set(c.get("tags") or [])))
    tests.extend(_summary_tests(ctx) if summary else [])
    return tests


def _summary_tests(ctx: Ctx) -> list[Any]:
    q = ctx.query
    tests: list[Any] = []
    first = q.flag("first_time_callers")
    if first is not None:
        tests.append(lambda c: bool(c["first_call"]) == first)
    shortest, longest = q.optional_integer("min_duration"), q.optional_integer("max_duration")
    if shortest is not None:
        tests.append(lambda c: (c["duration"] or 0) >= shortest)
    if longest is not None:
        tests.append(lambda c: (c["duration"] or 0) <= longest)
    agent = q.text("agent")
    if agent:
        user = ctx.world.table("users").get(agent, {})
        tests.append(lambda c: c.get("agent_email") == user.get("email"))
    return tests


def _answer_status(call: Doc, status: str) -> bool:
    if status == "answered":
        return bool(call["answered"])
    if status == "voicemail":
        return bool(call["voicemail"])
    return call["answered"] is False  # missed includes voicemails


def _call_type(call: Doc, kind: str) -> bool:
    if kind == "first_call":
        return bool(call["first_call"])
    if kind == "missed":
        return call["direction"] == "inbound" and call["answered"] is False
    if kind == "voicemails":
        return bool(call["voicemail"])
    return bool(call["direction"] == kind)


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def _matches(call: Doc, term: str) -> bool:
    lowered = term.lower()
    texts = (call.get(k) for k in ("customer_name", "note", "source", "source_name"))
    if any(lowered in str(t).lower() for t in texts if t):
        return True
    digits = _digits(term)
    numbers = ("customer_phone_number", "business_phone_number", "tracking_phone_number")
    return len(digits) >= 3 and any(digits in _digits(str(call.get(k) or "")) for k in numbers)


def sort_calls(ctx: Ctx, calls: list[Doc]) -> list[Doc]:
    field = ctx.query.choice("sort", SORTABLE) or "start_time"
    order = ctx.query.choice("order", ("asc", "desc"))
    order = order or ("desc" if field == "start_time" else "asc")

    def key(call: Doc) -> tuple[bool, Any]:
        value = call.get(field)
        if isinstance(value, list):
            value = ",".join(sorted(value))
        if isinstance(value, str):
            value = value.lower()
        return (value is None, value if value is not None else 0)

    present = sorted((c for c in calls if c.get(field) is not None), key=key)
    missing = sorted((c for c in calls if c.get(field) is None), key=lambda c: str(c["id"]))
    if order == "desc":
        present.reverse()
    return present + missing
