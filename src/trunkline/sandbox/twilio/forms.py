"""Reading Twilio's PascalCase parameters (form bodies and query strings, repeated keys).

Each getter raises the Twilio error a bad value earns, so handlers stay declarative.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from urllib.parse import parse_qsl, urlsplit

from trunkline.sandbox.twilio import errors, phones

MAX_BODY_BYTES = 1_000_000
METHODS = ("GET", "POST")


class Params:
    """An ordered multi-dict of parameters, as Twilio receives them."""

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self.pairs = pairs

    @classmethod
    def from_body(cls, body: bytes, content_type: str) -> Params:
        if content_type and "x-www-form-urlencoded" not in content_type:
            return cls([])
        text = body.decode("utf-8", errors="replace")
        return cls(parse_qsl(text, keep_blank_values=True))

    def __contains__(self, name: str) -> bool:
        return any(key == name for key, _ in self.pairs)

    def get(self, name: str) -> str | None:
        for key, value in self.pairs:
            if key == name:
                return value
        return None

    def all(self, name: str) -> list[str]:
        return [value for key, value in self.pairs if key == name]

    def text(self, name: str, default: str | None = None) -> str | None:
        value = self.get(name)
        return default if value is None else value

    def required(self, name: str) -> str:
        value = self.get(name)
        if value is None or not value.strip():
            raise errors.missing(name)
        return value

    def url(self, name: str) -> str | None:
        """A callback URL: absolute http(s), or empty to clear it."""
        value = self.get(name)
        if value is None or value == "":
            return value
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise errors.invalid_url(name, value)
        return value

    def method(self, name: str) -> str | None:
        value = self.get(name)
        if value is None:
            return None
        upper = value.upper()
        if upper not in METHODS:
            raise errors.invalid(name, "must be GET or POST")
        return upper

    def boolean(self, name: str) -> bool | None:
        value = self.get(name)
        if value is None:
            return None
        lowered = value.lower()
        if lowered not in ("true", "false"):
            raise errors.invalid(name, "must be true or false")
        return lowered == "true"

    def integer(self, name: str, low: int, high: int) -> int | None:
        value = self.get(name)
        if value is None:
            return None
        try:
            number = int(value)
        except ValueError:
            raise errors.invalid(name, "must be an integer") from None
        if not low <= number <= high:
            raise errors.invalid(name, f"must be between {low} and {high}")
        return number

    def phone(self, name: str) -> str | None:
        value = self.get(name)
        if value is None:
            return None
        return phones.normalize(value)

    def moment(self, name: str) -> tuple[datetime, bool] | None:
        """A date filter: ``YYYY-MM-DD`` (whole day, flag True) or an ISO 8601 instant."""
        value = self.get(name)
        if value is None or value == "":
            return None
        return parse_moment(name, value)


def parse_moment(name: str, value: str) -> tuple[datetime, bool]:
    try:
        if len(value) == 10:
            start = date.fromisoformat(value)
            return datetime(start.year, start.month, start.day, tzinfo=UTC), True
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise errors.invalid(name, "must be a date (YYYY-MM-DD) or an ISO 8601 date-time") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment, False
