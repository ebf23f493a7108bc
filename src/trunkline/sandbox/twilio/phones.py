"""Phone numbers: E.164 normalisation, display formats and the sandbox's unreachable ranges.

Unreachable rule (documented in docs/sandboxes/twilio.md): a destination whose last four
digits are ``0000``-``0099`` never answers (SMS ``undelivered`` 30003, call ``no-answer``);
``0100``-``0199`` is a line that rejects traffic (SMS ``failed`` 30006, call ``busy``).
"""

from __future__ import annotations

from enum import Enum

import phonenumbers

TOLL_FREE_AREA_CODES = frozenset({"800", "833", "844", "855", "866", "877", "888"})


class Reach(Enum):
    OK = "ok"
    NO_ANSWER = "no-answer"
    REJECTED = "rejected"


def normalize(raw: str, region: str = "US") -> str | None:
    """E.164 form of ``raw`` or None when it cannot be a phone number."""
    text = raw.strip()
    if not text or len(text) > 32:
        return None
    try:
        parsed = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(parsed):
        return None
    return str(phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164))


def national(e164: str) -> str:
    """``(415) 555-2671`` for US numbers, Twilio's ``to_formatted``/``friendly_name`` style."""
    try:
        parsed = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return str(phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL))


def reach(e164: str) -> Reach:
    last4 = e164[-4:]
    if not last4.isdigit():
        return Reach.OK
    if last4 < "0100":
        return Reach.NO_ANSWER
    if last4 < "0200":
        return Reach.REJECTED
    return Reach.OK


def number_type(e164: str) -> str:
    """``local`` or ``tollfree`` for NANP numbers (the US has no separate mobile ranges)."""
    if e164.startswith("+1") and e164[2:5] in TOLL_FREE_AREA_CODES:
        return "tollfree"
    return "local"
