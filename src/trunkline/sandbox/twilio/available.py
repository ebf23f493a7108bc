"""AvailablePhoneNumbers: the numbers a search offers to buy, by country and type.

The sandbox's inventory is generated, not stored: each area it knows (a handful of US, Canadian
and UK ones) offers a deterministic set of numbers, minus every number an account in the sandbox
already owns, so a number found here can be bought through IncomingPhoneNumbers and then stops
being offered. ``AreaCode``, ``Contains`` (``*`` = any digit, letters as on a keypad), the
capability flags, the address-requirement exclusions, ``In*`` location filters, ``NearNumber``
and ``NearLatLong`` + ``Distance`` (miles) all narrow the search. Types a country does not offer
(``Voip``, ``National``, ...) answer an empty list, as a search that found nothing.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from trunkline.sandbox.twilio import errors, phones
from trunkline.sandbox.twilio.api import ApiCall, endpoint, json_response
from trunkline.sandbox.twilio.forms import Params
from trunkline.sandbox.twilio.serialize import ROOT, account_uri
from trunkline.sandbox.twilio.world import World

Record = dict[str, Any]
TYPES = {
    "Local": "local",
    "TollFree": "toll_free",
    "Mobile": "mobile",
    "National": "national",
    "Voip": "voip",
    "SharedCost": "shared_cost",
    "MachineToMachine": "machine_to_machine",
}
DEFAULT_PAGE, MAX_PAGE = 30, 50  # Twilio returns at most a few dozen numbers per search
KEYPAD = {c: d for d, letters in zip("23456789", ("ABC", "DEF", "GHI", "JKL", "MNO", "PQRS",
          "TUV", "WXYZ"), strict=True) for c in letters}  # fmt: skip


@dataclass(frozen=True)
class Area:
    prefix: str  # E.164 digits every number of the area starts with
    locality: str | None
    region: str | None
    postal_code: str | None
    rate_center: str | None
    lata: str | None
    latitude: float | None
    longitude: float | None


def _nanp(code: str, city: str, region: str, postal: str, rc: str, lata: str,
          lat: float, lng: float) -> Area:  # fmt: skip
    return Area("1" + code, city, region, postal, rc, lata, lat, lng)


US_LOCAL = (
    _nanp("415", "San Francisco", "CA", "94105", "SNFC CNTRL", "722", 37.7749, -122.4194),
    _nanp("650", "Palo Alto", "CA", "94301", "PALO ALTO", "722", 37.4419, -122.1430),
    _nanp("510", "Oakland", "CA", "94612", "OKLD", "722", 37.8044, -122.2712),
    _nanp("212", "New York", "NY", "10001", "NWYRCYZN01", "132", 40.7128, -74.0060),
    _nanp("312", "Chicago", "IL", "60601", "CHCG", "358", 41.8781, -87.6298),
    _nanp("617", "Boston", "MA", "02108", "BOSTON", "128", 42.3601, -71.0589),
    _nanp("206", "Seattle", "WA", "98101", "SEATTLE", "674", 47.6062, -122.3321),
    _nanp("503", "Portland", "OR", "97201", "PORTLAND", "672", 45.5152, -122.6784),
    _nanp("512", "Austin", "TX", "78701", "AUSTIN", "558", 30.2672, -97.7431),
    _nanp("305", "Miami", "FL", "33101", "MIAMI", "460", 25.7617, -80.1918),
)
CA_LOCAL = (
    _nanp("416", "Toronto", "ON", "M5H 2N2", "TORONTO", "888", 43.6532, -79.3832),
    _nanp("604", "Vancouver", "BC", "V6B 1A1", "VANCOUVER", "888", 49.2827, -123.1207),
)
NANP_TOLL_FREE = tuple(Area("1" + c, None, None, None, None, None, None, None)
                       for c in ("800", "833", "844", "855", "866", "877", "888"))  # fmt: skip
GB_LOCAL = (Area("44207946", "London", "London", None, None, None, None, None),)
GB_MOBILE = (Area("44770090", None, None, None, None, None, None, None),)
GB_TOLL_FREE = (Area("44808157", None, None, None, None, None, None, None),)


@dataclass(frozen=True)
class Country:
    name: str
    beta: bool
    address_requirements: str
    inventory: dict[str, tuple[Area, ...]]  # path type -> areas


COUNTRIES = {
    "US": Country("United States", False, "none", {"Local": US_LOCAL, "TollFree": NANP_TOLL_FREE}),
    "CA": Country("Canada", False, "none", {"Local": CA_LOCAL, "TollFree": NANP_TOLL_FREE}),
    "GB": Country(
        "United Kingdom",
        False,
        "any",
        {"Local": GB_LOCAL, "Mobile": GB_MOBILE, "TollFree": GB_TOLL_FREE},
    ),
}
PER_AREA = 40
NATIONAL_LENGTH = {"1": 11, "44": 12}  # digits after "+", NANP and UK


def routes(world: World) -> list[Route]:
    base = f"{ROOT}/Accounts/{{account_sid}}/AvailablePhoneNumbers"
    return [
        Route(f"{base}.json", endpoint(world, list_countries), methods=["GET"]),
        Route(f"{base}/{{country}}.json", endpoint(world, fetch_country), methods=["GET"]),
        Route(f"{base}/{{country}}/{{kind}}.json", endpoint(world, search), methods=["GET"]),
    ]


def _country_view(account_sid: str, code: str) -> Record:
    country = COUNTRIES[code]
    base = f"/AvailablePhoneNumbers/{code}"
    return {
        "beta": country.beta,
        "country": country.name,
        "country_code": code,
        "subresource_uris": {
            TYPES[kind]: account_uri(account_sid, f"{base}/{kind}.json")
            for kind in country.inventory
        },
        "uri": account_uri(account_sid, f"{base}.json"),
    }


async def list_countries(call: ApiCall) -> Response:
    call.params.integer("PageSize", 1, 1000)
    call.params.integer("Page", 0, 1_000_000)
    countries = [_country_view(call.account_sid, code) for code in sorted(COUNTRIES)]
    return json_response({"countries": countries, "uri": call.path})


def _country(call: ApiCall) -> str:
    code = call.arg("country").upper()
    if code not in COUNTRIES:
        raise errors.not_found(call.path)
    return code


async def fetch_country(call: ApiCall) -> Response:
    return json_response(_country_view(call.account_sid, _country(call)))


async def search(call: ApiCall) -> Response:
    code = _country(call)
    kind = call.arg("kind")
    if kind not in TYPES:
        raise errors.not_found(call.path)
    params = call.params
    size = params.integer("PageSize", 1, 1000) or DEFAULT_PAGE
    page = params.integer("Page", 0, 1_000_000) or 0
    country = COUNTRIES[code]
    wanted = _Search.read(params, code)
    areas = [a for a in country.inventory.get(kind, ()) if wanted.area_ok(a)]
    if not _capable(params, kind) or not _address_ok(params, country):
        areas = []
    owned = {n["phone_number"] for n in call.world.table("numbers").values()}
    found: list[Record] = []
    for area in areas:
        for phone in _numbers(area, kind, wanted.contains):
            if phone not in owned and phone not in {f["phone_number"] for f in found}:
                found.append(_offer(code, country, kind, area, phone))
    chosen = found[: min(size, MAX_PAGE)] if page == 0 else []
    return json_response({"available_phone_numbers": chosen, "uri": call.path})


@dataclass(frozen=True)
class _Search:
    area_code: str | None
    contains: str | None
    near: tuple[float, float] | None
    distance: float
    near_area: str | None
    places: dict[str, str]

    @classmethod
    def read(cls, params: Params, code: str) -> _Search:
        area = params.integer("AreaCode", 0, 999)
        contains = _pattern(params.get("Contains"))
        near_number = params.get("NearNumber")
        near_area = None
        if near_number:
            normalized = phones.normalize(near_number, code)
            if normalized is None:
                raise errors.invalid("NearNumber", "must be a phone number")
            near_area = normalized[1:5] if normalized.startswith("+1") else None
        places = {
            field: value
            for name, field in (
                ("InPostalCode", "postal_code"),
                ("InRegion", "region"),
                ("InRateCenter", "rate_center"),
                ("InLata", "lata"),
                ("InLocality", "locality"),
            )
            if (value := params.get(name))
        }
        distance = params.integer("Distance", 0, 500)
        return cls(
            None if area is None else f"{area:03d}",
            contains,
            _lat_long(params.get("NearLatLong")),
            25.0 if distance is None else float(distance),
            near_area,
            places,
        )

    def area_ok(self, area: Area) -> bool:
        if self.area_code is not None and area.prefix != "1" + self.area_code:
            return False
        if self.near_area is not None and area.prefix != self.near_area:
            return False
        for field, value in self.places.items():
            if str(getattr(area, field) or "").lower() != value.lower():
                return False
        if self.near is not None:
            if area.latitude is None or area.longitude is None:
                return False
            if _miles(self.near, (area.latitude, area.longitude)) > self.distance:
                return False
        return True


def _pattern(raw: str | None) -> str | None:
    if raw is None or raw == "":
        return None
    text = raw.strip().lstrip("+").upper()
    pattern = "".join(KEYPAD.get(c, c) for c in text)
    if len(pattern) < 2 or any(c not in "0123456789*" for c in pattern):
        raise errors.TwilioError(400, 21452, f"Invalid Contains pattern: {raw}")
    return pattern


def _lat_long(raw: str | None) -> tuple[float, float] | None:
    if not raw:
        return None
    try:
        lat, lng = (float(part) for part in raw.split(","))
    except ValueError:
        raise errors.invalid("NearLatLong", "must be 'latitude,longitude'") from None
    if not (-90 <= lat <= 90 and -180 <= lng <= 180):
        raise errors.invalid("NearLatLong", "is out of range")
    return lat, lng


def _miles(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lng1, lat2, lng2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lng2 - lng1) / 2) ** 2
    )
    return 3958.8 * 2 * math.asin(math.sqrt(h))


def _capable(params: Params, kind: str) -> bool:
    caps = _capabilities(kind)
    for name, key in (
        ("SmsEnabled", "sms"),
        ("MmsEnabled", "mms"),
        ("VoiceEnabled", "voice"),
        ("FaxEnabled", "fax"),
    ):
        if params.boolean(name) and not caps[key]:
            return False
    params.boolean("Beta")  # no sandbox number is in beta: it filters nothing
    return True


def _address_ok(params: Params, country: Country) -> bool:
    required = country.address_requirements
    excluded = {
        "ExcludeAllAddressRequired": required in ("any", "local", "foreign"),
        "ExcludeLocalAddressRequired": required == "local",
        "ExcludeForeignAddressRequired": required == "foreign",
    }
    return not any(params.boolean(name) and hit for name, hit in excluded.items())


def _capabilities(kind: str) -> dict[str, bool]:
    return {"mms": kind != "TollFree", "sms": True, "voice": True, "fax": kind == "Local"}


def _numbers(area: Area, kind: str, contains: str | None) -> list[str]:
    """The area's inventory (deterministic) plus, for a ``Contains`` search, numbers built to
    match it; only numbers that match are returned."""
    length = NATIONAL_LENGTH["1" if area.prefix.startswith("1") else "44"]
    rest = length - len(area.prefix)
    rng = random.Random(f"{area.prefix}:{kind}")
    pool = [area.prefix + _tail(rng, rest) for _ in range(PER_AREA)]
    if contains:
        for start in range(length - len(contains) + 1):
            digits = list(area.prefix + _tail(rng, rest))
            for offset, char in enumerate(contains):
                if char != "*":
                    digits[start + offset] = char
            candidate = "".join(digits)
            if candidate.startswith(area.prefix):
                pool.append(candidate)
        pool = [p for p in pool if _matches(contains, p)]
    return ["+" + p for p in pool]


def _tail(rng: random.Random, count: int) -> str:
    # Exchanges start at 2 (NANP); endings keep clear of the unreachable 0000-0199 range.
    head = "".join(str(rng.randint(2 if i == 0 else 0, 9)) for i in range(count - 4))
    return head + f"{rng.randint(2000, 9999):04d}"


def _matches(pattern: str, digits: str) -> bool:
    for start in range(len(digits) - len(pattern) + 1):
        window = digits[start : start + len(pattern)]
        if all(p in ("*", c) for p, c in zip(pattern, window, strict=True)):
            return True
    return False


def _offer(code: str, country: Country, kind: str, area: Area, phone: str) -> Record:
    return {
        "address_requirements": country.address_requirements,
        "beta": country.beta,
        "capabilities": _capabilities(kind),
        "friendly_name": phones.national(phone),
        "iso_country": code,
        "lata": area.lata,
        "latitude": area.latitude,
        "locality": area.locality,
        "longitude": area.longitude,
        "phone_number": phone,
        "postal_code": area.postal_code,
        "rate_center": area.rate_center,
        "region": area.region,
    }
