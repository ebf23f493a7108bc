"""Usage Records: what the sandbox actually carried, priced (SMS, MMS, voice minutes, total).

``Records.json`` (and ``AllTime``) give one record per category over ``StartDate..EndDate``;
``Today``, ``Yesterday``, ``ThisMonth`` and ``LastMonth`` fix the range; ``Daily``, ``Monthly``
and ``Yearly`` split it. Dates are ``YYYY-MM-DD`` or relative (``-30days``). Usage counts
billed messages by the day they were sent and calls by the day they started, across
subaccounts unless ``IncludeSubaccounts=false``.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from starlette.responses import Response
from starlette.routing import Route

from trunkline.sandbox.twilio import errors, pricing
from trunkline.sandbox.twilio.api import ApiCall, endpoint, json_response
from trunkline.sandbox.twilio.pagination import page_of
from trunkline.sandbox.twilio.serialize import ROOT, account_uri, day, iso
from trunkline.sandbox.twilio.world import World

Record = dict[str, Any]
Select = Callable[[Record], bool]
RELATIVE = re.compile(r"^-(\d{1,4})days$")
MAX_BUCKETS = 400  # periods per Daily/Monthly/Yearly request
EARLIEST, LATEST = date(1970, 1, 1), date(2999, 12, 31)
SUBRESOURCES = {
    "all_time": "AllTime",
    "today": "Today",
    "yesterday": "Yesterday",
    "this_month": "ThisMonth",
    "last_month": "LastMonth",
    "daily": "Daily",
    "monthly": "Monthly",
    "yearly": "Yearly",
}

# category -> (description, table, which records count)
CATEGORIES: dict[str, tuple[str, str, Select]] = {
    "calls": ("Voice Minutes", "calls", lambda c: True),
    "calls-inbound": ("Inbound Voice Minutes", "calls", lambda c: c["direction"] == "inbound"),
    "calls-outbound": ("Outbound Voice Minutes", "calls", lambda c: c["direction"] != "inbound"),
    "mms": ("MMS", "messages", lambda m: m["num_media"] != "0"),
    "mms-inbound": ("Inbound MMS", "messages", lambda m: _mms(m) and _inbound(m)),
    "mms-outbound": ("Outbound MMS", "messages", lambda m: _mms(m) and not _inbound(m)),
    "sms": ("SMS Messages", "messages", lambda m: not _mms(m)),
    "sms-inbound": ("Inbound SMS Messages", "messages", lambda m: not _mms(m) and _inbound(m)),
    "sms-outbound": ("Outbound SMS", "messages", lambda m: not _mms(m) and not _inbound(m)),
    "totalprice": ("Total Price", "", lambda r: True),
}


def _mms(message: Record) -> bool:
    return bool(message["num_media"] != "0")


def _inbound(record: Record) -> bool:
    return bool(record["direction"] == "inbound")


def routes(world: World) -> list[Route]:
    base = f"{ROOT}/Accounts/{{account_sid}}/Usage/Records"
    table = [Route(f"{base}.json", endpoint(world, list_records), methods=["GET"])]
    for sub in SUBRESOURCES.values():
        table.append(Route(f"{base}/{sub}.json", endpoint(world, list_records), methods=["GET"]))
    return table


async def list_records(call: ApiCall) -> Response:
    kind = call.path.rsplit("/", 1)[-1].removesuffix(".json")
    today = call.world.now().date()
    start, end = _range(call, kind, today)
    category = call.params.get("Category")
    names = [category] if category else sorted(CATEGORIES)
    billed = _billed(call)
    buckets = list(itertools.islice(_buckets(kind, start, end), MAX_BUCKETS + 1))
    if len(buckets) > MAX_BUCKETS:
        raise errors.invalid("StartDate", f"the range covers more than {MAX_BUCKETS} periods")
    records = [
        _record(call, kind, name, first, last, billed)
        for first, last in buckets
        for name in names
        if name in CATEGORIES
    ]
    return json_response(page_of(call.params, records, "usage_records", call.path, "_anchor"))


def _range(call: ApiCall, kind: str, today: date) -> tuple[date, date]:
    fixed = _fixed_range(kind, today)
    if fixed is not None:
        return fixed
    end = _date_param(call, "EndDate", today) or today
    default_start = max(end - timedelta(days=30), EARLIEST) if kind == "Daily" else _created(call)
    start = _date_param(call, "StartDate", today) or default_start
    if start > end:
        raise errors.invalid("StartDate", "must not be after EndDate")
    return start, end


def _fixed_range(kind: str, today: date) -> tuple[date, date] | None:
    first_of_month = today.replace(day=1)
    last_month_end = first_of_month - timedelta(days=1)
    return {
        "Today": (today, today),
        "Yesterday": (today - timedelta(days=1), today - timedelta(days=1)),
        "ThisMonth": (first_of_month, today),
        "LastMonth": (last_month_end.replace(day=1), last_month_end),
    }.get(kind)


def _date_param(call: ApiCall, name: str, today: date) -> date | None:
    value = call.params.get(name)
    if not value:
        return None
    relative = RELATIVE.match(value)
    if relative:
        return today - timedelta(days=int(relative.group(1)))
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        raise errors.invalid(name, "must be YYYY-MM-DD or a relative date like -30days") from None
    if not EARLIEST <= parsed <= LATEST:
        raise errors.invalid(name, f"must be between {EARLIEST} and {LATEST}")
    return parsed


def _created(call: ApiCall) -> date:
    account = call.world.account(call.account_sid) or {}
    return day(str(account.get("_date_created") or iso(call.world.now())))


def _buckets(kind: str, start: date, end: date) -> Iterator[tuple[date, date]]:
    if kind not in ("Daily", "Monthly", "Yearly"):
        yield start, end
        return
    cursor = start
    while cursor <= end:
        if kind == "Daily":
            last = cursor
        elif kind == "Monthly":
            last = (cursor.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
        else:
            last = cursor.replace(month=12, day=31)
        yield cursor, min(last, end)
        cursor = last + timedelta(days=1)


def _billed(call: ApiCall) -> list[tuple[str, Record]]:
    """(table, record) for every billed message and call of the accounts in scope."""
    accounts = {call.account_sid}
    if call.params.boolean("IncludeSubaccounts") is not False:
        accounts |= {
            a["sid"]
            for a in call.world.table("accounts").values()
            if a["owner_account_sid"] == call.account_sid
        }
    found: list[tuple[str, Record]] = []
    for table in ("messages", "calls"):
        for record in call.world.table(table).values():
            if record["account_sid"] in accounts and record.get("price") is not None:
                found.append((table, record))
    return found


def _record(
    call: ApiCall,
    kind: str,
    category: str,
    first: date,
    last: date,
    billed: list[tuple[str, Record]],
) -> Record:
    description, table, select = CATEGORIES[category]
    chosen = [
        (t, r)
        for t, r in billed
        if (not table or t == table) and select(r) and first <= _when(t, r) <= last
    ]
    price = sum((-Decimal(r["price"]) for _, r in chosen), Decimal(0))
    count, count_unit, usage, usage_unit = _amounts(table, chosen, price)
    query = urlencode({"Category": category, "StartDate": first, "EndDate": last})
    tail = "" if kind == "Records" else f"/{kind}"
    return {
        "_anchor": f"{category}:{first}",
        "account_sid": call.account_sid,
        "api_version": "2010-04-01",
        "as_of": iso(call.world.now().replace(microsecond=0)),
        "category": category,
        "count": count,
        "count_unit": count_unit,
        "description": description,
        "end_date": last.isoformat(),
        "price": float(price.quantize(Decimal("0.0001"))),
        "price_unit": "usd",
        "start_date": first.isoformat(),
        "subresource_uris": {
            key: account_uri(call.account_sid, f"/Usage/Records/{sub}.json?Category={category}")
            for key, sub in SUBRESOURCES.items()
        },
        "uri": account_uri(call.account_sid, f"/Usage/Records{tail}.json?{query}"),
        "usage": usage,
        "usage_unit": usage_unit,
    }


def _when(table: str, record: Record) -> date:
    field = "_date_sent" if table == "messages" else "_start_time"
    return day(str(record.get(field) or record["_date_created"]))


def _amounts(
    table: str, chosen: list[tuple[str, Record]], price: Decimal
) -> tuple[str, str, str, str]:
    if table == "calls":
        minutes = sum(pricing.billed_minutes(int(r["duration"] or 0)) for _, r in chosen)
        return str(len(chosen)), "calls", str(minutes), "minutes"
    if table == "messages":
        segments = sum(int(r["num_segments"]) for _, r in chosen)
        return str(len(chosen)), "messages", str(segments), "messages"
    return "0", "", f"{price.quantize(Decimal('0.0001'))}", "usd"
