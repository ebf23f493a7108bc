"""Twilio's wire formats: RFC 2822 dates, prices as signed strings, relative ``uri`` fields.

Records are stored in their wire shape; keys starting with ``_`` are the sandbox's own
bookkeeping (sort keys, schedules) and never leave the sandbox.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from email.utils import format_datetime
from typing import Any

API_VERSION = "2010-04-01"
ROOT = f"/{API_VERSION}"


def rfc2822(moment: datetime) -> str:
    """``Mon, 09 Feb 2026 21:00:00 +0000``, as Twilio writes every date-time."""
    return format_datetime(moment.astimezone(UTC).replace(microsecond=0))


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def from_iso(text: str) -> datetime:
    return datetime.fromisoformat(text)


def charge(amount: Decimal) -> str:
    """What Twilio bills on a message or call: negative, five decimals (``-0.00790``)."""
    return f"{-amount.quantize(Decimal('0.00001'), rounding=ROUND_HALF_UP):.5f}"


def public(record: dict[str, Any]) -> dict[str, Any]:
    """The record as Twilio shows it (bookkeeping keys dropped)."""
    return {k: v for k, v in record.items() if not k.startswith("_")}


def account_uri(account_sid: str, tail: str = "") -> str:
    return f"{ROOT}/Accounts/{account_sid}{tail}"


def resource_uri(account_sid: str, collection: str, sid: str) -> str:
    return account_uri(account_sid, f"/{collection}/{sid}.json")


def day(text: str) -> date:
    return date.fromisoformat(text[:10])


def stamp(record: dict[str, Any], field: str, moment: datetime | None) -> None:
    """Set a date field in Twilio's format plus its sortable ISO twin (``_<field>``)."""
    record[field] = None if moment is None else rfc2822(moment)
    record["_" + field] = None if moment is None else iso(moment)


def moment_of(record: dict[str, Any], field: str) -> datetime | None:
    raw = record.get("_" + field)
    return None if raw is None else from_iso(str(raw))
