"""Usage Triggers: call a URL once usage of a category reaches a value.

``current_value`` is the category's usage over the trigger's period (``Recurring``: today, this
month, this year, or all time when not recurring) measured as ``TriggerBy`` says: a count of
calls or messages, their minutes or segments (``usage``), or what they cost (``price``). A
trigger fires once per period, when a call ends or when triggers are read, and POSTs (or GETs)
its ``CallbackUrl`` with Twilio's parameters. Categories are the ones Usage Records knows.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from trunkline.sandbox.twilio import errors, filters, pricing
from trunkline.sandbox.twilio.api import ApiCall, endpoint, json_response
from trunkline.sandbox.twilio.pagination import page_of
from trunkline.sandbox.twilio.resources import deleted, owned
from trunkline.sandbox.twilio.serialize import (
    API_VERSION,
    ROOT,
    account_uri,
    day,
    public,
    rfc2822,
    stamp,
)
from trunkline.sandbox.twilio.usage import CATEGORIES
from trunkline.sandbox.twilio.world import World

Record = dict[str, Any]
RECURRING = ("daily", "monthly", "yearly", "alltime")
TRIGGER_BY = ("count", "usage", "price")


def routes(world: World) -> list[Route]:
    base = f"{ROOT}/Accounts/{{account_sid}}/Usage/Triggers"
    return [
        Route(f"{base}.json", endpoint(world, list_triggers), methods=["GET"]),
        Route(f"{base}.json", endpoint(world, create_trigger), methods=["POST"]),
        Route(f"{base}/{{sid}}.json", endpoint(world, fetch_trigger), methods=["GET"]),
        Route(f"{base}/{{sid}}.json", endpoint(world, update_trigger), methods=["POST"]),
        Route(f"{base}/{{sid}}.json", endpoint(world, delete_trigger), methods=["DELETE"]),
    ]


def _choice(call: ApiCall, name: str, allowed: tuple[str, ...]) -> str | None:
    value = call.params.get(name)
    if value is not None and value not in allowed:
        raise errors.invalid(name, f"must be one of {', '.join(allowed)}")
    return value or None


async def list_triggers(call: ApiCall) -> Response:
    check(call.world, call.account_sid)
    predicates = filters.equals(call.params, "UsageCategory", "usage_category")
    if _choice(call, "Recurring", RECURRING):
        predicates += filters.equals(call.params, "Recurring", "recurring")
    if _choice(call, "TriggerBy", TRIGGER_BY):
        predicates += filters.equals(call.params, "TriggerBy", "trigger_by")
    found = sorted(
        call.world.records("triggers", call.account_sid),
        key=lambda t: (t["_date_created"], t["sid"]),
        reverse=True,
    )
    shown = [_view(call.world, t) for t in filters.apply(found, predicates)]
    return json_response(page_of(call.params, shown, "usage_triggers", call.path))


async def create_trigger(call: ApiCall) -> Response:
    params = call.params
    url = params.url("CallbackUrl")
    if not url:
        raise errors.missing("CallbackUrl")
    value = _value(params.required("TriggerValue"))
    category = params.required("UsageCategory")
    if category not in CATEGORIES:
        raise errors.invalid("UsageCategory", "is not a usage category this sandbox records")
    sid = call.world.new_sid("UT")
    record: Record = {
        "account_sid": call.account_sid,
        "api_version": API_VERSION,
        "callback_method": params.method("CallbackMethod") or "POST",
        "callback_url": url,
        "current_value": "0",
        "friendly_name": params.get("FriendlyName"),
        "recurring": _choice(call, "Recurring", RECURRING),
        "sid": sid,
        "trigger_by": _choice(call, "TriggerBy", TRIGGER_BY) or "usage",
        "trigger_value": value,
        "uri": account_uri(call.account_sid, f"/Usage/Triggers/{sid}.json"),
        "usage_category": category,
        "usage_record_uri": account_uri(
            call.account_sid, f"/Usage/Records.json?Category={category}"
        ),
        "_fired_period": None,
    }
    now = call.world.now()
    stamp(record, "date_created", now)
    stamp(record, "date_updated", now)
    stamp(record, "date_fired", None)
    call.world.table("triggers")[sid] = record
    call.world.save()
    check(call.world, call.account_sid)
    return json_response(_view(call.world, record), 201)


def _value(raw: str) -> str:
    try:
        number = Decimal(raw)
    except ArithmeticError:
        raise errors.invalid("TriggerValue", "must be a number") from None
    if not number.is_finite() or number < 0:
        raise errors.invalid("TriggerValue", "must be a positive number")
    return raw.strip()


async def fetch_trigger(call: ApiCall) -> Response:
    check(call.world, call.account_sid)
    return json_response(_view(call.world, owned(call, "triggers")))


async def update_trigger(call: ApiCall) -> Response:
    record = owned(call, "triggers")
    url = call.params.url("CallbackUrl")
    if url:
        record["callback_url"] = url
    method = call.params.method("CallbackMethod")
    if method:
        record["callback_method"] = method
    name = call.params.get("FriendlyName")
    if name is not None:
        record["friendly_name"] = name
    stamp(record, "date_updated", call.world.now())
    call.world.save()
    return json_response(_view(call.world, record))


async def delete_trigger(call: ApiCall) -> Response:
    return deleted(call, "triggers", owned(call, "triggers"))


def _view(world: World, record: Record) -> Record:
    shown = public(record)
    if shown["recurring"] is None:
        del shown["recurring"]  # a one-off trigger: the spec's enum has no null
    shown["current_value"] = _format(_current(world, record))
    return shown


def _format(value: Decimal) -> str:
    return f"{value.normalize():f}" if value else "0"


def _period(recurring: str | None, today: date) -> tuple[date, str]:
    """The first day of the trigger's period and a key naming the period."""
    if recurring == "daily":
        return today, today.isoformat()
    if recurring == "monthly":
        return today.replace(day=1), today.strftime("%Y-%m")
    if recurring == "yearly":
        return today.replace(month=1, day=1), str(today.year)
    return date(1970, 1, 1), "alltime"


def _current(world: World, record: Record) -> Decimal:
    _, table, select = CATEGORIES[record["usage_category"]]
    start, _ = _period(record["recurring"], world.now().date())
    chosen: list[Record] = []
    for name in ("messages", "calls"):
        if table and name != table:
            continue
        for item in world.records(name, record["account_sid"]):
            when = item.get("_date_sent" if name == "messages" else "_start_time")
            if item.get("price") and select(item) and when and day(str(when)) >= start:
                chosen.append(item)
    by = record["trigger_by"]
    if by == "price" or not table:  # totalprice counts money whatever the trigger says
        return sum((-Decimal(str(i["price"])) for i in chosen), Decimal(0))
    if by == "count":
        return Decimal(len(chosen))
    if table == "calls":
        return Decimal(sum(pricing.billed_minutes(int(i["duration"] or 0)) for i in chosen))
    return Decimal(sum(int(i["num_segments"]) for i in chosen))


def check(world: World, account_sid: str) -> None:
    """Fire the account's triggers whose value was reached in the current period."""
    now = world.now()
    for record in world.records("triggers", account_sid):
        _, period = _period(record["recurring"], now.date())
        if record.get("_fired_period") == period:
            continue
        current = _current(world, record)
        if current < Decimal(record["trigger_value"]):
            continue
        record["_fired_period"] = period
        stamp(record, "date_fired", now)
        world.save()
        _fire(world, record, current, now)


def _fire(world: World, record: Record, current: Decimal, now: datetime) -> None:
    params = [
        ("AccountSid", record["account_sid"]),
        ("UsageTriggerSid", record["sid"]),
        ("DateFired", rfc2822(now)),
        ("Recurring", record["recurring"] or ""),
        ("UsageCategory", record["usage_category"]),
        ("TriggerBy", record["trigger_by"]),
        ("TriggerValue", record["trigger_value"]),
        ("CurrentValue", _format(current)),
        ("UsageRecordUri", record["usage_record_uri"]),
        ("IdempotencyToken", f"{record['sid']}-{record['_fired_period']}"),
    ]
    token = world.token_of(record["account_sid"])
    world.callbacks.deliver(
        record["callback_url"], record["callback_method"], params, token, key=record["sid"]
    )


def on_call(world: World, call: Record, event: str) -> None:
    if event == "ended":
        check(world, call["account_sid"])
