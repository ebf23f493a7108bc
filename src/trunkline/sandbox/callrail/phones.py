"""Phone numbers: E.164 checks, display formatting, caller location and unreachable numbers.

Unreachable rule (documented in docs/sandboxes/callrail.md): a North American number whose last
four digits are 0000-0099 never answers an outbound call and never receives a text.
"""

from __future__ import annotations

import re

from trunkline.sandbox.callrail.errors import bad_request

E164_NANP = re.compile(r"^\+1[2-9]\d{2}[2-9]\d{6}$")

# Area code -> (city, state) for the caller location CallRail derives from the number.
AREA_CODES: dict[str, tuple[str, str]] = {
    "212": ("New York", "NY"),
    "718": ("Brooklyn", "NY"),
    "404": ("Atlanta", "GA"),
    "770": ("Marietta", "GA"),
    "312": ("Chicago", "IL"),
    "773": ("Chicago", "IL"),
    "213": ("Los Angeles", "CA"),
    "310": ("Santa Monica", "CA"),
    "415": ("San Francisco", "CA"),
    "305": ("Miami", "FL"),
    "512": ("Austin", "TX"),
    "206": ("Seattle", "WA"),
    "303": ("Denver", "CO"),
    "617": ("Boston", "MA"),
    "615": ("Nashville", "TN"),
    "602": ("Phoenix", "AZ"),
}
TOLL_FREE = ("800", "833", "844", "855", "866", "877", "888")


def normalize(raw: str, name: str) -> str:
    """A 10-digit US/Canadian number in any common spelling, as E.164; 400 otherwise."""
    digits = re.sub(r"\D", "", raw or "")
    if len(digits) == 10:
        digits = "1" + digits
    candidate = f"+{digits}"
    if not E164_NANP.match(candidate):
        raise bad_request(f"{name} must be a valid 10 digit US or Canadian number")
    return candidate


def formatted(number: str | None) -> str | None:
    """``+14045558514`` -> ``404-555-8514`` (CallRail's display style)."""
    if not number:
        return None
    digits = number.removeprefix("+1")
    if len(digits) != 10:
        return number
    return f"{digits[:3]}-{digits[3:6]}-{digits[6:]}"


def location(number: str) -> tuple[str | None, str | None, str]:
    city, state = AREA_CODES.get(number.removeprefix("+1")[:3], (None, None))
    return city, state, "US"


def unreachable(number: str) -> bool:
    return number.startswith("+1") and len(number) == 12 and number[-4:-2] == "00"
