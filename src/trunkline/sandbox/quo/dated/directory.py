"""The workspace directory on the dated API: users, the organization and phone numbers
(read, rename, business hours) plus the search of numbers that could be bought."""

from __future__ import annotations

import re
from typing import Any

from starlette.responses import JSONResponse, Response

from trunkline.sandbox.quo.dated import views
from trunkline.sandbox.quo.dated.errors import bad_value, invalid, not_found
from trunkline.sandbox.quo.dated.params import (
    e164_param,
    enum_param,
    includes,
    json_body,
    page,
    path_id,
    string_field,
)
from trunkline.sandbox.quo.endpoint import Call, data
from trunkline.sandbox.quo.timefmt import now_stamp

Doc = dict[str, Any]

LIST_INCLUDES = ("users", "restrictions")
GET_INCLUDES = ("users", "restrictions", "businessHours")
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
HHMM = re.compile(r"^([01]\d|2[0-3])[0-5]\d$")


def _oldest_first(doc: Doc) -> tuple[str, ...]:
    return (doc["createdAt"], doc["id"])


async def list_users(call: Call) -> Response:
    users = call.world.of_org("users", call.org)
    return JSONResponse(page(call.query, users, views.user, key=_oldest_first, descending=False))


def _user(call: Call) -> Doc:
    user = call.world.find("users", call.org, path_id(call.request, "userId", "US"))
    if user is None:
        raise not_found("User not found")
    return user


async def get_user(call: Call) -> Response:
    return data(views.user(_user(call)))


async def user_phone_numbers(call: Call) -> Response:
    user = _user(call)
    include = includes(call.query, ("restrictions",))
    phones = [p for p in call.world.of_org("phoneNumbers", call.org) if user["id"] in p["userIds"]]
    render = lambda p: views.phone_number(call.world, call.org, p, include)  # noqa: E731
    return JSONResponse(page(call.query, phones, render, key=_oldest_first, descending=False))


async def get_organization(call: Call) -> Response:
    return data(views.organization(call.org))


async def list_phone_numbers(call: Call) -> Response:
    include = includes(call.query, LIST_INCLUDES)
    wanted = e164_param(call.query, "phoneNumber")
    phones = [
        p
        for p in call.world.of_org("phoneNumbers", call.org)
        if wanted is None or p["number"] == wanted
    ]
    render = lambda p: views.phone_number(call.world, call.org, p, include)  # noqa: E731
    return JSONResponse(page(call.query, phones, render, key=_oldest_first, descending=False))


def _phone(call: Call) -> Doc:
    phone_id = path_id(call.request, "phoneNumberId", "PN")
    phone = call.world.find("phoneNumbers", call.org, phone_id)
    if phone is None:
        raise not_found("Phone number not found")
    return phone


async def get_phone_number(call: Call) -> Response:
    include = includes(call.query, GET_INCLUDES)
    return data(views.phone_number(call.world, call.org, _phone(call), include))


async def update_phone_number(call: Call) -> Response:
    phone = _phone(call)
    body = await json_body(call.request, ("name", "businessHours"))
    name = string_field(body, "name", nullable=False, max_length=255)
    hours = _business_hours(body["businessHours"], phone) if "businessHours" in body else None
    if name is not None:
        phone["name"] = name
    if hours is not None:
        phone["businessHours"] = hours
    phone["updatedAt"] = now_stamp()
    call.world.save()
    shown = {"restrictions", "businessHours"}
    return data(views.phone_number(call.world, call.org, phone, shown))


def _business_hours(raw: Any, phone: Doc) -> Doc:
    """Partial: keys given replace the stored ones; a day that is null is closed."""
    if not isinstance(raw, dict):
        raise bad_value("/body/businessHours", "Expected object", raw, "object")
    hours = dict(phone.get("businessHours") or views.DEFAULT_HOURS)
    for name in raw:
        if name not in ("enabled", "timezone", "schedule"):
            raise bad_value(f"/body/businessHours/{name}", "Unexpected property", raw[name])
    if "enabled" in raw:
        if not isinstance(raw["enabled"], bool):
            raise bad_value("/body/businessHours/enabled", "Expected boolean", raw["enabled"])
        hours["enabled"] = raw["enabled"]
    if "timezone" in raw:
        if not isinstance(raw["timezone"], str) or "/" not in raw["timezone"]:
            message = "Expected an IANA time zone"
            raise bad_value("/body/businessHours/timezone", message, raw["timezone"])
        hours["timezone"] = raw["timezone"]
    if "schedule" in raw:
        hours["schedule"] = _schedule(raw["schedule"], hours.get("schedule"))
    return hours


def _schedule(raw: Any, current: Doc | None) -> Doc | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise bad_value("/body/businessHours/schedule", "Expected object", raw, "object")
    schedule = dict(current or dict.fromkeys(DAYS))
    for day, window in raw.items():
        path = f"/body/businessHours/schedule/{day}"
        if day not in DAYS:
            raise bad_value(path, "Unexpected property", window)
        if window is not None:
            ok = isinstance(window, dict) and set(window) == {"start", "end"}
            if not ok or not all(isinstance(v, str) and HHMM.match(v) for v in window.values()):
                schema = {"type": "object", "pattern": "^[0-9]{4}$"}
                raise invalid(path, "Expected {start, end} as HHMM", window, schema)
        schedule[day] = window
    return schedule


# --- numbers for sale ------------------------------------------------------------------------

REGION_AREAS = {
    "CA": ("415", "650", "408", "213"),
    "NY": ("212", "646", "718"),
    "TX": ("512", "214", "713"),
    "IL": ("312", "773"),
    "WA": ("206",),
    "ON": ("416", "647"),
    "BC": ("604",),
}
CITY_AREAS = {
    "san francisco": "415",
    "new york": "212",
    "austin": "512",
    "chicago": "312",
    "seattle": "206",
    "toronto": "416",
    "vancouver": "604",
}
CANADIAN = {"416", "647", "604"}
TOLL_FREE = ("800", "833", "844", "855", "866", "877", "888")


def _areas(call: Call) -> list[str]:
    query = call.query
    tollfree = query.get("tollFree")
    if tollfree is not None and tollfree not in ("true", "false"):
        raise bad_value("/query/tollFree", "Expected boolean", tollfree, "boolean")
    country = enum_param(query, "countryCode", ("US", "CA")) or "US"
    if tollfree == "true":
        areas = list(TOLL_FREE)
    elif query.get("areaCode"):
        area = query["areaCode"]
        if not re.match(r"^[2-9]\d\d$", area):
            raise bad_value("/query/areaCode", "Expected a 3-digit area code", area)
        areas = [area]
    elif query.get("inLocality"):
        found = CITY_AREAS.get(query["inLocality"].strip().lower())
        areas = [found] if found else []
    elif query.get("inRegion"):
        areas = list(REGION_AREAS.get(query["inRegion"].strip().upper(), ()))
    else:
        areas = [a for codes in REGION_AREAS.values() for a in codes]
    if tollfree != "true":
        areas = [a for a in areas if (a in CANADIAN) == (country == "CA")]
    return areas


async def available_phone_numbers(call: Call) -> Response:
    """A deterministic, made-up stock: ``+1 <area> 555 03xx`` (never a workspace's own)."""
    contains = call.query.get("contains")
    if contains is not None and not re.match(r"^\d{1,7}$", contains):
        raise bad_value("/query/contains", "Expected 1 to 7 digits", contains)
    taken = {p["number"] for p in call.world.table("phoneNumbers").values()}
    found: list[str] = []
    for area in _areas(call):
        for line in range(300, 350):
            number = f"+1{area}5550{line}"
            if number in taken or (contains and contains not in number[2:]):
                continue
            found.append(number)
    return data({"phoneNumbers": found[:20]})
